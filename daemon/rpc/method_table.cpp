#include "daemon/rpc/method_table.hpp"

#include <stdexcept>

#include "protocols/diagnostics.hpp"

namespace cyclerd::rpc {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::anyone: return "anyone";
    case Role::viewer: return "viewer";
    case Role::operator_: return "operator";
  }
  return "unknown";
}

void MethodTable::add(Method method) {
  // Names are "noun.verb" except DESIGN.md's `subscribe` and `unsubscribe`.
  if (method.name.empty() || method.name.find(' ') != std::string::npos || (!method.handler && !method.async_handler && !method.text_handler)) {
    throw std::logic_error("method table: a row needs a name and a handler: " + method.name);
  }
  const auto name = method.name;
  if (!methods_.emplace(name, std::move(method)).second) {
    throw std::logic_error("method table: " + name + " is registered twice");
  }
}

const Method* MethodTable::find(std::string_view name) const {
  const auto it = methods_.find(name);
  return it == methods_.end() ? nullptr : &it->second;
}

std::vector<std::string> MethodTable::names() const {
  std::vector<std::string> names;
  for (const auto& [name, row] : methods_) names.push_back(name);
  return names;
}

namespace {

bool has_type(const nlohmann::json& value, ParamType type) {
  switch (type) {
    case ParamType::string: return value.is_string();
    case ParamType::number: return value.is_number();
    case ParamType::integer: return value.is_number_integer();
    case ParamType::boolean: return value.is_boolean();
    case ParamType::object: return value.is_object();
    case ParamType::array: return value.is_array();
    case ParamType::any: return true;
  }
  return false;
}

std::string_view type_name(ParamType type) {
  switch (type) {
    case ParamType::string: return "a string";
    case ParamType::number: return "a number";
    case ParamType::integer: return "an integer";
    case ParamType::boolean: return "true or false";
    case ParamType::object: return "an object";
    case ParamType::array: return "an array";
    case ParamType::any: return "any value";
  }
  return "?";
}

}  // namespace

std::vector<FieldError> check_params(const Method& method, const nlohmann::json& params) {
  std::vector<FieldError> errors;
  for (const auto& [key, value] : params.items()) {
    const Param* param = nullptr;
    for (const auto& p : method.params) {
      if (p.name == key) param = &p;
    }
    const auto pointer = pointer_append("", key);
    if (param == nullptr) {
      std::string known;
      for (const auto& p : method.params) known += (known.empty() ? "" : ", ") + p.name;
      errors.push_back({pointer, "unknown parameter " + quote(key) + " of " + method.name +
                                     (known.empty() ? " (it takes none)" : " (known: " + known + ")")});
    } else if (!has_type(value, param->type)) {
      errors.push_back({pointer, key + " must be " + std::string(type_name(param->type))});
    }
  }
  for (const auto& p : method.params) {
    if (p.required && !params.contains(p.name)) {
      errors.push_back({pointer_append("", p.name), "missing required parameter " + p.name});
    }
  }
  return errors;
}

const std::string& string_param(const nlohmann::json& params, std::string_view name) {
  return params.at(std::string(name)).get_ref<const std::string&>();
}

}  // namespace cyclerd::rpc

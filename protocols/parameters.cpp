#include "protocols/parameters.hpp"

#include <cstdlib>

#include "core/error.hpp"
#include "core/quantity.hpp"
#include "protocols/text.hpp"

namespace cyclerd {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

// A parameter value is text that parses as a quantity; JSON numbers are accepted as bare numbers.
std::optional<std::string> value_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  if (value.is_number_float()) return value.dump();
  return std::nullopt;
}

// The unit a default is written in ("mA" of "500 mA"), or "" for a bare number or a C-rate ("C/10").
std::string unit_of(const std::string& default_text) {
  const char* begin = default_text.c_str();
  char* end = nullptr;
  (void)std::strtod(begin, &end);
  if (end == begin) return {};
  return std::string(text::trim(std::string_view(end)));
}

// True when `value` is nothing but a number ("0.01", "-2e-3").
bool bare_number(const std::string& value) {
  if (value.empty()) return false;
  char* end = nullptr;
  (void)std::strtod(value.c_str(), &end);
  return end == value.c_str() + value.size();
}

bool check_quantity(const std::string& value, const std::string& pointer, std::string_view what,
                    Diagnostics& diagnostics) {
  try {
    (void)parse_quantity(value, pointer);
    return true;
  } catch (const Error& e) {
    diagnostics.add(pointer, std::string(what) + ": " + e.message());
    return false;
  }
}

}  // namespace

ParameterTable ParameterTable::read(const nlohmann::json* parameters, const std::vector<std::string>& overrides,
                                    Diagnostics& diagnostics) {
  ParameterTable table;
  if (parameters != nullptr && !parameters->is_object()) {
    diagnostics.add("/parameters", "'parameters' must be an object: {\"v_min\": {\"default\": \"0.01 V\"}, ...}");
  } else if (parameters != nullptr) {
    for (const auto& [name, decl] : parameters->items()) {
      const std::string where = pointer_append("/parameters", name);
      if (!valid_name(name)) {
        diagnostics.add(where, "parameter name " + quote(name) +
                                   " must be letters, digits and '_', starting with a letter or '_'");
        continue;
      }
      if (!decl.is_object()) {
        diagnostics.add(where, "a parameter is an object with a default: {\"default\": \"0.01 V\"}");
        continue;
      }
      Parameter p;
      p.name = name;
      for (const auto& [key, value] : decl.items()) {
        const std::string key_where = pointer_append(where, key);
        if (key == "default") {
          const auto text = value_text(value);
          if (!text) {
            diagnostics.add(key_where, "the default must be a quantity such as \"0.01 V\" or a number");
          } else if (check_quantity(*text, key_where, "the default", diagnostics)) {
            p.default_text = *text;
          }
        } else if (key == "description") {
          if (value.is_string()) {
            p.description = value.get<std::string>();
          } else {
            diagnostics.add(key_where, "the description must be a string");
          }
        } else {
          diagnostics.add(key_where, "unknown key " + quote(key) + " in a parameter; use default, description");
        }
      }
      if (!decl.contains("default")) {
        diagnostics.add(where, "parameter " + quote(name) + " needs a default, e.g. {\"default\": \"0.01 V\"}");
      }
      p.value_text = p.default_text;
      table.index_[p.name] = table.list_.size();
      table.list_.push_back(std::move(p));
    }
  }
  for (const std::string& override_text : overrides) {
    const std::size_t eq = override_text.find('=');
    const std::string name(text::trim(std::string_view(override_text).substr(0, std::min(eq, override_text.size()))));
    const std::string where = pointer_append("/parameters", name);
    if (eq == std::string::npos) {
      diagnostics.add(where, "override " + quote(override_text) + " must be written name=value, e.g. rate=15 A/g");
      continue;
    }
    const auto it = table.index_.find(name);
    if (it == table.index_.end()) {
      std::string known;
      for (const auto& p : table.list_) known += (known.empty() ? "" : ", ") + p.name;
      diagnostics.add(where, "override " + quote(override_text) + " names no parameter of this protocol" +
                                 (known.empty() ? std::string(" (it has none)") : "; it has " + known));
      continue;
    }
    std::string value(text::trim(std::string_view(override_text).substr(eq + 1)));
    // A bare number takes the unit its default is written in: "v_min=0.01" means 0.01 V when the
    // default is "0.01 V", and "i=200" means 200 mA when the default is "500 mA".
    const std::string default_unit = unit_of(table.list_[it->second].default_text);
    if (bare_number(value) && !default_unit.empty()) value += " " + default_unit;
    if (check_quantity(value, where, "override " + quote(override_text), diagnostics)) {
      table.list_[it->second].value_text = value;
    }
  }
  return table;
}

std::optional<std::string> ParameterTable::substitute(std::string_view text, const std::string& pointer,
                                                      Diagnostics& diagnostics) const {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find("${", i);
    if (open == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, open - i));
    const std::size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) {
      diagnostics.add(pointer, "unterminated parameter reference in " + quote(text) + "; write ${name}");
      return std::nullopt;
    }
    const std::string_view name = text.substr(open + 2, close - open - 2);
    const auto it = index_.find(name);
    if (it == index_.end()) {
      diagnostics.add(pointer, quote("${" + std::string(name) + "}") + " in " + quote(text) +
                                   " is not a declared parameter; declare it under /parameters");
      return std::nullopt;
    }
    // One pass only: values are quantities, so a value is never itself expanded.
    out += list_[it->second].value_text;
    i = close + 1;
  }
  return out;
}

}  // namespace cyclerd

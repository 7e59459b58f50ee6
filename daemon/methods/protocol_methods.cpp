#include "daemon/methods/methods.hpp"

#include "core/quantity.hpp"
#include "daemon/rpc/rpc_error.hpp"
#include "protocols/library.hpp"
#include "protocols/validate.hpp"

namespace cyclerd {

namespace {

using nlohmann::json;

nlohmann::json step_summary(const Step& step) {
  json out = {{"kind", to_string(step.kind())}, {"pointer", step.pointer}};
  if (!step.text.empty()) out["text"] = step.text;
  if (!step.label.empty()) out["label"] = step.label;
  if (const auto* loop = std::get_if<Loop>(&step.body)) {
    if (loop->count) out["count"] = *loop->count;
    auto inner = json::array();
    for (const auto& s : loop->steps) inner.push_back(step_summary(s));
    out["steps"] = inner;
  }
  return out;
}

// "name=value" overrides from a params object ({"v_min": "0.01 V"}); numbers are taken as written.
std::vector<std::string> overrides_of(const json& params) {
  std::vector<std::string> overrides;
  if (!params.contains("params")) return overrides;
  std::vector<rpc::FieldError> errors;
  for (const auto& [name, value] : params.at("params").items()) {
    if (value.is_string()) overrides.push_back(name + "=" + value.get<std::string>());
    else if (value.is_number()) overrides.push_back(name + "=" + value.dump());
    else errors.push_back({"/params/" + name, "a parameter value is a string such as \"0.01 V\""});
  }
  if (!errors.empty()) throw rpc::RpcError::invalid_params("Invalid params: " + errors.front().message, errors);
  return overrides;
}

// An inline cell ({active_mass_mg?, nominal_capacity_mAh?}) or a stored cell's name.
CellInfo cell_of(const json& cell, const CellLookup& cells) {
  if (cell.is_string()) {
    const auto& name = cell.get_ref<const std::string&>();
    std::optional<CellInfo> found = cells ? cells(name) : std::nullopt;
    if (!found) throw rpc::RpcError::not_found("unknown cell \"" + name + "\"");
    return *found;
  }
  if (!cell.is_object()) {
    throw rpc::RpcError::invalid_params("cell is a cell name or {active_mass_mg?, nominal_capacity_mAh?}",
                                        {{"/cell", "a string or an object"}});
  }
  CellInfo info;
  std::vector<rpc::FieldError> errors;
  for (const auto& [key, value] : cell.items()) {
    const auto pointer = "/cell/" + key;
    if ((key != "active_mass_mg" && key != "nominal_capacity_mAh")) {
      errors.push_back({pointer, "unknown key (an inline cell has active_mass_mg and nominal_capacity_mAh)"});
    } else if (!value.is_number() || value.get<double>() <= 0) {
      errors.push_back({pointer, key + " must be a positive number"});
    } else if (key == "active_mass_mg") {
      info.active_mass_g = value.get<double>() / 1000;
    } else {
      info.nominal_capacity_Ah = value.get<double>() / 1000;
    }
  }
  if (!errors.empty()) throw rpc::RpcError::invalid_params("Invalid params: " + errors.front().message, errors);
  return info;
}

json validate(const json& params, const ChannelDirectory& channels, const CellLookup& cells) {
  const auto overrides = overrides_of(params);
  ValidationContext context;
  if (params.contains("channel")) context.channel = channels.capabilities(rpc::string_param(params, "channel"));
  if (params.contains("cell")) context.cell = cell_of(params.at("cell"), cells);

  const auto& protocol = params.at("protocol");
  ParseResult parsed;
  if (protocol.is_string()) {
    parsed = load_library_protocol(protocol.get_ref<const std::string&>(), overrides);
  } else if (protocol.is_object()) {
    parsed = parse_protocol_document(protocol, overrides);
  } else {
    throw rpc::RpcError::invalid_params("protocol is a library name or a protocol object",
                                        {{"/protocol", "a string or an object"}});
  }
  std::vector<ValidationError> errors = parsed.errors;
  if (parsed.ok()) errors = cyclerd::validate(*parsed.protocol, context);
  if (!errors.empty()) {
    std::vector<rpc::FieldError> fields;
    // Pointers into an inline protocol are made pointers into the request's params.
    const std::string prefix = protocol.is_object() ? "/protocol" : "";
    for (const auto& e : errors) fields.push_back({prefix + e.pointer, e.message});
    throw rpc::RpcError::validation_failed(
        "the protocol has " + std::to_string(errors.size()) + " problem" + (errors.size() == 1 ? "" : "s"), fields);
  }
  return {{"valid", true}, {"protocol", protocol_summary(*parsed.protocol)}};
}

}  // namespace

nlohmann::json protocol_summary(const Protocol& protocol) {
  auto parameters = json::array();
  for (const auto& p : protocol.parameters) {
    parameters.push_back({{"name", p.name}, {"default", p.default_text}, {"value", p.value_text},
                          {"description", p.description}});
  }
  auto steps = json::array();
  for (const auto& step : protocol.steps) steps.push_back(step_summary(step));
  return {{"name", protocol.name}, {"description", protocol.description}, {"parameters", parameters},
          {"steps", steps}};
}

void add_protocol_methods(rpc::MethodTable& table, const ChannelDirectory& channels, CellLookup cells) {
  table.add({
      .name = "protocols.list",
      .role = rpc::Role::viewer,
      .params = {},
      .handler =
          [](const json&, const rpc::Caller&) {
            auto list = json::array();
            for (const auto& name : library_protocol_names()) {
              const auto parsed = load_library_protocol(name);
              list.push_back({{"name", name},
                              {"source", "library"},
                              {"description", parsed.ok() ? parsed.protocol->description : ""}});
            }
            return json{{"protocols", list}};
          },
      .summary = "the library protocols (stored ones come with the Lab)",
  });
  table.add({
      .name = "protocols.get",
      .role = rpc::Role::viewer,
      .params = {{"name", rpc::ParamType::string, true, "a protocol name"}},
      .handler =
          [](const json& params, const rpc::Caller&) {
            const auto& name = rpc::string_param(params, "name");
            const auto text = library_protocol_text(name);
            if (!text) throw rpc::RpcError::not_found("unknown protocol \"" + name + "\"");
            const auto parsed = load_library_protocol(name);
            json out = {{"name", name}, {"source", "library"}, {"text", std::string(*text)}};
            out["summary"] = parsed.ok() ? protocol_summary(*parsed.protocol) : json(nullptr);
            return out;
          },
      .summary = "a protocol's JSON text and a parsed summary",
  });
  table.add({
      .name = "protocols.validate",
      .role = rpc::Role::viewer,
      .params = {{"protocol", rpc::ParamType::any, true, "a library name or a protocol object"},
                 {"params", rpc::ParamType::object, false, "parameter overrides {name: \"value\"}"},
                 {"cell", rpc::ParamType::any, false, "a cell name or {active_mass_mg?, nominal_capacity_mAh?}"},
                 {"channel", rpc::ParamType::string, false, "check against this channel's ranges"}},
      .handler = [&channels, cells](const json& params,
                                    const rpc::Caller&) { return validate(params, channels, cells); },
      .summary = "all problems of a protocol, against a cell and a channel if given (-32005)",
  });
}

}  // namespace cyclerd

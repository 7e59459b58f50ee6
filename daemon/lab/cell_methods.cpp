#include "daemon/lab/lab_methods.hpp"

#include "drivers/sim/model/cell_params.hpp"

namespace cyclerd::lab {

using nlohmann::json;

namespace {

json to_json(const store::CellRow& c) {
  auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  return {{"name", c.name}, {"active_mass_mg", c.active_mass_mg}, {"nominal_capacity_mAh", opt(c.nominal_capacity_mAh)},
          {"electrode_area_cm2", opt(c.electrode_area_cm2)}, {"molar_mass_g_mol", opt(c.molar_mass_g_mol)},
          {"molar_volume_cm3_mol", opt(c.molar_volume_cm3_mol)}, {"first_half", opt(c.first_half)},
          {"sim_preset", opt(c.sim_preset)}, {"notes", opt(c.notes)}};
}

store::CellRow cell_from(const json& p) {
  std::vector<rpc::FieldError> errors;
  store::CellRow c;
  c.name = p.at("name").get<std::string>();
  if (c.name.empty()) errors.push_back({"/name", "a cell needs a name"});
  c.active_mass_mg = p.at("active_mass_mg").get<double>();
  if (!(c.active_mass_mg > 0)) errors.push_back({"/active_mass_mg", "must be > 0 mg"});
  auto positive = [&](const char* key, std::optional<double>& into) {
    if (!p.contains(key)) return;
    into = p.at(key).get<double>();
    if (!(*into > 0)) errors.push_back({std::string("/") + key, "must be > 0"});
  };
  positive("nominal_capacity_mAh", c.nominal_capacity_mAh);
  positive("electrode_area_cm2", c.electrode_area_cm2);
  positive("molar_mass_g_mol", c.molar_mass_g_mol);
  positive("molar_volume_cm3_mol", c.molar_volume_cm3_mol);
  if (p.contains("first_half")) {
    c.first_half = p.at("first_half").get<std::string>();
    if (*c.first_half != "discharge" && *c.first_half != "charge") {
      errors.push_back({"/first_half", "\"discharge\" or \"charge\""});
    }
  }
  if (p.contains("sim_preset")) {
    c.sim_preset = p.at("sim_preset").get<std::string>();
    try {
      sim::load_preset(*c.sim_preset);
    } catch (const Error& e) {
      errors.push_back({"/sim_preset", e.what()});
    }
  }
  if (p.contains("notes")) c.notes = p.at("notes").get<std::string>();
  if (!errors.empty()) throw rpc::RpcError::validation_failed("the cell has problems", errors);
  return c;
}

}  // namespace

void add_cell_methods(rpc::MethodTable& table, Lab& lab) {
  using rpc::ParamType;
  table.add({
      .name = "cells.create",
      .role = rpc::Role::operator_,
      .params = {{"name", ParamType::string, true, "the cell's name (its key)"},
                 {"active_mass_mg", ParamType::number, true, "active mass, mg"},
                 {"nominal_capacity_mAh", ParamType::number, false, "for C-rates"},
                 {"electrode_area_cm2", ParamType::number, false, ""},
                 {"molar_mass_g_mol", ParamType::number, false, "for GITT"},
                 {"molar_volume_cm3_mol", ParamType::number, false, "for GITT"},
                 {"first_half", ParamType::string, false, "discharge or charge"},
                 {"sim_preset", ParamType::string, false, "simulated channels simulate this preset"},
                 {"notes", ParamType::string, false, ""}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            const auto cell = cell_from(p);
            if (lab.cell(cell.name)) throw rpc::RpcError::invalid_state("a cell named \"" + cell.name + "\" exists");
            lab.create_cell(cell);
            return to_json(cell);
          },
      .summary = "add a cell under test",
  });
  table.add({
      .name = "cells.list",
      .role = rpc::Role::viewer,
      .params = {},
      .handler =
          [&lab](const json&, const rpc::Caller&) {
            json out = json::array();
            for (const auto& c : lab.cells()) out.push_back(to_json(c));
            return json{{"cells", out}};
          },
      .summary = "every cell",
  });
  table.add({
      .name = "cells.get",
      .role = rpc::Role::viewer,
      .params = {{"name", ParamType::string, true, "the cell"}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            const auto& name = rpc::string_param(p, "name");
            const auto c = lab.cell(name);
            if (!c) throw rpc::RpcError::not_found("unknown cell \"" + name + "\"");
            return to_json(*c);
          },
      .summary = "one cell",
  });
}

}  // namespace cyclerd::lab

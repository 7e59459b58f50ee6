// Preset parsing: one table row per scalar field (name, unit, check), so the JSON form, the checks and the
// messages come from the same place.
#include "drivers/sim/model/cell_params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "drivers/sim/presets/embedded.hpp"

namespace cyclerd::sim {

namespace {

enum class Check { any, positive, non_negative, open_unit, fraction, count };

struct UnitAlias {
  const char* unit;
  double factor;  // value in the field's unit = number * factor
};

struct Field {
  const char* name;
  double CellParams::*member;
  Check check;
  bool required;
  std::vector<UnitAlias> units;  // the first is the field's own unit
};

const std::vector<UnitAlias> volt{{"V", 1}, {"mV", 1e-3}};
const std::vector<UnitAlias> mAh_g{{"mAh/g", 1}, {"Ah/g", 1e3}, {"Ah/kg", 1}};
const std::vector<UnitAlias> A_g{{"A/g", 1}, {"mA/g", 1e-3}, {"A/kg", 1e-3}};
const std::vector<UnitAlias> none{{"", 1}, {"%", 1e-2}};

const std::vector<Field>& fields() {
  static const std::vector<Field> table = {
      {"v_min_V", &CellParams::v_min_V, Check::any, true, volt},
      {"v_max_V", &CellParams::v_max_V, Check::any, true, volt},
      {"bulk_capacity_mAh_g", &CellParams::bulk_capacity_mAh_g, Check::non_negative, true, mAh_g},
      {"ocv_nernst_V", &CellParams::ocv_nernst_V, Check::non_negative, false, volt},
      {"hysteresis_V", &CellParams::hysteresis_V, Check::non_negative, false, volt},
      {"hysteresis_throughput_mAh_g", &CellParams::hysteresis_throughput_mAh_g, Check::positive, false,
       mAh_g},
      {"initial_soc", &CellParams::initial_soc, Check::open_unit, true, none},
      {"diffusion_coefficient_cm2_s", &CellParams::diffusion_coefficient_cm2_s, Check::positive, true,
       {{"cm2/s", 1}, {"m2/s", 1e4}, {"cm^2/s", 1}}},
      {"diffusion_length_um", &CellParams::diffusion_length_um, Check::positive, true,
       {{"um", 1}, {"nm", 1e-3}, {"m", 1e6}}},
      {"grid_ratio", &CellParams::grid_ratio, Check::positive, false, none},
      {"exchange_current_A_g", &CellParams::exchange_current_A_g, Check::positive, true, A_g},
      {"double_layer_F_g", &CellParams::double_layer_F_g, Check::non_negative, false, {{"F/g", 1}}},
      {"side_reaction_capacity_mAh_g", &CellParams::side_reaction_capacity_mAh_g, Check::non_negative,
       false, mAh_g},
      {"side_reaction_V", &CellParams::side_reaction_V, Check::any, false, volt},
      {"side_reaction_width_V", &CellParams::side_reaction_width_V, Check::positive, false, volt},
      {"ohmic_resistance_ohm_g", &CellParams::ohmic_resistance_ohm_g, Check::non_negative, true,
       {{"ohm g", 1}, {"ohm*g", 1}, {"ohm mg", 1e-3}}},
      {"capacity_rise_fraction", &CellParams::capacity_rise_fraction, Check::non_negative, false, none},
      {"capacity_rise_throughput_mAh_g", &CellParams::capacity_rise_throughput_mAh_g, Check::positive,
       false, mAh_g},
      {"capacity_fade_per_Ah_g", &CellParams::capacity_fade_per_Ah_g, Check::non_negative, false, none},
      {"ambient_temperature_C", &CellParams::ambient_temperature_C, Check::any, false,
       {{"degC", 1}, {"C", 1}}},
      {"heat_capacity_J_K", &CellParams::heat_capacity_J_K, Check::positive, false, {{"J/K", 1}}},
      {"heat_transfer_W_K", &CellParams::heat_transfer_W_K, Check::positive, false,
       {{"W/K", 1}, {"mW/K", 1e-3}}},
      {"kinetics_activation_energy_J_mol", &CellParams::kinetics_activation_energy_J_mol,
       Check::non_negative, false, {{"J/mol", 1}, {"kJ/mol", 1e3}}},
      {"diffusion_activation_energy_J_mol", &CellParams::diffusion_activation_energy_J_mol,
       Check::non_negative, false, {{"J/mol", 1}, {"kJ/mol", 1e3}}},
      {"noise_voltage_V", &CellParams::noise_voltage_V, Check::non_negative, false, volt},
      {"noise_current_A", &CellParams::noise_current_A, Check::non_negative, false,
       {{"A", 1}, {"mA", 1e-3}, {"uA", 1e-6}}},
      {"noise_temperature_C", &CellParams::noise_temperature_C, Check::non_negative, false,
       {{"degC", 1}, {"K", 1}}},
      {"noise_impedance_fraction", &CellParams::noise_impedance_fraction, Check::non_negative, false,
       none},
      {"max_step_s", &CellParams::max_step_s, Check::positive, false, {{"s", 1}, {"ms", 1e-3}}},
  };
  return table;
}

std::string show(const nlohmann::json& v) { return v.dump(); }

[[noreturn]] void fail(ErrorCode code, const std::string& where, const std::string& message) {
  throw Error(code, message, where);
}

// A number, or "<number> <unit>" with a unit of the field's list.
double read_number(const nlohmann::json& v, const std::vector<UnitAlias>& units, const std::string& at) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) fail(ErrorCode::invalid_input, at, "must be a number, got " + show(v));
  const std::string s = v.get<std::string>();
  double number = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  while (begin < end && *begin == ' ') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc()) fail(ErrorCode::invalid_input, at, "must be a number with a unit, got " + show(v));
  std::string unit(ptr, end);
  unit.erase(0, unit.find_first_not_of(' '));
  unit.erase(unit.find_last_not_of(' ') + 1);
  for (const auto& u : units)
    if (unit == u.unit) return number * u.factor;
  std::string known;
  for (const auto& u : units) known += std::string(known.empty() ? "" : ", ") + "'" + u.unit + "'";
  fail(ErrorCode::unit_mismatch, at, "unknown unit '" + unit + "' in " + show(v) + ", expected " + known);
}

void check_value(double x, Check check, const std::string& at) {
  auto bad = [&](const char* rule) {
    fail(ErrorCode::out_of_range, at, std::string("must be ") + rule + ", got " + show(x));
  };
  if (!std::isfinite(x)) bad("finite");
  switch (check) {
    case Check::any: break;
    case Check::positive: if (!(x > 0)) bad("> 0"); break;
    case Check::non_negative: if (!(x >= 0)) bad(">= 0"); break;
    case Check::open_unit: if (!(x > 0 && x < 1)) bad("between 0 and 1 (exclusive)"); break;
    case Check::fraction: if (!(x >= 0 && x <= 1)) bad("between 0 and 1"); break;
    case Check::count: if (!(x >= 1)) bad(">= 1"); break;
  }
}

double member_number(const nlohmann::json& obj, const char* key, const std::vector<UnitAlias>& units,
                     Check check, const std::string& at, bool required, double fallback) {
  if (!obj.contains(key)) {
    if (!required) return fallback;
    fail(ErrorCode::invalid_input, at + "/" + key, "missing");
  }
  const double x = read_number(obj.at(key), units, at + "/" + key);
  check_value(x, check, at + "/" + key);
  return x;
}

}  // namespace

void validate(const CellParams& p, const std::string& where) {
  for (const auto& f : fields()) check_value(p.*(f.member), f.check, where + "/" + f.name);
  if (!(p.v_min_V < p.v_max_V))
    fail(ErrorCode::out_of_range, where + "/v_max_V",
         "must be above v_min_V (" + show(p.v_min_V) + "), got " + show(p.v_max_V));
  if (p.finite_volumes < 3 || p.finite_volumes > 400)
    fail(ErrorCode::out_of_range, where + "/finite_volumes",
         "must be between 3 and 400, got " + std::to_string(p.finite_volumes));
  if (p.bulk_capacity_mAh_g > 0) {
    if (p.ocv.empty()) fail(ErrorCode::invalid_input, where + "/ocv", "missing (needs at least one point)");
    for (std::size_t i = 0; i < p.ocv.size(); ++i) {
      const std::string at = where + "/ocv/" + std::to_string(i);
      check_value(p.ocv[i].voltage_V, Check::any, at);
      check_value(p.ocv[i].x, Check::fraction, at);
      if (i > 0 && !(p.ocv[i].x > p.ocv[i - 1].x))
        fail(ErrorCode::out_of_range, at, "x must increase, got " + show(p.ocv[i].x) + " after " +
                                              show(p.ocv[i - 1].x));
    }
  } else if (!(p.double_layer_F_g > 0)) {
    fail(ErrorCode::out_of_range, where + "/double_layer_F_g",
         "must be > 0 when the bulk is switched off (bulk_capacity_mAh_g = 0), got " +
             show(p.double_layer_F_g));
  }
  for (std::size_t i = 0; i < p.surface_peaks.size(); ++i) {
    const std::string at = where + "/surface_peaks/" + std::to_string(i);
    const auto& pk = p.surface_peaks[i];
    check_value(pk.capacity_mAh_g, Check::non_negative, at + "/capacity_mAh_g");
    check_value(pk.width_V, Check::positive, at + "/width_V");
    check_value(pk.reduction_V, Check::any, at + "/reduction_V");
    if (!(pk.oxidation_V >= pk.reduction_V))
      fail(ErrorCode::out_of_range, at + "/oxidation_V",
           "must be >= reduction_V (" + show(pk.reduction_V) + "), got " + show(pk.oxidation_V));
  }
}

CellParams parse_preset(const nlohmann::json& j, std::string_view where_view) {
  const std::string where(where_view);
  if (!j.is_object()) fail(ErrorCode::invalid_input, where, "a preset must be a JSON object, got " + show(j));
  CellParams p;
  const CellParams defaults;
  for (const auto& f : fields()) {
    p.*(f.member) = member_number(j, f.name, f.units, f.check, where, f.required, defaults.*(f.member));
  }
  // Unknown keys are errors that name the key (a typo must not silently become a default).
  static const std::vector<std::string> other = {"name", "description", "first_half", "geometry",
                                                 "finite_volumes", "ocv", "surface_peaks"};
  for (const auto& item : j.items()) {
    const std::string& key = item.key();  // a named reference: clang 14 cannot capture a structured binding
    const bool known = std::any_of(fields().begin(), fields().end(),
                                   [&](const Field& f) { return key == f.name; }) ||
                       std::find(other.begin(), other.end(), key) != other.end();
    if (!known) fail(ErrorCode::invalid_input, where + "/" + key, "unknown parameter");
  }
  p.name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : where;
  if (!j.contains("first_half")) fail(ErrorCode::invalid_input, where + "/first_half", "missing");
  const auto& half = j["first_half"];
  if (half == "discharge" || half == "charge") {
    p.discharge_first = half == "discharge";
  } else {
    fail(ErrorCode::invalid_input, where + "/first_half",
         "must be \"discharge\" or \"charge\", got " + show(half));
  }
  if (j.contains("geometry")) {
    const auto& g = j["geometry"];
    if (g != "slab" && g != "sphere")
      fail(ErrorCode::invalid_input, where + "/geometry", "must be \"slab\" or \"sphere\", got " + show(g));
    p.geometry = g == "slab" ? Geometry::slab : Geometry::sphere;
  }
  if (j.contains("finite_volumes")) {
    const auto& n = j["finite_volumes"];
    if (!n.is_number_integer())
      fail(ErrorCode::invalid_input, where + "/finite_volumes", "must be an integer, got " + show(n));
    p.finite_volumes = n.get<int>();
  }
  if (j.contains("ocv")) {
    const auto& table = j["ocv"];
    if (!table.is_array()) fail(ErrorCode::invalid_input, where + "/ocv", "must be an array of [x, V]");
    for (std::size_t i = 0; i < table.size(); ++i) {
      const std::string at = where + "/ocv/" + std::to_string(i);
      const auto& row = table[i];
      if (!row.is_array() || row.size() != 2)
        fail(ErrorCode::invalid_input, at, "must be a pair [x, V], got " + show(row));
      p.ocv.push_back({read_number(row[0], none, at + "/0"), read_number(row[1], volt, at + "/1")});
    }
  }
  if (j.contains("surface_peaks")) {
    const auto& peaks = j["surface_peaks"];
    if (!peaks.is_array()) fail(ErrorCode::invalid_input, where + "/surface_peaks", "must be an array");
    for (std::size_t i = 0; i < peaks.size(); ++i) {
      const std::string at = where + "/surface_peaks/" + std::to_string(i);
      const auto& pk = peaks[i];
      if (!pk.is_object()) fail(ErrorCode::invalid_input, at, "must be an object, got " + show(pk));
      for (const auto& [key, value] : pk.items())
        if (key != "reduction_V" && key != "oxidation_V" && key != "width_V" && key != "capacity_mAh_g")
          fail(ErrorCode::invalid_input, at + "/" + key, "unknown parameter");
      SurfacePeak s;
      s.reduction_V = member_number(pk, "reduction_V", volt, Check::any, at, true, 0);
      s.oxidation_V = member_number(pk, "oxidation_V", volt, Check::any, at, true, 0);
      s.width_V = member_number(pk, "width_V", volt, Check::positive, at, false, 0.05);
      s.capacity_mAh_g = member_number(pk, "capacity_mAh_g", mAh_g, Check::non_negative, at, true, 0);
      p.surface_peaks.push_back(s);
    }
  }
  validate(p, where);
  return p;
}

nlohmann::json to_json(const CellParams& p) {
  nlohmann::json j;
  j["name"] = p.name;
  j["first_half"] = p.discharge_first ? "discharge" : "charge";
  j["geometry"] = p.geometry == Geometry::slab ? "slab" : "sphere";
  j["finite_volumes"] = p.finite_volumes;
  for (const auto& f : fields()) j[f.name] = p.*(f.member);
  j["ocv"] = nlohmann::json::array();
  for (const auto& pt : p.ocv) j["ocv"].push_back({pt.x, pt.voltage_V});
  j["surface_peaks"] = nlohmann::json::array();
  for (const auto& pk : p.surface_peaks)
    j["surface_peaks"].push_back({{"reduction_V", pk.reduction_V},
                                  {"oxidation_V", pk.oxidation_V},
                                  {"width_V", pk.width_V},
                                  {"capacity_mAh_g", pk.capacity_mAh_g}});
  return j;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& e : embedded_presets()) names.emplace_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

CellParams load_preset(std::string_view name) {
  for (const auto& e : embedded_presets()) {
    if (e.name != name) continue;
    const std::string where = "presets/" + std::string(name) + ".json";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(e.json);
    } catch (const nlohmann::json::parse_error& ex) {
      throw Error(ErrorCode::internal, std::string("built-in preset is not valid JSON: ") + ex.what(), where);
    }
    CellParams p = parse_preset(j, where);
    p.name = std::string(name);
    return p;
  }
  std::string known;
  for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::not_found, "unknown sim preset '" + std::string(name) + "'; known: " + known);
}

}  // namespace cyclerd::sim

#include "protocols/runner/cycle_summary.hpp"

namespace cyclerd {
namespace {

nlohmann::json or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

std::optional<double> mean_voltage(double energy_Wh, double capacity_Ah) {
  if (!(capacity_Ah > 0)) return std::nullopt;
  return energy_Wh / capacity_Ah;
}

}  // namespace

CycleSummary summarize(const CycleEnd& c, double mass_g) {
  CycleSummary s;
  s.cycle_index = c.cycle_index;
  if (c.first_half_current_A > 0) s.current_density_A_g = c.first_half_current_A / mass_g;
  s.charge_capacity_Ah = c.charge_Ah;
  s.discharge_capacity_Ah = c.discharge_Ah;
  s.charge_capacity_mAh_g = c.charge_Ah * 1e3 / mass_g;
  s.discharge_capacity_mAh_g = c.discharge_Ah * 1e3 / mass_g;
  s.coulombic_efficiency = c.coulombic_efficiency();
  s.charge_energy_Wh = c.charge_Wh;
  s.discharge_energy_Wh = c.discharge_Wh;
  s.mean_charge_voltage_V = mean_voltage(c.charge_Wh, c.charge_Ah);
  s.mean_discharge_voltage_V = mean_voltage(c.discharge_Wh, c.discharge_Ah);
  s.duration_s = c.end_t_s - c.start_t_s;
  return s;
}

nlohmann::json to_json(const CycleSummary& r) {
  return {{"cycle_index", r.cycle_index},
          {"current_density_A_g", or_null(r.current_density_A_g)},
          {"charge_capacity_Ah", r.charge_capacity_Ah},
          {"discharge_capacity_Ah", r.discharge_capacity_Ah},
          {"charge_capacity_mAh_g", r.charge_capacity_mAh_g},
          {"discharge_capacity_mAh_g", r.discharge_capacity_mAh_g},
          {"coulombic_efficiency", or_null(r.coulombic_efficiency)},
          {"charge_energy_Wh", r.charge_energy_Wh},
          {"discharge_energy_Wh", r.discharge_energy_Wh},
          {"mean_charge_voltage_V", or_null(r.mean_charge_voltage_V)},
          {"mean_discharge_voltage_V", or_null(r.mean_discharge_voltage_V)},
          {"duration_s", r.duration_s}};
}

}  // namespace cyclerd

#include "analysis/cycle_stats.hpp"

namespace cyclerd::analysis {
namespace {

nlohmann::json or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

}  // namespace

std::optional<double> coulombic_efficiency(const CycleRecord& c) {
  const double first = c.discharge_first ? c.discharge_Ah : c.charge_Ah;
  const double second = c.discharge_first ? c.charge_Ah : c.discharge_Ah;
  if (!(first > 0)) return std::nullopt;
  return second / first;
}

CycleStatsRow summarize_cycle(const CycleRecord& c, double m) {
  CycleStatsRow r;
  r.cycle_index = c.cycle_index;
  if (c.first_half_current_A > 0 && m > 0) r.current_density_A_g = c.first_half_current_A / m;
  r.charge_capacity_Ah = c.charge_Ah;
  r.discharge_capacity_Ah = c.discharge_Ah;
  r.charge_energy_Wh = c.charge_Wh;
  r.discharge_energy_Wh = c.discharge_Wh;
  if (m > 0) {
    r.charge_capacity_mAh_g = c.charge_Ah * 1e3 / m;
    r.discharge_capacity_mAh_g = c.discharge_Ah * 1e3 / m;
    r.charge_energy_Wh_kg = c.charge_Wh / (m * 1e-3);
    r.discharge_energy_Wh_kg = c.discharge_Wh / (m * 1e-3);
  }
  r.coulombic_efficiency = coulombic_efficiency(c);
  if (c.charge_Ah > 0) r.mean_charge_voltage_V = c.charge_Wh / c.charge_Ah;
  if (c.discharge_Ah > 0) r.mean_discharge_voltage_V = c.discharge_Wh / c.discharge_Ah;
  // The gap is the cell's round-trip polarisation (hysteresis plus overpotentials), always >= 0 for a
  // real cell whichever order its halves run in.
  if (r.mean_charge_voltage_V && r.mean_discharge_voltage_V) {
    r.voltage_gap_V = *r.mean_charge_voltage_V - *r.mean_discharge_voltage_V;
  }
  r.duration_s = c.end_t_s - c.start_t_s;
  return r;
}

CycleStatsRow CycleStats::add(const CycleRecord& c) {
  const double m = options_.active_mass_g;
  CycleStatsRow r = summarize_cycle(c, m);
  ++cycles_;
  if (cycles_ == 1) first_efficiency_ = r.coulombic_efficiency;
  r.first_cycle_efficiency = first_efficiency_;
  // The reference is the configured cycle, or the first one seen at or after it (a file may start later).
  if (!reference_mAh_g_ && c.cycle_index >= options_.reference_cycle && c.discharge_Ah > 0) {
    reference_mAh_g_ = m > 0 ? r.discharge_capacity_mAh_g : c.discharge_Ah * 1e3;
    reference_index_ = c.cycle_index;
  }
  if (reference_mAh_g_) {
    const double cap = m > 0 ? r.discharge_capacity_mAh_g : c.discharge_Ah * 1e3;
    r.retention = cap / *reference_mAh_g_;
    const int since = c.cycle_index - reference_index_;
    if (since > 0) r.decay_per_cycle = (1.0 - *r.retention) / since;
  }
  last_ = r;
  return r;
}

nlohmann::json CycleStats::summary() const {
  nlohmann::json j = {{"cycles_analysed", cycles_},
                      {"first_cycle_efficiency", or_null(first_efficiency_)},
                      {"reference_cycle", reference_mAh_g_ ? nlohmann::json(reference_index_) : nlohmann::json()},
                      {"reference_discharge_capacity_mAh_g", or_null(reference_mAh_g_)},
                      {"retention", nullptr},
                      {"decay_per_cycle", nullptr}};
  if (last_) {
    j["retention"] = or_null(last_->retention);
    j["decay_per_cycle"] = or_null(last_->decay_per_cycle);
  }
  return j;
}

nlohmann::json cycle_table_json(const CycleStatsRow& r) {
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

nlohmann::json to_json(const CycleStatsRow& r) {
  nlohmann::json j = cycle_table_json(r);
  j["charge_energy_Wh_kg"] = r.charge_energy_Wh_kg;
  j["discharge_energy_Wh_kg"] = r.discharge_energy_Wh_kg;
  j["voltage_gap_V"] = or_null(r.voltage_gap_V);
  j["retention"] = or_null(r.retention);
  j["decay_per_cycle"] = or_null(r.decay_per_cycle);
  j["first_cycle_efficiency"] = or_null(r.first_cycle_efficiency);
  return j;
}

}  // namespace cyclerd::analysis

#include "drivers/sim/rate_test.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "drivers/sim/model/cell_model.hpp"

namespace cyclerd::sim {

namespace {
// One constant-current half to a limit; returns the charge passed in mAh/g (exact: the model lands on the
// limit, so it is |I| times the half's duration).
double run_half(CellModel& cell, double current_A, double limit_V, double period_s, double mass_g,
                double cap_s) {
  Setpoint sp;
  sp.mode = Mode::current;
  sp.value = current_A;
  sp.sample_period_s = period_s;
  if (current_A < 0) sp.stop_below_V = limit_V; else sp.stop_above_V = limit_V;
  cell.apply(sp);
  const double start = cell.time_s();
  while (true) {
    const Sample s = cell.advance(period_s);
    if (s.has(sample_flag::limit_reached)) break;
    if (cell.time_s() - start > cap_s)
      throw Error(ErrorCode::internal, "the cell did not reach " + std::to_string(limit_V) + " V within " +
                                           std::to_string(cap_s) + " s", "rate_test");
  }
  return std::abs(current_A) * (cell.time_s() - start) / 3.6 / mass_g;
}
}  // namespace

std::vector<RateTestRow> run_rate_test(const CellParams& p, double active_mass_g, std::uint64_t seed,
                                       const RateTestOptions& o) {
  if (o.cycles_per_rate < 1)
    throw Error(ErrorCode::out_of_range, "must be >= 1, got " + std::to_string(o.cycles_per_rate),
                "cycles_per_rate");
  CellModel cell(p, active_mass_g, seed);
  double total_mAh_g = p.bulk_capacity_mAh_g + p.side_reaction_capacity_mAh_g + p.double_layer_F_g * 10;
  for (const auto& pk : p.surface_peaks) total_mAh_g += pk.capacity_mAh_g;
  std::vector<RateTestRow> rows;
  bool first_cycle = true;
  for (const double rate : o.rates_A_g) {
    if (!(rate > 0))
      throw Error(ErrorCode::out_of_range, "must be > 0, got " + std::to_string(rate), "rates_A_g");
    const double current = rate * active_mass_g;
    // Generous bound on a half's duration: all the capacity there is, three times, plus an hour.
    const double cap_s = 3 * 3.6 * total_mAh_g * (1 + p.capacity_rise_fraction) / rate + 3600;
    RateTestRow row{rate, 0, 0, 0, 0};
    for (int c = 0; c < o.cycles_per_rate; ++c) {
      double discharge = 0, charge = 0;
      if (o.discharge_first) {
        discharge = run_half(cell, -current, o.v_min_V, o.sample_period_s, active_mass_g, cap_s);
        charge = run_half(cell, current, o.v_max_V, o.sample_period_s, active_mass_g, cap_s);
      } else {
        charge = run_half(cell, current, o.v_max_V, o.sample_period_s, active_mass_g, cap_s);
        discharge = run_half(cell, -current, o.v_min_V, o.sample_period_s, active_mass_g, cap_s);
      }
      if (first_cycle) {  // formation: left out of the table
        first_cycle = false;
        continue;
      }
      row.cycles += 1;
      row.mean_discharge_capacity_mAh_g += discharge;
      row.mean_charge_capacity_mAh_g += charge;
    }
    if (row.cycles > 0) {
      row.mean_discharge_capacity_mAh_g /= row.cycles;
      row.mean_charge_capacity_mAh_g /= row.cycles;
      rows.push_back(row);
    }
  }
  for (auto& r : rows)
    r.retention = rows.front().mean_discharge_capacity_mAh_g > 0
                      ? r.mean_discharge_capacity_mAh_g / rows.front().mean_discharge_capacity_mAh_g
                      : 0.0;
  return rows;
}

}  // namespace cyclerd::sim

// The basic per-cycle summary (DESIGN.md's cycle-table field names); the analysis issue extends it.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/runner/channel_runner.hpp"

namespace cyclerd {

struct CycleSummary {
  int cycle_index = 0;                              // from 1
  std::optional<double> current_density_A_g;        // |setpoint| of the first half; none for a sweep
  double charge_capacity_Ah = 0, discharge_capacity_Ah = 0;
  double charge_capacity_mAh_g = 0, discharge_capacity_mAh_g = 0;
  std::optional<double> coulombic_efficiency;       // a fraction, DESIGN.md's convention
  double charge_energy_Wh = 0, discharge_energy_Wh = 0;
  std::optional<double> mean_charge_voltage_V, mean_discharge_voltage_V;  // energy over capacity
  double duration_s = 0;
};

// The summary of a finished cycle of a cell of `active_mass_g`.
CycleSummary summarize(const CycleEnd& cycle, double active_mass_g);
// One object with DESIGN.md's field names; a missing value is null.
nlohmann::json to_json(const CycleSummary& row);

// A consumer that keeps the cycle table of a run as cycles finish.
class CycleTable : public RunConsumer {
 public:
  explicit CycleTable(double active_mass_g) : mass_g_(active_mass_g) {}
  void on_cycle_end(const CycleEnd& cycle) override { rows_.push_back(summarize(cycle, mass_g_)); }
  const std::vector<CycleSummary>& rows() const { return rows_; }

 private:
  double mass_g_;
  std::vector<CycleSummary> rows_;
};

}  // namespace cyclerd

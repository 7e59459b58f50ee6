// The extended cycle summary, streaming: DESIGN.md's cycle-table fields plus energy per kg, the gap between
// the mean charge and discharge voltages, retention against a reference cycle, average decay per cycle and
// the first cycle's efficiency. Keeps only running state, whatever the number of cycles.
#pragma once

#include <cstddef>
#include <optional>

#include <nlohmann/json.hpp>

#include "analysis/run_stream.hpp"

namespace cyclerd::analysis {

struct CycleStatsOptions {
  double active_mass_g = 0;   // > 0 for the per-gram and per-kg fields
  int reference_cycle = 2;    // retention is against this cycle's discharge capacity (after formation)
};

// One row of the extended cycle table.
struct CycleStatsRow {
  int cycle_index = 0;
  std::optional<double> current_density_A_g;
  double charge_capacity_Ah = 0, discharge_capacity_Ah = 0;
  double charge_capacity_mAh_g = 0, discharge_capacity_mAh_g = 0;
  std::optional<double> coulombic_efficiency;
  double charge_energy_Wh = 0, discharge_energy_Wh = 0;
  double charge_energy_Wh_kg = 0, discharge_energy_Wh_kg = 0;
  std::optional<double> mean_charge_voltage_V, mean_discharge_voltage_V, voltage_gap_V;
  double duration_s = 0;
  std::optional<double> retention;            // discharge capacity over the reference cycle's
  std::optional<double> decay_per_cycle;      // (1 - retention) / cycles since the reference
  std::optional<double> first_cycle_efficiency;
};

// Coulombic efficiency by DESIGN.md's convention: second half over first half; none if the first is empty.
std::optional<double> coulombic_efficiency(const CycleRecord& c);

// The row of one finished cycle on its own (no running figures: retention, decay and first-cycle efficiency
// stay empty). The one place the cycle table is computed: CycleStats, the runner's cycle table, the daemon
// and the offline readers all go through it. Per-gram and per-kg fields need active_mass_g > 0.
CycleStatsRow summarize_cycle(const CycleRecord& cycle, double active_mass_g);

class CycleStats {
 public:
  explicit CycleStats(CycleStatsOptions options) : options_(options) {}

  // Summarises a finished cycle, updates the running figures and returns the row.
  CycleStatsRow add(const CycleRecord& cycle);

  std::size_t cycles() const { return cycles_; }
  const std::optional<CycleStatsRow>& last() const { return last_; }
  std::optional<double> first_cycle_efficiency() const { return first_efficiency_; }
  std::optional<double> reference_discharge_mAh_g() const { return reference_mAh_g_; }
  // {"cycles_analysed", "first_cycle_efficiency", "reference_cycle", "retention", "decay_per_cycle", ...}.
  nlohmann::json summary() const;
  std::size_t memory_bytes() const { return sizeof(*this); }

 private:
  CycleStatsOptions options_;
  std::size_t cycles_ = 0;
  std::optional<double> first_efficiency_, reference_mAh_g_;
  int reference_index_ = 0;
  std::optional<CycleStatsRow> last_;
};

// One object with DESIGN.md's cycle-table field names only; a missing value is null.
nlohmann::json cycle_table_json(const CycleStatsRow& row);
// One object with DESIGN.md's field names plus the extension's; a missing value is null.
nlohmann::json to_json(const CycleStatsRow& row);

}  // namespace cyclerd::analysis

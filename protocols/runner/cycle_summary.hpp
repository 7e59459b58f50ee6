// The per-cycle summary (DESIGN.md's cycle-table field names). analysis/ computes it (one source of truth
// for the cycle table: analysis::summarize_cycle); the runner only turns the engine's CycleEnd into the
// analysis side's record.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/cycle_stats.hpp"
#include "protocols/runner/channel_runner.hpp"

namespace cyclerd {

// A cycle-table row computed for one cycle on its own: the running figures (retention, decay, first-cycle
// efficiency) stay empty; analysis::CycleStats fills them where a whole run is seen.
struct CycleSummary : analysis::CycleStatsRow {};

// The engine's finished cycle as the analyzers read it.
analysis::CycleRecord to_cycle_record(const CycleEnd& cycle);
// The summary of a finished cycle of a cell of `active_mass_g` (per-gram fields need a mass > 0).
CycleSummary summarize(const CycleEnd& cycle, double active_mass_g);
// One object with DESIGN.md's cycle-table field names only; a missing value is null.
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

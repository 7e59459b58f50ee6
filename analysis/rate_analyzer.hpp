// The rate table, streaming: consecutive cycles at one current density averaged into a row as soon as the
// rate changes; retention against the first rate and, when a rate comes back, recovery against its first
// visit. The run's first cycle (formation) is left out (DESIGN.md).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/cycle_stats.hpp"
#include "analysis/run_stream.hpp"

namespace cyclerd::analysis {

struct RateTableRow {
  double current_density_A_g = 0;
  int cycles = 0;
  double mean_discharge_capacity_mAh_g = 0;
  double mean_charge_capacity_mAh_g = 0;
  double retention = 0;            // mean discharge capacity over the first row's
  std::optional<double> recovery;  // over this rate's first row, when the rate was run before
};

class RateAnalyzer {
 public:
  // At most `max_rows` finished rows and `max_rates` distinct rates are kept (a protocol that changes
  // rate every cycle for ever would otherwise grow without bound); sink still gets every row.
  explicit RateAnalyzer(ResultSink sink = {}, std::size_t max_rows = 256, std::size_t max_rates = 64);

  // Adds a finished cycle; may finish the previous group (which then goes to the sink).
  void add(const CycleStatsRow& cycle);
  // Finishes the group in progress (end of run or of file).
  void finish();

  // Finished rows, in the order the rates were run (bounded, see the constructor).
  const std::vector<RateTableRow>& rows() const { return rows_; }
  std::size_t memory_bytes() const;

 private:
  struct Group {
    double rate_A_g = 0;
    int cycles = 0;
    double discharge_sum = 0, charge_sum = 0;
  };
  struct FirstVisit {
    double rate_A_g = 0, discharge_mAh_g = 0;
  };
  void close_group();

  ResultSink sink_;
  std::size_t max_rows_, max_rates_;
  bool skipped_formation_ = false;
  std::optional<Group> group_;
  std::optional<double> first_rate_discharge_;
  std::vector<FirstVisit> visits_;
  std::vector<RateTableRow> rows_;
};

// DESIGN.md's rate-table fields only.
nlohmann::json rate_table_json(const RateTableRow& row);
// DESIGN.md's rate-table fields plus "recovery" (null when the rate was not run before).
nlohmann::json to_json(const RateTableRow& row);

}  // namespace cyclerd::analysis

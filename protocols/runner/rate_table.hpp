// The rate table (DESIGN.md field names): consecutive cycles at one current density, averaged; the
// run's first cycle (formation) is left out.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/runner/cycle_summary.hpp"

namespace cyclerd {

struct RateRow {
  double current_density_A_g = 0;
  int cycles = 0;
  double mean_discharge_capacity_mAh_g = 0;
  double mean_charge_capacity_mAh_g = 0;
  double retention = 0;  // mean discharge capacity over that of the first row
};

// Rows in the order the rates were run; a rate run again later (back at 0.1 A/g) is a row of its own.
// Cycles without a current density (sweeps) are left out.
std::vector<RateRow> rate_table(const std::vector<CycleSummary>& cycles);
nlohmann::json to_json(const RateRow& row);

}  // namespace cyclerd

// A rate-capability test run directly on the cell model (no engine, no driver): calibration and estimates.
#pragma once

#include <cstdint>
#include <vector>

#include "drivers/sim/model/cell_params.hpp"

namespace cyclerd::sim {

struct RateTestOptions {
  std::vector<double> rates_A_g;  // current densities in order; a rate may repeat (back at 0.1 A/g)
  int cycles_per_rate = 5;
  double v_min_V = 0.01, v_max_V = 3.0;
  double sample_period_s = 1.0;
  bool discharge_first = true;
};

// One row of the rate table (DESIGN.md field names).
struct RateTestRow {
  double current_density_A_g;
  int cycles;                          // cycles averaged (the run's first cycle is left out)
  double mean_discharge_capacity_mAh_g;
  double mean_charge_capacity_mAh_g;
  double retention;                    // mean discharge capacity / that of the first row
};

// Constant current to one limit then the other, cycles_per_rate cycles per rate; the run's first cycle is
// left out of the table.
std::vector<RateTestRow> run_rate_test(const CellParams& p, double active_mass_g, std::uint64_t seed,
                                       const RateTestOptions& o);

}  // namespace cyclerd::sim

// dQ/dV per half cycle, streaming: samples go onto a fixed voltage grid (DqdvAccumulator) and each finished
// half cycle's curve is published; only the last few curves are kept, in preallocated slots, so memory is
// the same after ten cycles and after ten thousand.
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/dqdv.hpp"
#include "analysis/run_stream.hpp"

namespace cyclerd::analysis {

struct DqdvOptions {
  double v_min_V = 0.0, v_max_V = 3.0;
  std::size_t bins = 300;
  double smoothing_V = 0.01;       // Gaussian sigma (area preserving)
  std::size_t keep = 4;            // finished half cycles kept for queries and plots
  double current_threshold_A = 1e-7;  // |I| below this is rest: it neither starts nor ends a half
  double active_mass_g = 0;        // > 0 adds mAh/g/V
};

// One half cycle's curve.
struct DqdvCurve {
  int cycle_index = 0;
  bool charge = false;             // current > 0
  double capacity_Ah = 0;
  std::vector<double> voltage_V, dqdv_Ah_per_V;
};

class DqdvAnalyzer {
 public:
  DqdvAnalyzer(DqdvOptions options, ResultSink sink = {});

  // The next record; a change of current direction finishes the half cycle in progress.
  void add(const AnalysisRecord& record);
  // Finishes the half cycle in progress (end of run or file).
  void finish();

  // The kept curves, oldest first.
  std::vector<DqdvCurve> curves() const;
  std::size_t memory_bytes() const;

 private:
  void close_half();

  DqdvOptions options_;
  ResultSink sink_;
  DqdvAccumulator accumulator_;
  std::vector<double> kernel_;   // the smoothing weights, computed once
  // The sink's row, built once and refilled in place for each half cycle: a live run publishes a curve
  // every half cycle, and building a fresh JSON document of the whole grid each time cost more than all the
  // rest of the analysis.
  nlohmann::json row_;
  int direction_ = 0;       // +1 charging, -1 discharging, 0 not yet known
  int cycle_index_ = 0;     // cycle of the half in progress (where it started)
  std::vector<DqdvCurve> ring_;  // `keep` slots, filled round-robin
  std::size_t next_ = 0, filled_ = 0;
};

// {"cycle_index", "half": "charge"|"discharge", "capacity_Ah", "voltage_V": [...], "dqdv_Ah_per_V": [...]}
// plus "dqdv_mAh_g_per_V" when the mass is known.
nlohmann::json to_json(const DqdvCurve& curve, double active_mass_g = 0);

}  // namespace cyclerd::analysis

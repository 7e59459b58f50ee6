// What the analyzers read: the analysis side's own view of a run's stream, so that analysis/ depends on
// core/ only (the runner converts its records into these; offline readers build them from files).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sample.hpp"

namespace cyclerd::analysis {

// One recorded sample with the place in the run the analyzers care about.
struct AnalysisRecord {
  Sample sample;
  int cycle_index = 0;          // from 1; 0 before the first cycle starts
  std::int64_t step_index = 0;  // running step count: a change marks a step boundary
};

// A finished cycle (charges and energies are positive magnitudes).
struct CycleRecord {
  int cycle_index = 0;
  bool discharge_first = true;
  double first_half_current_A = 0;  // |setpoint| of the first half; 0 for a sweep
  double charge_Ah = 0, discharge_Ah = 0, charge_Wh = 0, discharge_Wh = 0;
  double start_t_s = 0, end_t_s = 0;
};

// Where finished results go as they appear (storage, push topics, or a file reader's collector):
// `kind` is the result table ("cycles", "rate_table", "dqdv", "cv_peaks", "gitt", "eis", ...).
using ResultSink = std::function<void(std::string_view kind, const nlohmann::json& row)>;

// Heap bytes held by a vector: what the memory-bound tests add up.
template <class T>
std::size_t heap_bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace cyclerd::analysis

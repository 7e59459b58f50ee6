// Cycles from samples alone, for files from other cyclers: charge and energy integrated per half, cycle
// boundaries from the file's cycle numbers or, when it has none, from the direction of the current
// (a cycle is one first half plus one second half, DESIGN.md).
#pragma once

#include <optional>

#include "analysis/run_stream.hpp"

namespace cyclerd::analysis {

class CycleIntegrator {
 public:
  // `use_cycle_numbers`: trust AnalysisRecord::cycle_index; otherwise derive cycles from the current.
  CycleIntegrator(bool use_cycle_numbers, double current_threshold_A);

  // The next sample; returns the cycle it finished, if any.
  std::optional<CycleRecord> add(const AnalysisRecord& record);
  // The cycle in progress, if it passed any charge (end of the file).
  std::optional<CycleRecord> finish();
  // The cycle index the last sample belongs to (what a record carries when the file has none).
  int cycle_index() const { return cycle_.cycle_index; }

 private:
  bool use_numbers_;
  double threshold_A_;
  std::optional<bool> discharge_first_;
  bool in_second_half_ = false;
  CycleRecord cycle_;
  std::optional<Sample> last_;
  int file_cycle_ = 0;
};

}  // namespace cyclerd::analysis

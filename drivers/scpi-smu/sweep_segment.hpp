// A potential sweep as the SMU runs it: a staircase of list segments the instrument paces itself.
//
// Pure planning (no I/O): where the sweep's potential is at a moment, how long it lasts, and the next
// segment's levels and timing for a model's list sweep. Each point of a segment lasts `point_s` and its
// reading integrates the whole point (the aperture equals the point), so a reading's current times its
// duration is the charge the cell moved in that point, charging spike of the step included.
#pragma once

#include <vector>

#include "core/setpoint.hpp"
#include "drivers/scpi-smu/smu_models.hpp"

namespace cyclerd {

// The potential `elapsed_s` into the sweep; the last vertex once the sweep is over.
double sweep_voltage(const SweepParams& sweep, double elapsed_s);
// Seconds from the start to the last vertex of the last cycle.
double sweep_length_s(const SweepParams& sweep);

struct SweepSegment {
  // One per point. The first holds the level the segment starts from: its reading measures the current
  // that flowed while the host was away between two segments (the engine counts that interval with it).
  // Each later one is the sweep's potential at the end of its point.
  std::vector<double> levels_V;
  double point_s = 0;            // how long each point lasts
  double aperture_s = 0;         // integration time of each reading (= point_s)
  double timing_s = 0;           // the model's timing value: the trigger period, or the delay before measuring
  // Seconds of the sweep's programme the segment runs (the hold point does not advance it).
  double programme_s() const { return levels_V.size() > 1 ? point_s * static_cast<double>(levels_V.size() - 1) : 0; }
};

// The segment after `done_s` seconds of the sweep: points no longer than the sample period, the largest
// step (`max_step_V`) at the scan rate and the model's longest aperture; no longer than `max_duration_s`
// (at least a hold and one step) nor the model's list length; empty once the sweep is over.
SweepSegment plan_segment(const ListSweep& list, const SweepParams& sweep, double done_s, double sample_period_s,
                          double max_step_V, double max_duration_s);

// The commands that load a segment: the model's before-segment commands, the levels (split over the
// append command as the model requires), the count, the timing and the aperture.
std::vector<std::string> segment_commands(const ListSweep& list, const SweepSegment& segment);
// The query that runs a loaded segment (the start command joined on one line when the model has one).
std::string segment_run_query(const ListSweep& list, const SweepSegment& segment);

}  // namespace cyclerd

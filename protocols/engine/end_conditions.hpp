// Whether a step's "until" clauses hold for the latest sample (OR-ed), and the dV/dt they may watch.
#pragma once

#include <optional>
#include <span>

#include "core/sample.hpp"
#include "core/setpoint.hpp"
#include "protocols/engine/engine_state.hpp"
#include "protocols/protocol.hpp"

namespace cyclerd {

// dV/dt is judged over this window: one-sample differences of a resting cell are mostly noise.
inline constexpr double kSlopeWindow_s = 300.0;

// What the clauses of one step (or one GITT relaxation) are measured against.
struct StepMeasures {
  double elapsed_s = 0;   // since the step (or the phase) started
  double charge_Ah = 0;   // signed
  double energy_Wh = 0;   // signed
  const Sample* sample = nullptr;
  bool slope_valid = false;
  double slope_V_s = 0;
  const Setpoint* setpoint = nullptr;  // the limits the driver was asked to land on, if any
};

// The first clause of `until` that holds, or nullptr.
const EndCondition* first_met(std::span<const EndCondition> until, const StepMeasures& m);

// Moves the step's dV/dt window on by one sample.
void update_slope(StepProgress& step, const Sample& sample);

// Sets the setpoint's stop limits from the voltage clauses, for a driver that lands on them exactly.
void put_stop_limits(std::span<const EndCondition> until, Setpoint& setpoint);

}  // namespace cyclerd

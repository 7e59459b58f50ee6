// The engine's whole state as a plain value: saved with a run's checkpoint and restored into a fresh
// engine, which then continues exactly as if it had never stopped (doubles round-trip exactly in JSON).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/engine/run_state.hpp"

namespace cyclerd {

// One level of the step tree: frames[0] walks the protocol's steps, frames[k] the body of the loop
// that frames[k-1] points at, with that loop's pass counter and what the current pass has done.
struct LoopFrame {
  int index = 0;             // step within this level
  int pass = 1;              // pass through the loop body (from 1); unused at the top level
  double charge_Ah = 0;      // charge passed with I > 0 during the pass
  double discharge_Ah = 0;   // |charge| passed with I < 0 during the pass
  bool seen_voltage = false; // whether v_low_V/v_high_V hold anything yet
  double v_low_V = 0, v_high_V = 0;

  bool operator==(const LoopFrame&) const = default;
};

// Progress of the step being executed.
struct StepProgress {
  std::int64_t step_index = 0;   // running step count of the run (BDF's Step Count), from 1
  double start_t_s = 0;
  double charge_Ah = 0;          // signed, I > 0 charges
  double energy_Wh = 0;          // signed like the charge
  std::int64_t samples = 0;
  int phase = 0;                 // CCCV: 0 constant current, 1 hold; pulse: 0 pulse, 1 relaxation
  double phase_start_t_s = 0;
  int pulses_done = 0;
  bool limit_hit = false;        // a pulse ended on the step's voltage limit: relax once more, then end
  double sweep_start_V = 0;
  bool awaiting_impedance = false;  // an EIS step waits for the runner's spectrum
  double slope_anchor_t_s = 0, slope_anchor_V = 0;  // dV/dt is taken over a window from this point
  bool slope_valid = false;
  double slope_V_s = 0;

  bool operator==(const StepProgress&) const = default;
};

// The cycle being counted (DESIGN.md: one first half plus one second half in the cell's order).
struct CycleProgress {
  int order = 0;            // -1 discharge first, +1 charge first, 0 not known yet
  int index = 1;            // from 1
  int half = 0;             // 0 nothing yet, 1 in the first half, 2 in the second half
  double start_t_s = 0;
  double first_half_current_A = 0;  // |setpoint| at the start of the first half
  double charge_Ah = 0, discharge_Ah = 0, charge_Wh = 0, discharge_Wh = 0;

  bool operator==(const CycleProgress&) const = default;
};

// A finished cycle's charges, kept for loop conditions such as "below 80 % of cycle 3".
struct CycleCharges {
  double charge_Ah = 0, discharge_Ah = 0;
  int cycle_index = 0;  // which cycle these are (only cycles that loop conditions refer to are kept)

  bool operator==(const CycleCharges&) const = default;
};

// The last recorded sample; the record conditions measure from it.
struct LastRecord {
  bool valid = false;
  double t_s = 0, voltage_V = 0, current_A = 0, throughput_Ah = 0;

  bool operator==(const LastRecord&) const = default;
};

struct EngineState {
  RunState run_state = RunState::queued;
  std::vector<LoopFrame> frames;
  StepProgress step;
  CycleProgress cycle;
  std::vector<CycleCharges> finished_cycles;
  LastRecord record;
  double run_start_t_s = 0;
  double last_t_s = 0;              // time of the last sample (or of the start)
  bool have_last_voltage = false;
  double last_voltage_V = 0, last_current_A = 0;
  double throughput_Ah = 0;         // sum of |charge| over the run, for dQ record conditions

  bool operator==(const EngineState&) const = default;
};


void to_json(nlohmann::json& j, const EngineState& s);
// Throws nlohmann::json::exception for a document that is not an engine state.
void from_json(const nlohmann::json& j, EngineState& s);

}  // namespace cyclerd

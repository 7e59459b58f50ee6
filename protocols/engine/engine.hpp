// The step engine: pure, no I/O, no clock. A sample goes in; a decision comes out (record it or not,
// the next setpoint, an impedance measurement, making the output safe, the events of the run).
// The whole state is an EngineState value: restore() into a fresh engine of the same protocol and it
// continues exactly as if it had never stopped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sample.hpp"
#include "core/setpoint.hpp"
#include "protocols/engine/cycle_counter.hpp"
#include "protocols/engine/engine_state.hpp"
#include "protocols/protocol.hpp"

namespace cyclerd {

// What the engine needs to know about the channel and the cell, besides the protocol.
struct EngineOptions {
  bool lands_on_limits = false;           // put voltage ends of current steps into the setpoint's stop limits
  std::optional<bool> discharge_first;    // the cell's declared order; otherwise the first current sets it
  double sample_period_s = 1.0;           // asked of the driver (shorter if a record interval is shorter)
};

// A step that has ended, with why.
struct StepEnd {
  std::int64_t step_index = 0;
  std::string_view step_id;   // the step's JSON pointer (points into the protocol)
  double start_t_s = 0, end_t_s = 0;
  double charge_Ah = 0, energy_Wh = 0;
  std::string reason;         // the clause that held, "done" for steps that finish on their own
};

// Something a person or a program should hear about.
struct RunEvent {
  std::string kind;     // "run_started", "step_started", "safety_trip", "run_completed", "run_failed", ...
  double t_s = 0;
  std::string message;
};

// What to do after a sample (or at the start, or after a spectrum).
struct Decision {
  bool record = false;                          // keep this sample
  std::int64_t step_index = 0;                  // where the sample belongs
  std::string_view step_id;
  int cycle_index = 0;
  std::optional<Setpoint> setpoint;             // apply before the next sample
  std::optional<EisParams> measure_impedance;   // measure a spectrum, then call on_impedance_measured
  bool make_safe = false;                       // output off: the run is over or failed
  std::vector<StepEnd> step_ends;
  std::vector<CycleEnd> cycle_ends;
  std::vector<RunEvent> events;
};

class Engine {
 public:
  // `protocol` must be resolved (currents in amperes); the engine keeps a reference to nothing else.
  Engine(Protocol protocol, EngineOptions options);

  // Starts the run at channel time `t_s`: the first step's setpoint (or spectrum).
  Decision start(double t_s);
  // One sample of the channel; throws Error(invalid_state) unless the run is running.
  Decision on_sample(const Sample& sample);
  // The spectrum an EIS step asked for has been measured; the engine moves on.
  Decision on_impedance_measured();
  // A person pauses (output safe) or resumes (the present step's setpoint again).
  Decision pause();
  Decision resume();
  // A person stops the run, or the instrument failed: output safe, with the reason as an event.
  Decision stop(std::string who);
  // A person ends the present step now (runs.skip_step); the run goes on with the next step.
  Decision skip_step(std::string who);
  Decision fail(std::string reason);

  const EngineState& state() const { return state_; }
  // Continues from a state that state() returned for the same protocol and options.
  void restore(const EngineState& state);
  const Protocol& protocol() const { return protocol_; }
  // The setpoint of the step (and phase) being executed.
  Setpoint current_setpoint() const;

 private:
  const Step& current_step() const { return *current_; }
  void locate_current();  // caches the step the frames point at: every sample needs it several times
  void settle(Decision& d, double t_s);   // from the frames' position to the next runnable step, or the end
  void begin_step(Decision& d, double t_s);
  void end_step(Decision& d, double t_s, std::string reason);
  bool pass_ends_loop(const Loop& loop, const LoopFrame& frame) const;
  void finish_run(Decision& d, double t_s, RunState how, std::string kind, std::string message);
  std::optional<std::string> safety_trip(const Sample& s) const;
  int direction(double t_mid_s) const;
  double setpoint_current_A() const;
  void check_progress(Decision& d, const Sample& s);
  Decision positioned() const;

  // Drops finished cycles that no loop condition refers to, so the state (and every checkpoint) stays the
  // same size however many cycles a run has.
  void forget_unreferenced_cycles();

  Protocol protocol_;
  std::vector<int> referenced_cycles_;  // cycles named by "... of cycle N" loop conditions
  EngineOptions options_;
  EngineState state_;
  const Step* current_ = nullptr;  // derived from state_.frames, never saved
};

}  // namespace cyclerd

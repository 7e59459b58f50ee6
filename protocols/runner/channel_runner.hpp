// The channel runner: one driver channel + the engine + the fan-out of records and events to consumers,
// on the driver's Asio executor. A library below the daemon: `cyclerctl simulate` runs it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "drivers/driver.hpp"
#include "protocols/engine/engine.hpp"

namespace cyclerd {

// One recorded sample with its place in the run (DESIGN.md's sample columns).
struct RunRecord {
  std::int64_t index = 0;        // 0, 1, 2, ... per run, never a gap or a repeat
  Sample sample;
  std::int64_t step_index = 0;   // running step count
  std::string_view step_id;      // the step's JSON pointer
  int cycle_index = 0;
};

// A subscriber to a run's stream. Storage and analysis each implement it; they never call each other.
class RunConsumer {
 public:
  virtual ~RunConsumer() = default;
  virtual void on_record(const RunRecord&) {}
  virtual void on_step_end(const StepEnd&) {}
  virtual void on_cycle_end(const CycleEnd&) {}
  virtual void on_event(const RunEvent&) {}
  // The spectrum an EIS step measured.
  virtual void on_spectrum(std::int64_t /*step_index*/, const std::vector<ImpedancePoint>&) {}
  // Once, when the run is over or interrupted.
  virtual void on_run_end(RunState) {}
};

// What restores a run into a fresh runner and driver: the engine state, the channel's snapshot and the
// runner's own counters, all taken at the same moment between two samples.
struct RunCheckpoint {
  EngineState engine;
  nlohmann::json driver;            // Driver::snapshot(channel); null when the driver has none
  std::int64_t next_record_index = 0;
  std::int64_t samples = 0;
};
void to_json(nlohmann::json& j, const RunCheckpoint& c);
void from_json(const nlohmann::json& j, RunCheckpoint& c);

class ChannelRunner {
 public:
  using Done = std::function<void(RunState)>;

  // `protocol` must be resolved for the run's cell; the driver must be open and outlive the runner.
  ChannelRunner(Driver& driver, std::size_t channel, Protocol protocol, EngineOptions options);

  // Consumers are called in subscription order, on the driver's executor; they must outlive the run.
  void subscribe(RunConsumer& consumer);
  // Starts a fresh run at channel time `t0_s`; `done` gets the final (or interrupted) state.
  void async_run(Done done, double t0_s = 0);
  // Continues a checkpointed run; the driver channel must already be restored from `checkpoint.driver`.
  void async_resume(const RunCheckpoint& checkpoint, Done done);
  // The checkpoint at the next moment between two samples (storage asks for one with each batch).
  void request_checkpoint(std::function<void(RunCheckpoint)> handler);
  // Where the run is when the gate is asked: between two samples, or stopping (its output safe, about to
  // end or pause, when its last rows go to storage).
  enum class GatePoint { between_samples, stopping };
  // A gate asked between every two samples, before checkpoint requests and controls, and once more when the
  // run stops: it returns true to go on, or false and later calls `go_on` (on the driver's executor) to go
  // on then. The run is not paused meanwhile, only not taking samples (or not yet reporting its end): how
  // storage slows a simulation to what the database takes.
  using SampleGate = std::function<bool(GatePoint point, std::function<void()> go_on)>;
  void set_sample_gate(SampleGate gate) { gate_ = std::move(gate); }
  // Stops between two samples once `samples` samples in all have been taken, without making the output
  // safe: what a daemon crash leaves behind. The run then reports `interrupted`.
  void interrupt_after(std::int64_t samples) { interrupt_at_ = samples; }

  // A person's controls, taken between two samples. Pause makes the output safe and leaves the runner
  // idle (`on_paused` is called, the run is not over); resume applies the step's setpoint again; stop ends
  // the run (as paused or running) through `done`. Throws Error(invalid_state) where the table forbids it.
  void request_pause();
  void request_stop(std::string who);
  // Ends the present step between two samples (a running run only; throws invalid_state otherwise).
  void request_skip(std::string who);
  void resume();
  // Called, on the driver's executor, once a pause has made the output safe.
  void on_paused(std::function<void()> handler) { on_paused_ = std::move(handler); }
  bool paused() const { return paused_; }

  // The checkpoint now; exact only between two samples (after `done`, or inside a checkpoint request).
  RunCheckpoint checkpoint() const;
  const Engine& engine() const { return engine_; }
  std::int64_t samples() const { return samples_; }

 private:
  void handle(Decision d);
  void next_sample();
  void on_sample(std::optional<Error> error, const Sample& sample);
  void fail(const std::string& why);
  // The output is safe: the run ends, or pauses, once the gate lets it.
  void made_safe();
  void finish();

  Driver& driver_;
  std::size_t channel_;
  Engine engine_;
  std::vector<RunConsumer*> consumers_;
  std::vector<std::function<void(RunCheckpoint)>> checkpoint_requests_;
  SampleGate gate_;
  Done done_;
  std::int64_t next_record_index_ = 0;
  std::int64_t samples_ = 0;
  std::optional<std::int64_t> interrupt_at_;
  enum class Control { none, pause, stop, skip };
  Control pending_ = Control::none;
  std::string pending_who_;
  bool paused_ = false;
  std::function<void()> on_paused_;
};

}  // namespace cyclerd

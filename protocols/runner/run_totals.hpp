// A run's totals: what `cyclerctl simulate` prints under "totals" and protocols.estimate will report.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "protocols/runner/channel_runner.hpp"

namespace cyclerd {

class RunTotals : public RunConsumer {
 public:
  void on_record(const RunRecord& r) override;
  void on_step_end(const StepEnd& s) override;
  void on_cycle_end(const CycleEnd&) override { ++cycles_; }
  void on_event(const RunEvent& e) override;
  void on_run_end(RunState state) override { state_ = state; }

  std::int64_t records() const { return records_; }
  std::int64_t steps() const { return steps_; }
  int cycles() const { return cycles_; }
  RunState state() const { return state_; }
  double duration_s() const { return last_t_s_ - first_t_s_; }
  // state, steps, cycles, records, duration_s, charge/discharge Ah, limit hits and the last failure.
  nlohmann::json to_json() const;

 private:
  std::int64_t records_ = 0, steps_ = 0, limit_hits_ = 0;
  int cycles_ = 0;
  bool started_ = false;
  double first_t_s_ = 0, last_t_s_ = 0, charge_Ah_ = 0, discharge_Ah_ = 0;
  RunState state_ = RunState::queued;
  std::string failure_;
};

}  // namespace cyclerd

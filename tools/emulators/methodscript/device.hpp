// The emulated instrument: answers commands, runs scripts on a simulated cell, streams packages.
//
// One thread reads commands (serve()); a script runs on its own thread so that `Z` is heard while it
// streams. Simulated time advances with each measurement point; at a finite speed factor the output is
// paced to simulated seconds / speed of wall time, at "max" it goes as fast as the host reads.
// Behaviour at the cable: a cut does not stop the instrument (a running script runs on, its output is
// lost); `Z` aborts a script, the loop ends with `*`, on_finished runs, the empty line follows; a
// runtime error ends the script without on_finished, so the cell stays on as the real device leaves it.
// `breakloop` (in an `if` of a loop's body) leaves the loop as the device does: the loop ends with `*`
// and the script goes on after `endloop`.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "drivers/methodscript/models.hpp"
#include "drivers/sim/model/cell_model.hpp"
#include "tools/emulators/methodscript/faults.hpp"
#include "tools/emulators/common/link.hpp"
#include "tools/emulators/methodscript/script_program.hpp"
#include "tools/emulators/methodscript/state_file.hpp"

namespace cyclerd::emulator {

class Device {
 public:
  // `speed`: simulated seconds per wall second; nullopt: as fast as possible. `state_file`: where tests
  // read what the instrument does (state_file.hpp); empty: nowhere.
  Device(const methodscript::ModelRow& model, std::unique_ptr<sim::CellModel> cell, std::optional<double> speed,
         FaultPlan faults, Link& link, std::string state_file = {});
  ~Device();

  // Serves the link until the process is stopped.
  void serve();

 private:
  struct Value {
    std::string type = "aa";
    double value = 0;
  };
  struct Aborted {};    // thrown inside a loop when `Z` arrives
  struct BreakLoop {};  // thrown by `breakloop`, caught by the innermost measurement loop
  struct RuntimeError {
    unsigned code;
    int line;
  };

  void command(const std::string& line);
  void start_script();
  void run(Program program);
  void exec(const std::vector<Statement>& statements);
  void exec_one(const Statement& st);
  void measure(const Statement& loop);
  void points(const Statement& loop, double interval_s, std::size_t count);
  void body(const Statement& loop);
  double value(const std::string& arg) const;
  void apply(const Setpoint& sp);
  void pace();
  void loop_ended(const Statement& loop, const char* why);
  void publish();

  // Output through the cable, with the fault plan applied (packages and command replies).
  void emit(const std::string& line, FaultTarget target);
  void emit_raw(const std::string& line);

  const methodscript::ModelRow& model_;
  std::unique_ptr<sim::CellModel> cell_;
  std::optional<double> speed_;
  FaultPlan faults_;
  std::mutex faults_mutex_;
  Link& link_;
  std::mt19937 garbage_rng_{7};

  // Script state (the script thread's while it runs).
  std::vector<std::string> incoming_;     // lines of a script being received
  bool receiving_ = false;
  std::thread worker_;
  std::atomic<bool> running_{false};
  std::atomic<bool> abort_{false};
  std::map<std::string, Value> vars_;
  std::vector<std::pair<std::string, Value>> package_;
  bool in_package_ = false;
  bool cell_on_ = false;
  Setpoint cell_setpoint_;                // what cell_on applies (set_e / set_i)
  double timer_start_s_ = 0;
  std::chrono::steady_clock::time_point pace_wall_{};
  double pace_sim_s_ = 0;

  StateFile state_file_;
  DeviceState state_;                     // what state_file_ says (the script thread's while it runs)
};

}  // namespace cyclerd::emulator

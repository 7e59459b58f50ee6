// The `methodscript` driver: a PalmSens EmStat4 / EmStat Pico run by MethodSCRIPT over serial or TCP.
//
// URI: serial:///dev/ttyACM0?baud=230400 or tcp://host:port (the transport keys of
// drivers/transport/endpoint.hpp apply). Options: model (emstat4-hr, emstat4-lr, emstat-pico; checked
// against the instrument's answer to `t`), speed (an emulator's time factor: "realtime", "max" or
// simulated seconds per wall second; it scales how long to wait for the next sample), retries (how many
// consecutive link failures are survived by reconnecting, default 3), bad_lines (how many unreadable
// lines in a row are skipped, default 5), v_min, v_max, i_max (the limits the scripts test, in V and A;
// default: the channel's safety limits, else the model's window and no current test).
//
// Each setpoint runs as one script (drivers/methodscript/script.hpp) that streams a package per sample
// period; a new setpoint aborts the running script with `Z` first. Samples carry the channel's time: the
// time when the script started plus the script's timer. A timeout or a lost link is survived by
// reconnecting, synchronising (`Z`, then reading to the end of whatever still runs) and starting the
// present setpoint again; past `retries` the sample read fails with an error that names the cause, and
// the channel runner then makes the channel safe. A device error (`!XXXX`) fails the operation with
// the manual's meaning and the script line it points to. safe() aborts and runs a `cell_off` script,
// because a script that stopped on a runtime error leaves the cell on. Every script tests its readings
// against the limits and leaves its loop past one (drivers/methodscript/limits.hpp), so the cell is
// switched off even when the host is gone; with the host there, the sample past the limit is delivered
// and, unless the engine moves on from it, the next read fails with an instrument_fault naming it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "drivers/completions.hpp"
#include "drivers/driver.hpp"
#include "drivers/methodscript/device_reply.hpp"
#include "drivers/methodscript/models.hpp"
#include "drivers/methodscript/script.hpp"
#include "drivers/transport/transport.hpp"

namespace cyclerd {

// The registry's factory for "methodscript".
std::unique_ptr<Driver> make_methodscript_driver(boost::asio::any_io_executor executor, const DriverConfig& config);

class MethodscriptDriver final : public Driver {
 public:
  // Throws Error(invalid_input) naming a bad or unknown key; connects to nothing yet.
  MethodscriptDriver(boost::asio::any_io_executor executor, const DriverConfig& config);

  std::string_view kind() const override { return "methodscript"; }
  std::size_t channel_count() const override { return 1; }
  Capabilities capabilities(std::size_t channel) const override;

  // Connects, stops whatever script still runs, and checks the instrument's firmware against the model.
  void async_open(DoneHandler done) override;
  void async_apply(std::size_t channel, const Setpoint& setpoint, DoneHandler done) override;
  void async_next_sample(std::size_t channel, SampleHandler handler) override;
  void async_measure_impedance(std::size_t channel, const EisParams& params, SpectrumHandler handler) override;
  void async_safe(std::size_t channel, DoneHandler done) override;

  // The firmware line the instrument answered to `t` (after open).
  const std::string& firmware() const { return firmware_; }
  // Reconnections so far (for tests and diagnostics).
  int reconnects() const { return reconnects_; }

 private:
  using Step = std::function<void(std::optional<Error>)>;

  std::optional<Error> check(std::size_t channel) const;
  // Aborts whatever runs and reads to its end; `expected`: a script of ours is known to run (no warning).
  void sync(Step done, bool expected = false);
  void identify(Step done);
  void stop_script(Step done);
  void start_script(const methodscript::Script& script, Step done);
  void run_setpoint(Step done);
  void read_sample(SampleHandler handler);
  void on_line(const std::string& line, SampleHandler handler);
  void skip_bad_line(const std::string& why, SampleHandler handler);
  void recover(const Error& cause, Step done);
  void read_spectrum(std::vector<ImpedancePoint> points, SpectrumHandler handler);
  void cell_off(Step done);
  Error script_error(const methodscript::DeviceError& e) const;
  std::chrono::milliseconds sample_wait() const;

  const methodscript::ModelRow* model_ = nullptr;
  std::string where_;
  std::optional<double> speed_;   // nullopt: "max"
  int retries_ = 3;
  int bad_lines_limit_ = 5;
  std::unique_ptr<Transport> transport_;
  Completions completions_;
  std::shared_ptr<spdlog::logger> log_;

  bool open_ = false;
  std::string firmware_;
  bool script_running_ = false;           // a setpoint script streams
  std::optional<Setpoint> setpoint_;      // the setpoint to keep running
  methodscript::Script script_;           // the last script sent (to quote its lines in errors)
  methodscript::ScriptLimits limits_;     // what the scripts test
  std::optional<std::string> limit_passed_;  // the running script's last reading passed this limit
  double base_t_s_ = 0;                   // channel time at which the running script's timer started
  double last_t_s_ = 0;                   // channel time of the last sample delivered
  bool fresh_ = false;                    // the next sample is the first of a setpoint
  int failures_ = 0;                      // consecutive link failures
  int bad_lines_ = 0;                     // consecutive unreadable lines
  int reconnects_ = 0;
};

}  // namespace cyclerd

// The `scpi-smu` driver: one channel of a SCPI source-measure unit (Keithley 2400, 2450, Keysight B2901A).
//
// URI: the transport's (serial:///dev/ttyUSB0?baud=57600 or tcp://host:5025, see drivers/transport),
// plus these keys in the query or the options: model (required: a row of smu_models.hpp), v_min, v_max,
// i_max (V and A: the instrument's compliance, set before every output-on; default the channel's safety
// limits, DriverConfig::limits, then the model's range), speed (instrument seconds per wall second, for an emulator;
// default 1), retries (attempts per reading before giving up, default 3), error_poll (read the error
// queue every N readings, default 10), sweep_step_mV (largest staircase step of a sweep, default 1),
// sweep_segment_s (wall seconds one list segment of a sweep may last, default 2: the longest the host
// waits for the instrument, and the longest an abort waits behind a running list).
//
// Modes: current (voltage compliance), voltage (current compliance), sweep (a voltage staircase the
// instrument paces itself from its list sweep, see sweep_segment.hpp; the host fetches each segment's
// readings with their instrument timestamps), rest (a zero-current source: the SMU's voltmeter, which reads the open-circuit voltage and
// draws only the source's offset current). safe() switches the output off in the model's high-impedance
// off state (output relay open), set at open. Used from one thread or strand, like every driver.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/completions.hpp"
#include "drivers/driver.hpp"
#include "drivers/scpi-smu/reading.hpp"
#include "drivers/scpi-smu/smu_models.hpp"
#include "drivers/transport/transport.hpp"

namespace cyclerd {

// The registry's factory for "scpi-smu".
std::unique_ptr<Driver> make_scpi_smu_driver(boost::asio::any_io_executor executor, const DriverConfig& config);

class ScpiSmuDriver final : public Driver {
 public:
  // Throws Error(invalid_input) naming a bad or unknown key or model.
  ScpiSmuDriver(boost::asio::any_io_executor executor, const DriverConfig& config);

  std::string_view kind() const override { return "scpi-smu"; }
  std::size_t channel_count() const override { return 1; }
  Capabilities capabilities(std::size_t channel) const override;

  // Connects, checks *IDN? against the model, clears the error queue, sets the high-impedance off state
  // and the reading format, and switches the output off.
  void async_open(DoneHandler done) override;
  void async_apply(std::size_t channel, const Setpoint& setpoint, DoneHandler done) override;
  void async_next_sample(std::size_t channel, SampleHandler handler) override;
  // Refused: SMUs of this table do not measure impedance.
  void async_measure_impedance(std::size_t channel, const EisParams& params, SpectrumHandler handler) override;
  void async_safe(std::size_t channel, DoneHandler done) override;

  const SmuModel& model() const { return *model_; }
  // The transport's counters (timeouts, reconnects...), for diagnostics and tests.
  Transport::Stats link_stats() const { return link_->stats(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Command {
    std::string text;
    bool query = false;
  };
  using RepliesHandler = std::function<void(std::optional<Error>, std::vector<std::string>)>;

  // Sends the commands in order (queries collect one line each), then drains the error queue; an
  // instrument error fails the whole with the command list named.
  void run(std::vector<Command> commands, RepliesHandler done);
  // Reads the error queue until it says 0; an unreadable answer is resynchronised (*OPC?) and asked once more.
  void drain_errors(std::string after, std::vector<std::string> replies, RepliesHandler done, int left, bool resynced);
  std::vector<Command> apply_commands(const Setpoint& sp) const;
  // Where a sweep's output goes on: the cell's last measured voltage (within the limits), else the start.
  double sweep_output_on_V(const Setpoint& sp) const;
  void read_with_retries(int attempt, std::optional<Error> last, SampleHandler handler);
  // After a failed exchange: reconnects a lost link or flushes late replies (*OPC?); `then` gets the error
  // that ends all hope (a reconnection that gave up) or nullopt to try again.
  void recover(const Error& e, std::function<void(std::optional<Error>)> then);
  // Output off at once (best effort) and the handler told why no reading came.
  void give_up(std::optional<Error> last, SampleHandler handler);
  void finish_reading(const SmuReading& reading, SampleHandler handler);
  // sweep_run.cpp: the next sample of an instrument-paced sweep (buffered, else the next segment run).
  void next_swept_sample(SampleHandler handler);
  void run_segment(int attempt, std::optional<Error> last, SampleHandler handler);
  // The commands that take the instrument out of list mode (nothing when it is not in it).
  std::vector<Command> leave_list_commands() const;
  double channel_time_now() const;
  std::optional<Error> check(std::size_t channel) const;

  const SmuModel* model_ = nullptr;
  std::string id_;
  double v_min_V_ = 0, v_max_V_ = 0, i_max_A_ = 0;
  double speed_ = 1;
  int retries_ = 3;
  int error_poll_ = 10;
  double sweep_step_V_ = 1e-3;
  double sweep_segment_s_ = 2.0;
  std::chrono::milliseconds timeout_{2000};
  int serial_baud_ = 0;  // a serial link's baud rate (0: TCP), for the time a segment's readings take to arrive
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<Transport> link_;
  Completions completions_;

  bool open_ = false;
  bool output_on_ = false;
  Setpoint setpoint_;
  double setpoint_start_t_s_ = 0;
  bool fresh_setpoint_ = false;
  int readings_ = 0;
  bool instrument_error_seen_ = false;  // the last drain_errors found an error of the instrument itself
  std::optional<double> last_voltage_V_;  // the last reading's voltage: where a sweep's output goes on
  // The sweep in progress: seconds of its programme the instrument has run, and readings not yet handed out.
  bool list_mode_ = false;
  double sweep_done_s_ = 0;
  std::optional<double> output_level_V_;  // the level a sweep's output is at: the next segment's hold point
  std::deque<SmuReading> swept_;
  // The channel's clock: instrument timestamps when the model has them, else the host clock times speed.
  Clock::time_point opened_wall_{};
  Clock::time_point next_due_{};
  Clock::time_point last_reading_wall_{};
  std::optional<double> stamp_origin_s_;  // the instrument time that maps to t_base_s_
  double t_base_s_ = 0;
  double last_t_s_ = 0;
  double last_stamp_s_ = -1;
};

}  // namespace cyclerd

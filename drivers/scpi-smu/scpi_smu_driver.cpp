#include "drivers/scpi-smu/scpi_smu_driver.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "drivers/scpi-smu/sweep_segment.hpp"
#include "drivers/transport/line_framer.hpp"
#include "drivers/uri.hpp"

namespace cyclerd {

namespace {

constexpr int max_error_entries = 20;  // an error queue that never says "0" is itself a fault

bool finite_number(double) { return true; }
bool positive(double x) { return x > 0; }

}  // namespace

std::unique_ptr<Driver> make_scpi_smu_driver(boost::asio::any_io_executor executor, const DriverConfig& config) {
  return std::make_unique<ScpiSmuDriver>(std::move(executor), config);
}

ScpiSmuDriver::ScpiSmuDriver(boost::asio::any_io_executor executor, const DriverConfig& config)
    : id_(config.id), completions_(executor) {
  std::string scheme = transport_scheme(config.uri);
  DriverSettings settings(config, scheme);
  auto model_name = settings.text("model");
  if (!model_name) throw settings.bad("model", "", "one of the models in drivers/scpi-smu (e.g. keithley-2450)");
  model_ = &smu_model(*model_name, settings.where());
  // The compliance: a key of the URI or options, else the channel's safety limits, else the model's range.
  v_min_V_ = settings.number("v_min", finite_number).value_or(config.limits.v_min_V.value_or(-model_->v_range_V));
  v_max_V_ = settings.number("v_max", finite_number).value_or(config.limits.v_max_V.value_or(model_->v_range_V));
  i_max_A_ = settings.number("i_max", positive, "a current > 0 in A")
                 .value_or(config.limits.i_max_A.value_or(model_->i_range_A));
  if (v_min_V_ >= v_max_V_) throw settings.bad("v_min", std::to_string(v_min_V_), "below v_max");
  if (std::max(std::abs(v_min_V_), std::abs(v_max_V_)) > model_->v_range_V || i_max_A_ > model_->i_range_A) {
    throw settings.bad("v_min/v_max/i_max", std::to_string(v_max_V_) + " V, " + std::to_string(i_max_A_) + " A",
                       "within the model's range (" + std::to_string(model_->v_range_V) + " V, " +
                           std::to_string(model_->i_range_A) + " A)");
  }
  speed_ = settings.number("speed", positive, "instrument seconds per wall second > 0").value_or(1.0);
  retries_ = static_cast<int>(settings.unsigned_integer("retries").value_or(3));
  if (retries_ < 1 || retries_ > 100) throw settings.bad("retries", std::to_string(retries_), "1..100");
  error_poll_ = static_cast<int>(settings.unsigned_integer("error_poll").value_or(10));
  sweep_step_V_ = settings.number("sweep_step_mV", positive, "millivolts > 0").value_or(1.0) / 1000;
  sweep_segment_s_ = settings.number("sweep_segment_s", positive, "wall seconds > 0").value_or(2.0);
  TransportOptions defaults;
  defaults.write_terminator = "\n";
  defaults.read_terminator = "\n";
  // A list sweep's fetch is one line of every reading (up to 16 characters a field).
  defaults.max_line_bytes = std::max<std::size_t>(
      defaults.max_line_bytes,
      static_cast<std::size_t>(model_->list.max_points) * static_cast<std::size_t>(model_->voltage_source_layout.fields) * 16);
  TransportConfig tc = transport_config(settings, scheme, defaults);
  timeout_ = tc.options.timeout;
  if (tc.endpoint.kind == Endpoint::Kind::serial) serial_baud_ = tc.endpoint.baud;
  settings.finish();
  logger_ = driver_logger("drv.scpi-smu");
  link_ = std::make_unique<Transport>(executor, std::move(tc), logger_, id_);
}

Capabilities ScpiSmuDriver::capabilities(std::size_t channel) const {
  if (channel != 0) throw Error(ErrorCode::out_of_range, "no channel " + std::to_string(channel), "scpi-smu");
  Capabilities caps;
  caps.modes = {Mode::rest, Mode::current, Mode::voltage, Mode::sweep};
  caps.v_min_V = v_min_V_;
  caps.v_max_V = v_max_V_;
  caps.i_max_A = i_max_A_;
  // Not scaled by speed: a reading that comes late carries its own (instrument) time.
  caps.min_sample_period_s = model_->min_sample_period_s;
  return caps;
}

std::optional<Error> ScpiSmuDriver::check(std::size_t channel) const {
  if (channel != 0) return Error(ErrorCode::out_of_range, "no channel " + std::to_string(channel) + " (an SMU has one)", id_);
  if (!open_) return Error(ErrorCode::invalid_state, "the instrument is not open (call open first)", id_);
  return std::nullopt;
}

// ---- command scripts and the error queue ---------------------------------------------------------

void ScpiSmuDriver::run(std::vector<Command> commands, RepliesHandler done) {
  auto replies = std::make_shared<std::vector<std::string>>();
  auto failed = std::make_shared<bool>(false);
  std::string names;
  for (const auto& c : commands) names += (names.empty() ? "" : "; ") + c.text;
  // Queued on the transport in order; the first failure is reported once, the rest are ignored.
  for (std::size_t k = 0; k < commands.size(); ++k) {
    bool last = k + 1 == commands.size();
    const Command& c = commands[k];
    link_->async_exchange(c.text, c.query ? Reply::line() : Reply::none(),
                          [this, replies, failed, last, names, done](std::optional<Error> e, std::vector<std::string> lines) {
                            if (*failed) return;
                            if (e) {
                              *failed = true;
                              return done(std::move(e), {});
                            }
                            for (auto& l : lines) replies->push_back(std::move(l));
                            if (last) drain_errors(names, std::move(*replies), done, max_error_entries, false);
                          });
  }
  if (commands.empty()) drain_errors("", {}, std::move(done), max_error_entries, false);
}

void ScpiSmuDriver::drain_errors(std::string after, std::vector<std::string> replies, RepliesHandler done, int left,
                                 bool resynced) {
  link_->async_exchange(std::string(model_->error_query), Reply::line(),
                        [this, after, replies, done, left, resynced](std::optional<Error> e,
                                                                    std::vector<std::string> lines) mutable {
                          InstrumentError entry;
                          if (!e) {
                            try {
                              entry = parse_error_entry(lines.at(0));
                            } catch (const Error& bad) {
                              e = bad;
                            }
                          }
                          if (e) {
                            // A lost or garbled answer is not an instrument error: resynchronise once and ask again.
                            if (resynced || e->code() == ErrorCode::disconnected) return done(std::move(e), {});
                            logger_->warn("{}: error queue unreadable ({}); resynchronising", id_, e->message());
                            link_->async_exchange("*OPC?", Reply::until_line([](std::string_view l) { return l == "1"; }),
                                                  [this, after, replies, done, left](std::optional<Error>, std::vector<std::string>) mutable {
                                                    drain_errors(after, std::move(replies), done, left, true);
                                                  });
                            return;
                          }
                          if (entry.code == 0) return done(std::nullopt, std::move(replies));
                          instrument_error_seen_ = true;
                          logger_->error("{}: instrument error {} \"{}\" after \"{}\"", id_, entry.code, entry.message, after);
                          // The rest of the queue is read too, so the next command starts clean.
                          if (left <= 1) {
                            return done(Error(ErrorCode::instrument_fault, "the error queue does not empty", id_), {});
                          }
                          drain_errors(after, {}, [done, entry, after, this](std::optional<Error>, std::vector<std::string>) {
                            done(Error(ErrorCode::instrument_fault,
                                       "instrument error " + std::to_string(entry.code) + " \"" + entry.message +
                                           "\" after \"" + printable(after, 200) + "\"",
                                       id_),
                                 {});
                          }, left - 1, resynced);
                        });
}

// ---- open, apply, safe -----------------------------------------------------------------------------

void ScpiSmuDriver::async_open(DoneHandler done) {
  link_->async_connect([this, done](std::optional<Error> e) {
    if (e) return done(std::move(e));
    link_->async_exchange("*IDN?", Reply::line(), [this, done](std::optional<Error> e2, std::vector<std::string> lines) {
      if (e2) return done(std::move(e2));
      const std::string& idn = lines.at(0);
      if (idn.find(model_->idn_match) == std::string::npos) {
        return done(Error(ErrorCode::instrument_fault,
                          "the instrument identifies as \"" + printable(idn, 120) + "\", not as a " +
                              std::string(model_->name) + " (expected \"" + std::string(model_->idn_match) + "\")",
                          link_->endpoint().describe()));
      }
      std::vector<Command> setup{{"*CLS"}, {std::string(model_->output_off)}};
      for (auto line : model_->setup) setup.push_back({std::string(line)});
      run(std::move(setup), [this, done](std::optional<Error> e3, std::vector<std::string>) {
        if (e3) return done(std::move(e3));
        open_ = true;
        output_on_ = false;
        opened_wall_ = Clock::now();
        next_due_ = opened_wall_;
        logger_->info("{}: {} open, output off in its high-impedance state", id_, model_->name);
        done(std::nullopt);
      });
    });
  });
}

std::vector<ScpiSmuDriver::Command> ScpiSmuDriver::apply_commands(const Setpoint& sp) const {
  const SmuModel& m = *model_;
  bool source_current = sp.mode == Mode::current || sp.mode == Mode::rest;
  double v_compliance = std::max(std::abs(v_min_V_), std::abs(v_max_V_));
  std::vector<Command> cmds = leave_list_commands();
  // Switching the source function of a live output would glitch the cell: off first (HIGH-Z).
  bool same_function = output_on_ && ((setpoint_.mode == Mode::current || setpoint_.mode == Mode::rest) == source_current);
  if (output_on_ && !same_function) cmds.push_back({std::string(m.output_off)});
  if (!same_function) {
    cmds.push_back({std::string(source_current ? m.source_current : m.source_voltage)});
    auto measure = source_current ? m.measure_for_current_source : m.measure_for_voltage_source;
    if (!measure.empty()) cmds.push_back({std::string(measure)});
  }
  // The compliance comes before the level and before output-on, every time: whatever happens to the
  // host afterwards, the instrument itself keeps the cell within the channel's limits.
  if (source_current) {
    cmds.push_back({scpi_command(m.voltage_compliance, v_compliance)});
    cmds.push_back({scpi_command(m.current_level, sp.mode == Mode::rest ? 0.0 : sp.value)});
  } else {
    cmds.push_back({scpi_command(m.current_compliance, i_max_A_)});
    // A sweep's output goes on where the cell already is; the step to the start potential is the first
    // point of the instrument's list, whose reading then holds the step's charge.
    cmds.push_back({scpi_command(m.voltage_level, sp.mode == Mode::sweep ? sweep_output_on_V(sp) : sp.value)});
  }
  if (!same_function) cmds.push_back({std::string(m.output_on)});
  return cmds;
}

double ScpiSmuDriver::sweep_output_on_V(const Setpoint& sp) const {
  return last_voltage_V_ && *last_voltage_V_ >= v_min_V_ && *last_voltage_V_ <= v_max_V_ ? *last_voltage_V_
                                                                                      : sp.sweep.start_V;
}

void ScpiSmuDriver::async_apply(std::size_t channel, const Setpoint& setpoint, DoneHandler done) {
  std::optional<Error> error = check(channel);
  if (!error) error = check_setpoint(capabilities(0), setpoint);
  if (error) {
    completions_.post([done = std::move(done), e = *error] { done(e); });
    return;
  }
  std::optional<double> level;
  if (setpoint.mode == Mode::sweep) level = sweep_output_on_V(setpoint);
  run(apply_commands(setpoint), [this, setpoint, level, done](std::optional<Error> e, std::vector<std::string>) {
    if (e) {
      output_on_ = false;  // unknown: safe() will switch it off for sure
      return done(std::move(e));
    }
    output_on_ = true;
    list_mode_ = false;
    swept_.clear();
    sweep_done_s_ = 0;
    output_level_V_ = level;
    setpoint_ = setpoint;
    setpoint_start_t_s_ = channel_time_now();
    fresh_setpoint_ = true;
    next_due_ = Clock::now();
    done(std::nullopt);
  });
}

void ScpiSmuDriver::async_safe(std::size_t channel, DoneHandler done) {
  if (channel != 0) {
    completions_.post([done = std::move(done), e = *check(channel)] { done(e); });
    return;
  }
  auto off = [this, done]() {
    run({{std::string(model_->output_off)}}, [this, done](std::optional<Error> e, std::vector<std::string>) {
      if (!e) {
        output_on_ = false;
        setpoint_ = Setpoint{};
      }
      done(std::move(e));
    });
  };
  if (link_->is_open() || !open_) {
    if (!link_->is_open()) {  // never opened: nothing is on
      completions_.post([done] { done(std::nullopt); });
      return;
    }
    off();
    return;
  }
  // The link is down: bring it back (with backoff) only to switch the output off.
  link_->async_reconnect([off, done](std::optional<Error> e) {
    if (e) return done(std::move(e));
    off();
  });
}

void ScpiSmuDriver::async_measure_impedance(std::size_t, const EisParams&, SpectrumHandler handler) {
  completions_.post([handler = std::move(handler), this] {
    handler(Error(ErrorCode::invalid_state, std::string(model_->name) + " does not measure impedance", id_), {});
  });
}

// ---- readings --------------------------------------------------------------------------------------

double ScpiSmuDriver::channel_time_now() const {
  // Anchored at the last reading (instrument time when the model stamps its readings), so a staircase
  // follows the instrument's clock even when the host falls behind it.
  auto anchor = last_reading_wall_ == Clock::time_point{} ? opened_wall_ : last_reading_wall_;
  return last_t_s_ + std::chrono::duration<double>(Clock::now() - anchor).count() * speed_;
}

void ScpiSmuDriver::async_next_sample(std::size_t channel, SampleHandler handler) {
  if (auto error = check(channel)) {
    completions_.post([handler = std::move(handler), e = *error] { handler(e, Sample{}); });
    return;
  }
  if (setpoint_.mode == Mode::sweep && output_on_ &&
      (!swept_.empty() || sweep_done_s_ < sweep_length_s(setpoint_.sweep) * (1 - 1e-12))) {
    return next_swept_sample(std::move(handler));
  }
  auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(setpoint_.sample_period_s / speed_));
  // A consumer that fell behind does not get a burst of readings: the schedule restarts from now.
  next_due_ = std::max(next_due_ + period, Clock::now());
  completions_.at(next_due_, [this, handler] {
    if (!list_mode_) return read_with_retries(1, std::nullopt, handler);
    // A finished sweep holds its last vertex: single readings again, out of list mode first.
    run(leave_list_commands(), [this, handler](std::optional<Error> e, std::vector<std::string>) {
      if (e) return handler(std::move(e), Sample{});
      list_mode_ = false;
      read_with_retries(1, std::nullopt, handler);
    });
  });
}

void ScpiSmuDriver::give_up(std::optional<Error> last, SampleHandler handler) {
  std::string why = last ? last->message() : "no reading";
  logger_->error("{}: giving up after {} attempts: {}", id_, retries_, why);
  ErrorCode code = last ? last->code() : ErrorCode::instrument_fault;
  // Best effort: the output goes off now; the channel's own safe() follows.
  if (link_->is_open()) link_->async_exchange(std::string(model_->output_off), Reply::none(), [](auto, auto) {});
  output_on_ = false;
  handler(Error(code, "no valid reading after " + std::to_string(retries_) + " attempts: " + why, id_), Sample{});
}

void ScpiSmuDriver::recover(const Error& e, std::function<void(std::optional<Error>)> then) {
  if (e.code() == ErrorCode::disconnected) {
    link_->async_reconnect([then](std::optional<Error> r) { then(std::move(r)); });
    return;
  }
  // A late or garbled reply may still be on its way: *OPC? answers "1" after everything before it,
  // so the lines up to that "1" are the stale ones and the next request starts in step again.
  link_->async_exchange("*OPC?", Reply::until_line([](std::string_view l) { return l == "1"; }),
                        [this, then](std::optional<Error> sync, std::vector<std::string> stale) {
                          if (!sync && stale.size() > 1) {
                            logger_->warn("{}: dropped {} stale line(s) after a failed reading", id_, stale.size() - 1);
                          }
                          then(std::nullopt);
                        });
}

void ScpiSmuDriver::read_with_retries(int attempt, std::optional<Error> last, SampleHandler handler) {
  if (attempt > retries_) return give_up(std::move(last), std::move(handler));
  auto retry = [this, attempt, handler](Error e) {
    logger_->warn("{}: reading attempt {} of {} failed: {}", id_, attempt, retries_, e.message());
    recover(e, [this, attempt, handler, e](std::optional<Error> fatal) {
      read_with_retries(fatal ? retries_ + 1 : attempt + 1, fatal ? fatal : std::optional<Error>(e), handler);
    });
  };
  const ReadingLayout& layout = (setpoint_.mode == Mode::voltage || setpoint_.mode == Mode::sweep) && output_on_
                                    ? model_->voltage_source_layout
                                    : model_->current_source_layout;
  link_->async_exchange(std::string(model_->read), Reply::line(),
                        [this, layout, retry, handler](std::optional<Error> e, std::vector<std::string> lines) {
                          if (e) return retry(*e);
                          SmuReading reading;
                          try {
                            reading = parse_reading(lines.at(0), layout, *model_);
                          } catch (const Error& bad) {
                            return retry(bad);
                          }
                          bool poll = error_poll_ > 0 && ++readings_ % error_poll_ == 0;
                          if (!poll) return finish_reading(reading, handler);
                          instrument_error_seen_ = false;
                          run({}, [this, reading, handler](std::optional<Error> e2, std::vector<std::string>) {
                            // Only the instrument's own errors stop the run; an unreadable queue is asked
                            // again at the next poll, and the reading in hand is good.
                            if (e2 && instrument_error_seen_) return handler(*e2, Sample{});
                            if (e2) logger_->warn("{}: error queue poll failed: {}", id_, e2->message());
                            finish_reading(reading, handler);
                          });
                        });
}

void ScpiSmuDriver::finish_reading(const SmuReading& reading, SampleHandler handler) {
  double t = channel_time_now();
  last_reading_wall_ = Clock::now();
  if (reading.time_s) {
    // Instrument time, made continuous: a timestamp that runs backwards (a reset buffer or a
    // reconnection) re-anchors the origin at the last channel time.
    if (!stamp_origin_s_ || *reading.time_s < last_stamp_s_) {
      if (stamp_origin_s_) logger_->warn("{}: instrument timestamps restarted; re-anchored", id_);
      stamp_origin_s_ = *reading.time_s;
      t_base_s_ = last_t_s_;
    }
    last_stamp_s_ = *reading.time_s;
    t = t_base_s_ + (*reading.time_s - *stamp_origin_s_);
  }
  t = std::max(t, last_t_s_);
  last_t_s_ = t;
  last_voltage_V_ = reading.voltage_V;
  Sample s;
  s.t_s = t;
  s.voltage_V = reading.voltage_V;
  s.current_A = reading.current_A;
  if (fresh_setpoint_) s.flags |= sample_flag::setpoint_start;
  fresh_setpoint_ = false;
  double v_compliance = std::max(std::abs(v_min_V_), std::abs(v_max_V_));
  if (output_on_ && ((setpoint_.mode == Mode::current && std::abs(s.voltage_V) >= 0.999 * v_compliance) ||
                     ((setpoint_.mode == Mode::voltage || setpoint_.mode == Mode::sweep) &&
                      std::abs(s.current_A) >= 0.999 * i_max_A_))) {
    s.flags |= sample_flag::compliance;
  }
  handler(std::nullopt, s);
}

}  // namespace cyclerd

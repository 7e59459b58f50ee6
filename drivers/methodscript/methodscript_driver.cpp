#include "drivers/methodscript/methodscript_driver.hpp"

#include <cmath>

#include <spdlog/spdlog.h>

#include "drivers/methodscript/device_reply.hpp"
#include "drivers/methodscript/package.hpp"
#include "drivers/transport/line_framer.hpp"
#include "drivers/uri.hpp"

namespace cyclerd {

namespace ms = methodscript;
using std::chrono::milliseconds;

namespace {

// How long the tail of an aborted script may take: the loop ends and on_finished runs, at most a
// sample period of a slow loop plus the exchange timeout.
constexpr milliseconds abort_drain{30000};
// A value this far beyond the model's window cannot be a reading: the line is corrupt.
constexpr double plausibility_factor = 2.0;

std::optional<double> parse_speed(DriverSettings& settings) {
  auto text = settings.text("speed");
  if (!text || *text == "max") return std::nullopt;
  if (*text == "realtime") return 1.0;
  char* end = nullptr;
  double factor = std::strtod(text->c_str(), &end);
  if (text->empty() || end != text->c_str() + text->size() || !std::isfinite(factor) || factor <= 0) {
    throw settings.bad("speed", *text, "\"realtime\", \"max\" or a positive number of simulated seconds per wall second");
  }
  return factor;
}

bool starts_with(std::string_view s, char c) { return !s.empty() && s[0] == c; }

}  // namespace

std::unique_ptr<Driver> make_methodscript_driver(boost::asio::any_io_executor executor, const DriverConfig& config) {
  return std::make_unique<MethodscriptDriver>(std::move(executor), config);
}

MethodscriptDriver::MethodscriptDriver(boost::asio::any_io_executor executor, const DriverConfig& config)
    : completions_(executor), log_(driver_logger("drv.methodscript")) {
  const std::string scheme = transport_scheme(config.uri);
  DriverSettings settings(config, scheme);
  where_ = settings.where();
  model_ = &ms::find_model(settings.text("model").value_or(std::string(ms::model_table()[0].name)), where_);
  speed_ = parse_speed(settings);
  retries_ = static_cast<int>(settings.unsigned_integer("retries").value_or(3));
  bad_lines_limit_ = static_cast<int>(settings.unsigned_integer("bad_lines").value_or(5));
  // The limits the scripts test: a URI/option key, else the channel's safety limits, else the model's.
  auto key = [&](const char* name, std::optional<double> channel) {
    auto given = settings.number(name);
    return given ? given : channel;
  };
  limits_ = ms::resolve_limits(key("v_min", config.limits.v_min_V), key("v_max", config.limits.v_max_V),
                               key("i_max", config.limits.i_max_A), *model_, where_);
  TransportOptions defaults;
  defaults.write_terminator = "\n";
  defaults.read_terminator = "\n";
  TransportConfig transport = transport_config(settings, scheme, defaults);
  settings.finish();
  transport_ = std::make_unique<Transport>(executor, std::move(transport), log_, config.id);
}

Capabilities MethodscriptDriver::capabilities(std::size_t channel) const {
  if (channel != 0) throw Error(ErrorCode::out_of_range, "no channel " + std::to_string(channel), where_);
  Capabilities caps;
  caps.modes = {Mode::rest, Mode::voltage, Mode::sweep, Mode::eis};
  if (model_->galvanostat) caps.modes.push_back(Mode::current);
  caps.v_min_V = model_->v_min_V;
  caps.v_max_V = model_->v_max_V;
  caps.i_max_A = model_->i_max_A;
  caps.min_sample_period_s = 0.01;  // faster packages would outrun a serial line
  return caps;
}

std::optional<Error> MethodscriptDriver::check(std::size_t channel) const {
  if (channel != 0) {
    return Error(ErrorCode::out_of_range, "no channel " + std::to_string(channel) + " (the instrument has 1)", where_);
  }
  if (!open_) return Error(ErrorCode::invalid_state, "the instrument is not open (call open first)", where_);
  return std::nullopt;
}

milliseconds MethodscriptDriver::sample_wait() const {
  double period = setpoint_ ? setpoint_->sample_period_s : 1.0;
  double wall_s = speed_ ? period / *speed_ : 0.0;
  return transport_->options().timeout + milliseconds(static_cast<long long>(std::ceil(wall_s * 1000)));
}

// --- connection -------------------------------------------------------------------------------------

void MethodscriptDriver::async_open(DoneHandler done) {
  transport_->async_connect([this, done = std::move(done)](std::optional<Error> e) {
    if (e) return done(e);
    sync([this, done](std::optional<Error> synced) {
      if (synced) return done(synced);
      identify([this, done](std::optional<Error> identified) {
        if (!identified) open_ = true;
        done(identified);
      });
    });
  });
}

void MethodscriptDriver::sync(Step done, bool expected) {
  // A newline first flushes a half-written command out of the instrument's buffer; then Z stops a
  // script the instrument may still run from before (after a restart or a cut cable).
  transport_->async_exchange("\nZ", Reply::until_line([](std::string_view l) { return starts_with(l, 'Z'); }),
                             [this, expected, done = std::move(done)](std::optional<Error> e, std::vector<std::string> lines) {
                               if (e) return done(e);
                               script_running_ = false;
                               if (lines.back() != "Z") return done(std::nullopt);  // Z!0006: nothing ran
                               if (!expected) log_->warn("{}: a script was still running; aborted it", where_);
                               transport_->async_read(Reply::until_line([](std::string_view l) { return l.empty(); })
                                                          .within(abort_drain),
                                                      [done](std::optional<Error> drained, std::vector<std::string>) { done(drained); });
                             });
}

void MethodscriptDriver::identify(Step done) {
  transport_->async_exchange("t", Reply::count(2), [this, done = std::move(done)](std::optional<Error> e,
                                                                                   std::vector<std::string> lines) {
    if (e) return done(e);
    const std::string expected = "t" + std::string(model_->firmware_prefix);
    if (lines[0].rfind(expected, 0) != 0 || lines[1].empty() || lines[1].back() != '*') {
      return done(Error(ErrorCode::instrument_fault,
                        "the instrument answered \"" + printable(lines[0]) + "\" / \"" + printable(lines[1]) +
                            "\" to the version query; a " + std::string(model_->name) + " answers \"" + expected +
                            "...\" (is the model right?)",
                        where_));
    }
    firmware_ = lines[0].substr(1);
    log_->info("{}: {} firmware {}", where_, model_->name, firmware_);
    done(std::nullopt);
  });
}

void MethodscriptDriver::recover(const Error& cause, Step done) {
  // The cause may quote everything received meanwhile: an event needs its gist, not a page of packages.
  const std::string why = printable(cause.message(), 300);
  if (++failures_ > retries_) {
    // The link is declared dead: nothing may wait on it any longer (safe() tries to connect afresh).
    transport_->close();
    script_running_ = false;
    return done(Error(cause.code(), "gave up after " + std::to_string(retries_) + " reconnections: " + why, where_));
  }
  log_->warn("{}: {} (failure {} of {}); reconnecting", where_, why, failures_, retries_);
  // Each attempt that fails on the way (reconnect, synchronise, restart the setpoint) counts as a failure.
  auto again = [this, done](std::optional<Error> e) {
    if (e && e->code() != ErrorCode::instrument_fault) return recover(*e, done);
    done(e);
  };
  transport_->async_reconnect([this, again](std::optional<Error> e) {
    if (e) return again(Error(e->code(), "cannot reconnect: " + std::string(e->message()), where_));
    ++reconnects_;
    sync([this, again](std::optional<Error> synced) {
      if (synced) return again(synced);
      if (!setpoint_) return again(std::nullopt);
      run_setpoint(again);  // the instrument lost nothing but the samples of the outage
    });
  });
}

// --- scripts ----------------------------------------------------------------------------------------

Error MethodscriptDriver::script_error(const ms::DeviceError& e) const {
  std::string text = "the instrument refused or stopped the script: " + e.describe();
  if (e.line && *e.line >= 1 && static_cast<std::size_t>(*e.line) <= script_.lines.size()) {
    text += " (\"" + script_.lines[static_cast<std::size_t>(*e.line) - 1] + "\")";
  }
  return Error(ErrorCode::instrument_fault, text, where_);
}

void MethodscriptDriver::stop_script(Step done) {
  if (!script_running_) return completions_.post([done = std::move(done)] { done(std::nullopt); });
  sync(std::move(done), true);
}

void MethodscriptDriver::start_script(const ms::Script& script, Step done) {
  script_ = script;
  std::string text = script.text();
  text.pop_back();  // the transport adds the terminator of the final, empty line
  transport_->async_exchange(std::move(text), Reply::line(),
                             [this, done = std::move(done)](std::optional<Error> e, std::vector<std::string> lines) {
                               if (e) return done(e);
                               ms::DeviceError error;
                               if (ms::classify(lines[0], &error) == ms::LineKind::error) return done(script_error(error));
                               if (lines[0] != "e") {
                                 return done(Error(ErrorCode::instrument_fault,
                                                   "unexpected answer \"" + printable(lines[0]) + "\" to a script",
                                                   where_));
                               }
                               done(std::nullopt);
                             });
}

void MethodscriptDriver::run_setpoint(Step done) {
  ms::Script script;
  try {
    script = ms::setpoint_script(*setpoint_, *model_, limits_);
  } catch (const Error& e) {
    return completions_.post([done = std::move(done), e] { done(e); });
  }
  start_script(script, [this, done = std::move(done)](std::optional<Error> e) {
    if (!e) {
      script_running_ = true;
      limit_passed_.reset();
      base_t_s_ = last_t_s_;  // the script's timer starts now, on the channel's clock
    }
    done(e);
  });
}

void MethodscriptDriver::cell_off(Step done) {
  ms::Script off{{"e", "cell_off"}};
  start_script(off, [this, done = std::move(done)](std::optional<Error> e) {
    if (e) return done(e);
    transport_->async_read(Reply::until_line([](std::string_view l) { return l.empty(); }),
                           [done](std::optional<Error> ended, std::vector<std::string>) { done(ended); });
  });
}

// --- operations -------------------------------------------------------------------------------------

void MethodscriptDriver::async_apply(std::size_t channel, const Setpoint& setpoint, DoneHandler done) {
  std::optional<Error> error = check(channel);
  if (!error) error = check_setpoint(capabilities(channel), setpoint);
  if (!error) {
    try {
      ms::setpoint_script(setpoint, *model_, limits_);  // refuse what the model cannot run before touching the cell
    } catch (const Error& e) {
      error = e;
    }
  }
  if (error) return completions_.post([done = std::move(done), e = *error] { done(e); });
  setpoint_.reset();  // a reconnection on the way must not restart the setpoint being replaced
  limit_passed_.reset();  // the engine moved on from the sample past the limit: that is its answer to it
  stop_script([this, setpoint, done = std::move(done)](std::optional<Error> e) mutable {
    auto start = [this, setpoint, done](std::optional<Error> stopped) {
      if (stopped) return done(stopped);
      setpoint_ = setpoint;
      fresh_ = true;
      run_setpoint([this, done](std::optional<Error> started) {
        if (started && started->code() != ErrorCode::instrument_fault) return recover(*started, done);
        done(started);
      });
    };
    if (e) return recover(*e, start);
    start(std::nullopt);
  });
}

void MethodscriptDriver::async_next_sample(std::size_t channel, SampleHandler handler) {
  if (auto error = check(channel)) return completions_.post([handler = std::move(handler), e = *error] { handler(e, {}); });
  if (!setpoint_) {
    return completions_.post([this, handler = std::move(handler)] {
      handler(Error(ErrorCode::invalid_state, "no setpoint applied (apply one first)", where_), {});
    });
  }
  if (limit_passed_) {
    // The sample past the limit went to the engine, which kept the setpoint: the script has left its
    // loop there and switched the cell off, so restarting the setpoint would only pass the limit again.
    return completions_.post([this, handler = std::move(handler)] {
      handler(Error(ErrorCode::instrument_fault,
                    "the cell passed the channel's safety limit: " + *limit_passed_ +
                        "; the instrument's script left its loop there and switched the cell off",
                    where_),
              {});
    });
  }
  if (!script_running_) {
    // The script ended by itself (its run time, or a spectrum in between): start it again.
    return run_setpoint([this, handler = std::move(handler)](std::optional<Error> e) {
      if (e) return recover(*e, [this, handler](std::optional<Error> recovered) {
        if (recovered) return handler(recovered, {});
        read_sample(handler);
      });
      read_sample(handler);
    });
  }
  read_sample(std::move(handler));
}

void MethodscriptDriver::read_sample(SampleHandler handler) {
  transport_->async_read(Reply::line().within(sample_wait()),
                         [this, handler = std::move(handler)](std::optional<Error> e, std::vector<std::string> lines) {
                           if (e) {
                             return recover(*e, [this, handler](std::optional<Error> recovered) {
                               if (recovered) return handler(recovered, {});
                               read_sample(handler);
                             });
                           }
                           on_line(lines[0], handler);
                         });
}

void MethodscriptDriver::skip_bad_line(const std::string& why, SampleHandler handler) {
  if (++bad_lines_ > bad_lines_limit_) {
    return handler(Error(ErrorCode::instrument_fault,
                         std::to_string(bad_lines_) + " unreadable lines in a row from the instrument; the last: " + why,
                         where_),
                   {});
  }
  log_->warn("{}: skipped an unreadable line ({} in a row): {}", where_, bad_lines_, why);
  read_sample(std::move(handler));
}

void MethodscriptDriver::on_line(const std::string& line, SampleHandler handler) {
  ms::DeviceError error;
  switch (ms::classify(line, &error)) {
    case ms::LineKind::package: break;
    case ms::LineKind::script_end:
      // The loop's run time is over: keep the setpoint going with a fresh script.
      script_running_ = false;
      return async_next_sample(0, std::move(handler));
    case ms::LineKind::error:
      // A runtime error ends the script without on_finished: the cell may still be on; safe() follows.
      script_running_ = false;
      return handler(script_error(error), {});
    case ms::LineKind::echo:
      if (line == "Z" || line.rfind("Z!", 0) == 0) return read_sample(std::move(handler));  // a late abort answer
      return skip_bad_line("unexpected \"" + printable(line) + "\" in the data stream (did the instrument restart?)",
                           std::move(handler));
    default:
      return read_sample(std::move(handler));  // loop and scan markers, text
  }
  ms::Package package;
  try {
    package = ms::parse_package(line);
  } catch (const Error& e) {
    return skip_bad_line(e.message(), std::move(handler));
  }
  const ms::Variable* t = package.find("eb");
  const ms::Variable* v = package.find("da") ? package.find("da") : package.find("ab");
  const ms::Variable* i = package.find("ba");
  if (!t || !v) return skip_bad_line("package \"" + printable(line) + "\" lacks its time or potential", std::move(handler));
  const double v_limit = plausibility_factor * std::max(std::abs(model_->v_min_V), std::abs(model_->v_max_V));
  const double i_limit = plausibility_factor * model_->i_max_A;
  const double current = i ? i->value : 0.0;
  if (!std::isfinite(t->value) || !std::isfinite(v->value) || !std::isfinite(current)) {
    return skip_bad_line("package \"" + printable(line) + "\" holds nan", std::move(handler));
  }
  if (std::abs(v->value) > v_limit || std::abs(current) > i_limit || base_t_s_ + t->value <= last_t_s_) {
    return skip_bad_line("package \"" + printable(line) + "\" is out of range (" + std::to_string(v->value) + " V, " +
                             std::to_string(current) + " A, t " + std::to_string(t->value) + " s)",
                         std::move(handler));
  }
  Sample s;
  s.t_s = base_t_s_ + t->value;
  s.voltage_V = v->value;
  s.current_A = current;
  if ((i && i->status && (*i->status & ms::status_bit::overload)) || (v->status && (*v->status & ms::status_bit::overload))) {
    s.flags |= sample_flag::compliance;
  }
  if (fresh_) s.flags |= sample_flag::setpoint_start;
  // The script tests this same reading and leaves its loop past a limit (limits.hpp).
  if (setpoint_) limit_passed_ = ms::limit_passed(setpoint_->mode, s.voltage_V, s.current_A, limits_);
  fresh_ = false;
  last_t_s_ = s.t_s;
  bad_lines_ = 0;
  failures_ = 0;
  handler(std::nullopt, s);
}

void MethodscriptDriver::async_safe(std::size_t channel, DoneHandler done) {
  if (channel != 0) return completions_.post([this, done = std::move(done), e = *check(channel)] { done(e); });
  setpoint_.reset();
  auto off = [this, done = std::move(done)](std::optional<Error> e) {
    if (e) {
      // Unreachable: close, so no read waits on a dead line (the next operation connects afresh).
      transport_->close();
      script_running_ = false;
      return done(Error(e->code(), "cannot switch the cell off: " + printable(e->message(), 300), where_));
    }
    // Z ran on_finished (cell_off), but a script stopped by a runtime error skipped it: switch off explicitly.
    cell_off([this, done](std::optional<Error> switched) {
      if (switched) return done(Error(switched->code(), "cannot switch the cell off: " + std::string(switched->message()), where_));
      done(std::nullopt);
    });
  };
  if (!transport_->is_open()) {
    return transport_->async_connect([this, off = std::move(off)](std::optional<Error> e) mutable {
      if (e) return off(e);
      sync(std::move(off));
    });
  }
  stop_script(std::move(off));
}

}  // namespace cyclerd

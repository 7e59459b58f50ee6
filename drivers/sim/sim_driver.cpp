#include "drivers/sim/sim_driver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "drivers/uri.hpp"

namespace cyclerd {

namespace {

constexpr std::size_t max_channels = 256;
constexpr double default_mass_mg = 1.0;
constexpr double default_timeout_ms = 1000;
// A finite-speed channel whose consumer fell this far behind drops the lag instead of bursting.
constexpr auto max_pacing_lag = std::chrono::seconds(1);
// What a corrupt reading reports: the SCPI "overflow" value, the classic garbage of real instruments.
constexpr double garbage = 9.9e37;
// Where an excursion spikes to when its rule gives no voltage: beyond the cell's window.
constexpr double excursion_margin_V = 1.0;

using Clock = Completions::Clock;

bool positive(double x) { return x > 0; }

Error not_connected(bool disconnected) {
  return disconnected ? Error(ErrorCode::disconnected, "the simulated instrument is disconnected (reopen it)", "sim")
                      : Error(ErrorCode::invalid_state, "the instrument is not open (call open first)", "sim");
}

std::optional<double> parse_speed(DriverSettings& settings) {
  auto text = settings.text("speed");
  if (!text || *text == "max") return std::nullopt;
  if (*text == "realtime") return 1.0;
  char* end = nullptr;
  double factor = std::strtod(text->c_str(), &end);
  if (text->empty() || end != text->c_str() + text->size() || !std::isfinite(factor) || factor <= 0) {
    throw settings.bad("speed", *text,
                       "\"realtime\", \"max\" or a positive number of simulated seconds per wall second");
  }
  return factor;
}

}  // namespace

std::unique_ptr<Driver> make_sim_driver(boost::asio::any_io_executor executor, const DriverConfig& config) {
  return std::make_unique<SimDriver>(std::move(executor), config);
}

SimDriver::SimDriver(boost::asio::any_io_executor executor, const DriverConfig& config)
    : completions_(std::move(executor)) {
  DriverSettings settings(config, "sim");
  sim::CellParams params;
  try {
    params = sim::load_preset(settings.target());
  } catch (const Error& e) {
    throw Error(e.code(), "bad preset \"" + settings.target() + "\": " + e.message(), settings.where());
  }
  seed_ = settings.unsigned_integer("seed").value_or(1);
  double mass_mg = settings.number("mass_mg", positive, "a positive active mass in mg").value_or(default_mass_mg);
  std::uint64_t count = settings.unsigned_integer("channels").value_or(1);
  if (count < 1 || count > max_channels) {
    throw settings.bad("channels", std::to_string(count), "1 to " + std::to_string(max_channels));
  }
  speed_ = parse_speed(settings);
  double timeout_ms = settings.number("timeout_ms", positive, "a positive number").value_or(default_timeout_ms);
  timeout_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(timeout_ms));
  // The schedule comes from the driver options or, as JSON text, from the URI's "faults" key (%-escapes
  // allowed): the daemon's channel configuration passes only speed and model as options, so the URI is
  // where a configured channel gets its faults (text() renders an options table back to its JSON text).
  if (auto faults = settings.text("faults")) {
    const auto table = nlohmann::json::parse(*faults, nullptr, /*allow_exceptions=*/false);
    if (table.is_discarded()) throw settings.bad("faults", *faults, "a JSON table of fault rules");
    fault_rules_ = sim::parse_fault_rules(table, settings.where());
  }
  settings.finish();
  for (const auto& rule : fault_rules_) {
    if (rule.channel && *rule.channel >= count) {
      throw Error(ErrorCode::invalid_input,
                  "a fault names channel " + std::to_string(*rule.channel) + " of " + std::to_string(count),
                  settings.where());
    }
  }

  for (std::size_t i = 0; i < count; ++i) {
    // Channel 0 is exactly the cell `seed` names; the others are its siblings.
    std::uint64_t seed = seed_ + i;
    channels_.push_back(Channel{std::make_unique<sim::CellModel>(params, mass_mg / 1000, seed),
                                sim::ChannelFaults(fault_rules_, i, seed)});
  }
}

Capabilities SimDriver::capabilities(std::size_t channel) const {
  const sim::CellModel& model = cell(channel);
  Capabilities caps;
  caps.modes = {Mode::rest, Mode::current, Mode::voltage, Mode::sweep, Mode::eis};
  // A bench potentiostat's ranges: wider than any preset's window, and 50 A/g for the paper's rate tests.
  caps.v_min_V = std::min(-5.0, model.params().v_min_V);
  caps.v_max_V = std::max(5.0, model.params().v_max_V);
  caps.i_max_A = std::max(0.1, 50.0 * model.active_mass_g());
  caps.min_sample_period_s = 1e-3;
  caps.can_snapshot = true;
  caps.lands_on_limits = true;
  return caps;
}

const sim::CellModel& SimDriver::cell(std::size_t channel) const {
  if (channel >= channels_.size()) {
    throw Error(ErrorCode::out_of_range, "no channel " + std::to_string(channel), "sim");
  }
  return *channels_[channel].model;
}

std::optional<Error> SimDriver::check(std::size_t channel) const {
  if (channel >= channels_.size()) {
    return Error(ErrorCode::out_of_range,
                 "no channel " + std::to_string(channel) + " (the instrument has " +
                     std::to_string(channels_.size()) + ")",
                 "sim");
  }
  if (link_ != Link::open) return not_connected(link_ == Link::disconnected);
  return std::nullopt;
}

template <class F>
void SimDriver::complete_in_order(std::size_t channel, std::optional<Clock::time_point> when, F&& fn) {
  Channel& ch = channels_[channel];
  // The common case at "max": nothing timed is pending on the channel, so no clock read and no timer.
  if (!when && ch.last_done == Clock::time_point{}) {
    completions_.post(std::forward<F>(fn));
    return;
  }
  auto now = Clock::now();
  Clock::time_point due = when.value_or(now);
  if (due <= now && ch.last_done <= now) {
    ch.last_done = {};
    completions_.post(std::forward<F>(fn));
    return;
  }
  due = std::max(due, ch.last_done + std::chrono::microseconds(1));
  ch.last_done = due;
  completions_.at(due, std::function<void()>(std::forward<F>(fn)));
}

std::optional<Clock::time_point> SimDriver::paced(Channel& ch, double t_before_s, double t_after_s) {
  if (!speed_) return std::nullopt;
  auto now = Clock::now();
  auto wall = [&](double t_s) {
    return ch.anchor_wall + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>((t_s - ch.anchor_t_s) / *speed_));
  };
  if (!ch.anchored || wall(t_before_s) + max_pacing_lag < now) {
    ch.anchored = true;
    ch.anchor_wall = now;
    ch.anchor_t_s = t_before_s;
  }
  return wall(t_after_s);
}

void SimDriver::rest_all() {
  for (auto& ch : channels_) {
    Setpoint rest;
    rest.sample_period_s = ch.sample_period_s;
    ch.model->apply(rest);
    ch.eis_mode = false;
    ch.anchored = false;
  }
}

void SimDriver::async_open(DoneHandler done) {
  if (link_ == Link::disconnected) rest_all();  // the instrument lost its host and switched off
  link_ = Link::open;
  completions_.post([done = std::move(done)] { done(std::nullopt); });
}

void SimDriver::async_apply(std::size_t channel, const Setpoint& setpoint, DoneHandler done) {
  std::optional<Error> error = check(channel);
  if (!error) error = check_setpoint(capabilities(channel), setpoint);
  if (error) {
    completions_.post([done = std::move(done), e = *error] { done(e); });
    return;
  }
  // The setpoint takes effect now, on the virtual clock; only the acknowledgement is deferred.
  Channel& ch = channels_[channel];
  try {
    Setpoint effective = setpoint;
    if (setpoint.mode == Mode::eis) effective.mode = Mode::rest;  // the spectrum is measured at open circuit
    ch.model->apply(effective);
    ch.sample_period_s = setpoint.sample_period_s;
    ch.eis_mode = setpoint.mode == Mode::eis;
    ch.fresh_setpoint = true;
    ch.anchored = false;
  } catch (const Error& e) {
    error = e;
  }
  complete_in_order(channel, std::nullopt, [done = std::move(done), error] { done(error); });
}

void SimDriver::async_next_sample(std::size_t channel, SampleHandler handler) {
  if (auto error = check(channel)) {
    completions_.post([handler = std::move(handler), e = *error] { handler(e, Sample{}); });
    return;
  }
  Channel& ch = channels_[channel];
  double t_before = ch.model->time_s();
  sim::FaultHit hit = ch.faults.strike(t_before + ch.sample_period_s);
  if (hit.disconnect) {
    link_ = Link::disconnected;
    completions_.post([handler = std::move(handler)] { handler(not_connected(true), Sample{}); });
    return;
  }
  Sample sample = ch.model->advance(ch.sample_period_s);
  if (ch.fresh_setpoint) sample.flags |= sample_flag::setpoint_start;
  ch.fresh_setpoint = false;
  if (hit.timeout) {
    // The cell ran on under its setpoint; only the answer is lost.
    complete_in_order(channel, Clock::now() + timeout_, [handler = std::move(handler)] {
      handler(Error(ErrorCode::timeout, "no answer to a reading within the driver's timeout", "sim"), Sample{});
    });
    return;
  }
  if (hit.excursion) {
    sample.voltage_V = hit.excursion_V.value_or(ch.model->params().v_max_V + excursion_margin_V);
  }
  if (hit.corrupt) {
    sample.voltage_V = garbage;
    sample.current_A = -garbage;
    sample.flags |= sample_flag::corrupt;
  }
  complete_in_order(channel, paced(ch, t_before, sample.t_s),
                    [handler = std::move(handler), sample] { handler(std::nullopt, sample); });
}

void SimDriver::async_measure_impedance(std::size_t channel, const EisParams& params, SpectrumHandler handler) {
  std::optional<Error> error = check(channel);
  if (!error) error = check_eis(params);
  if (error) {
    completions_.post([handler = std::move(handler), e = *error] { handler(e, {}); });
    return;
  }
  auto spectrum = channels_[channel].model->impedance_spectrum(params);
  complete_in_order(channel, std::nullopt, [handler = std::move(handler), spectrum = std::move(spectrum)] {
    handler(std::nullopt, spectrum);
  });
}

void SimDriver::async_safe(std::size_t channel, DoneHandler done) {
  std::optional<Error> error;
  if (channel >= channels_.size()) {
    error = check(channel);
  } else if (link_ == Link::disconnected) {
    // Honest: a lost connection cannot switch anything off; the caller must know.
    error = not_connected(true);
  } else {
    Channel& ch = channels_[channel];
    Setpoint rest;
    rest.sample_period_s = ch.sample_period_s;
    ch.model->apply(rest);
    ch.eis_mode = false;
    ch.anchored = false;
  }
  completions_.post([done = std::move(done), error] { done(error); });
}

std::optional<nlohmann::json> SimDriver::snapshot(std::size_t channel) const {
  cell(channel);  // range check
  const Channel& ch = channels_[channel];
  return nlohmann::json{{"model", ch.model->snapshot()},
                        {"sample_period_s", ch.sample_period_s},
                        {"eis_mode", ch.eis_mode},
                        {"fresh_setpoint", ch.fresh_setpoint},
                        {"faults", ch.faults.snapshot()}};
}

void SimDriver::restore(std::size_t channel, const nlohmann::json& state) {
  cell(channel);  // range check
  Channel& ch = channels_[channel];
  try {
    double period = state.at("sample_period_s").get<double>();
    bool eis = state.at("eis_mode").get<bool>();
    bool fresh = state.at("fresh_setpoint").get<bool>();
    sim::ChannelFaults faults = ch.faults;  // all or nothing: the model may still refuse its part
    faults.restore(state.at("faults"));
    ch.model->restore(state.at("model"));
    ch.faults = std::move(faults);
    ch.sample_period_s = period;
    ch.eis_mode = eis;
    ch.fresh_setpoint = fresh;
    ch.anchored = false;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::invalid_input, std::string("not a sim channel snapshot: ") + e.what(), "sim");
  }
}

void SimDriver::load_cell(std::size_t channel, const sim::CellParams& params, double active_mass_g) {
  cell(channel);  // range check
  Channel& ch = channels_[channel];
  ch.model = std::make_unique<sim::CellModel>(params, active_mass_g, seed_ + channel);
  ch.eis_mode = false;
  ch.fresh_setpoint = false;
  ch.anchored = false;
}

}  // namespace cyclerd

#include "drivers/test-latency/test_latency_driver.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "drivers/uri.hpp"

namespace cyclerd {

namespace {

// The trivial cell: OCV rises linearly from 1 V (empty) to 2 V (full) through a fixed resistance.
constexpr double ocv_empty_V = 1.0;
constexpr double ocv_span_V = 1.0;
constexpr double resistance_ohm = 10.0;
constexpr double capacity_Ah = 1e-3;
constexpr double double_layer_F = 1e-3;
constexpr double i_max_A = 0.1;
constexpr std::size_t max_channels = 1024;

double ocv(double soc) { return ocv_empty_V + ocv_span_V * soc; }

// The potential of a sweep `elapsed_s` after it started; holds the last vertex once it is done.
double sweep_voltage(const SweepParams& sweep, double elapsed_s) {
  double remaining_V = elapsed_s * sweep.scan_rate_V_s;
  double v = sweep.start_V;
  for (int cycle = 0; cycle < sweep.cycles; ++cycle) {
    for (double vertex : sweep.vertices_V) {
      double leg = std::abs(vertex - v);
      if (remaining_V <= leg) return v + std::copysign(remaining_V, vertex - v);
      remaining_V -= leg;
      v = vertex;
    }
  }
  return v;
}

}  // namespace

std::unique_ptr<Driver> make_test_latency_driver(boost::asio::any_io_executor executor,
                                                 const DriverConfig& config) {
  return std::make_unique<TestLatencyDriver>(std::move(executor), config);
}

TestLatencyDriver::TestLatencyDriver(boost::asio::any_io_executor executor, const DriverConfig& config)
    : completions_(std::move(executor)) {
  DriverSettings settings(config, "test-latency");
  if (!settings.target().empty()) {
    throw settings.bad("target", settings.target(), "nothing between \"test-latency://\" and \"?\"");
  }
  auto non_negative = [](double x) { return x >= 0; };
  latency_s_ = settings.number("latency_ms", non_negative, "milliseconds >= 0").value_or(20.0) / 1000;
  jitter_s_ = settings.number("jitter_ms", non_negative, "milliseconds >= 0").value_or(0.0) / 1000;
  std::uint64_t count = settings.unsigned_integer("channels").value_or(1);
  if (count < 1 || count > max_channels) {
    throw settings.bad("channels", std::to_string(count), "1 to " + std::to_string(max_channels));
  }
  rng_.seed(settings.unsigned_integer("seed").value_or(1));
  settings.finish();
  channels_.resize(count);
}

Capabilities TestLatencyDriver::capabilities(std::size_t channel) const {
  if (channel >= channels_.size()) {
    throw Error(ErrorCode::out_of_range, "no channel " + std::to_string(channel), "test-latency");
  }
  Capabilities caps;
  caps.modes = {Mode::rest, Mode::current, Mode::voltage, Mode::sweep, Mode::eis};
  caps.v_min_V = 0;
  caps.v_max_V = 5;
  caps.i_max_A = i_max_A;
  caps.min_sample_period_s = 1e-3;
  return caps;
}

std::optional<Error> TestLatencyDriver::check(std::size_t channel) const {
  if (channel >= channels_.size()) {
    return Error(ErrorCode::out_of_range,
                 "no channel " + std::to_string(channel) + " (the instrument has " +
                     std::to_string(channels_.size()) + ")",
                 "test-latency");
  }
  if (!open_) return Error(ErrorCode::invalid_state, "the instrument is not open (call open first)", "test-latency");
  return std::nullopt;
}

Completions::Clock::duration TestLatencyDriver::next_delay() {
  double jitter = jitter_s_ > 0 ? std::uniform_real_distribution<double>(0, jitter_s_)(rng_) : 0.0;
  return std::chrono::duration_cast<Completions::Clock::duration>(
      std::chrono::duration<double>(latency_s_ + jitter));
}

void TestLatencyDriver::complete_in_order(std::size_t channel, std::function<void()> fn) {
  Channel& ch = channels_[channel];
  // Jitter must not reorder a channel's operations: a real instrument answers in order.
  auto when = std::max(Completions::Clock::now() + next_delay(), ch.last_done + std::chrono::microseconds(1));
  ch.last_done = when;
  completions_.at(when, std::move(fn));
}

void TestLatencyDriver::async_open(DoneHandler done) {
  completions_.after(next_delay(), [this, done = std::move(done)] {
    if (!open_) {
      for (auto& ch : channels_) ch.setpoint = Setpoint{};
    }
    open_ = true;
    done(std::nullopt);
  });
}

void TestLatencyDriver::async_apply(std::size_t channel, const Setpoint& setpoint, DoneHandler done) {
  std::optional<Error> error = check(channel);
  if (!error) error = check_setpoint(capabilities(channel), setpoint);
  if (error) {
    completions_.post([done = std::move(done), e = *error] { done(e); });
    return;
  }
  complete_in_order(channel, [this, channel, setpoint, epoch = channels_[channel].safe_epoch,
                              done = std::move(done)] {
    Channel& ch = channels_[channel];
    if (ch.safe_epoch != epoch) {
      done(Error(ErrorCode::invalid_state, "setpoint cancelled: the channel was made safe meanwhile",
                 "test-latency"));
      return;
    }
    ch.setpoint = setpoint;
    ch.setpoint_t_s = ch.t_s;
    ch.fresh_setpoint = true;
    done(std::nullopt);
  });
}

Sample TestLatencyDriver::advance(Channel& ch) {
  const Setpoint& sp = ch.setpoint;
  double dt = sp.sample_period_s;
  ch.t_s += dt;
  double current = 0;
  double voltage = ocv(ch.soc);
  switch (sp.mode) {
    case Mode::rest:
    case Mode::eis:
      break;
    case Mode::current:
      current = sp.value;
      break;
    case Mode::voltage:
      current = std::clamp((sp.value - voltage) / resistance_ohm, -i_max_A, i_max_A);
      break;
    case Mode::sweep:
      current = std::clamp((sweep_voltage(sp.sweep, ch.t_s - ch.setpoint_t_s) - voltage) / resistance_ohm,
                           -i_max_A, i_max_A);
      break;
  }
  ch.soc = std::clamp(ch.soc + current * dt / 3600.0 / capacity_Ah, 0.0, 1.0);
  Sample sample;
  sample.t_s = ch.t_s;
  sample.current_A = current;
  sample.voltage_V = ocv(ch.soc) + current * resistance_ohm;
  sample.temperature_C = 25.0;
  if (ch.fresh_setpoint) sample.flags |= sample_flag::setpoint_start;
  ch.fresh_setpoint = false;
  return sample;
}

void TestLatencyDriver::async_next_sample(std::size_t channel, SampleHandler handler) {
  if (auto error = check(channel)) {
    completions_.post([handler = std::move(handler), e = *error] { handler(e, Sample{}); });
    return;
  }
  // The reading is taken when the instrument answers, so a safe() in between shows in it.
  complete_in_order(channel, [this, channel, handler = std::move(handler)] {
    handler(std::nullopt, advance(channels_[channel]));
  });
}

void TestLatencyDriver::async_measure_impedance(std::size_t channel, const EisParams& params,
                                                SpectrumHandler handler) {
  std::optional<Error> error = check(channel);
  if (!error) error = check_eis(params);
  if (error) {
    completions_.post([handler = std::move(handler), e = *error] { handler(e, {}); });
    return;
  }
  complete_in_order(channel, [params, handler = std::move(handler)] {
    // A resistance in series with a capacitor: enough shape for a consumer to tell points apart.
    std::vector<ImpedancePoint> points;
    double decades = std::log10(params.f_start_Hz / params.f_end_Hz);
    int n = std::max(1, static_cast<int>(std::lround(std::abs(decades) * params.points_per_decade)) + 1);
    for (int k = 0; k < n; ++k) {
      double f = params.f_start_Hz * std::pow(10.0, -decades * k / std::max(1, n - 1));
      double omega = 2 * std::numbers::pi * f;
      points.push_back({f, {resistance_ohm, -1.0 / (omega * double_layer_F)}});
    }
    handler(std::nullopt, std::move(points));
  });
}

void TestLatencyDriver::async_safe(std::size_t channel, DoneHandler done) {
  if (channel >= channels_.size()) {
    completions_.post([done = std::move(done), e = *check(channel)] { done(e); });
    return;
  }
  // Output off now, not after the queue: safety must not wait behind a slow read.
  Channel& ch = channels_[channel];
  double period = ch.setpoint.sample_period_s;
  ch.setpoint = Setpoint{};
  ch.setpoint.sample_period_s = period;
  ++ch.safe_epoch;
  completions_.after(next_delay(), [done = std::move(done)] { done(std::nullopt); });
}

}  // namespace cyclerd

// A channel loop against a slow, jittery instrument: the test-latency driver.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "drivers/test-latency/test_latency_driver.hpp"
#include "tests/drivers/driver_test_support.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;

// The smallest channel loop: for each setpoint, apply it and read N samples; then go safe.
// Each step starts from the previous step's handler, as the real Channel runner does.
class ScriptedChannel {
 public:
  struct Reading {
    std::size_t step;
    Sample sample;
  };

  ScriptedChannel(Driver& driver, std::size_t channel, std::vector<Setpoint> steps, int samples_per_step,
                  std::vector<std::size_t>& arrivals)
      : driver_(driver), channel_(channel), steps_(std::move(steps)), per_step_(samples_per_step),
        arrivals_(arrivals) {}

  void start() { apply_step(); }

  bool finished = false;
  std::vector<Reading> readings;
  std::vector<Error> errors;

 private:
  void apply_step() {
    if (step_ == steps_.size()) {
      driver_.async_safe(channel_, [this](std::optional<Error> e) { on_safe(std::move(e)); });
      return;
    }
    driver_.async_apply(channel_, steps_[step_], [this](std::optional<Error> e) { on_applied(std::move(e)); });
  }
  void on_applied(std::optional<Error> e) {
    if (e) return fail(*e);
    read_ = 0;
    read();
  }
  void read() {
    driver_.async_next_sample(channel_, [this](std::optional<Error> e, Sample s) { on_sample(std::move(e), s); });
  }
  void on_sample(std::optional<Error> e, Sample s) {
    if (e) return fail(*e);
    readings.push_back({step_, s});
    arrivals_.push_back(channel_);
    if (++read_ < per_step_) return read();
    ++step_;
    apply_step();
  }
  void on_safe(std::optional<Error> e) {
    if (e) errors.push_back(*e);
    finished = true;
  }
  void fail(const Error& e) {
    errors.push_back(e);
    driver_.async_safe(channel_, [this](std::optional<Error> e2) { on_safe(std::move(e2)); });
  }

  Driver& driver_;
  std::size_t channel_;
  std::vector<Setpoint> steps_;
  int per_step_;
  std::vector<std::size_t>& arrivals_;  // the channel of every sample, in arrival order
  std::size_t step_ = 0;
  int read_ = 0;
};

std::unique_ptr<Driver> slow_driver(io_context& io, const std::string& query) {
  return std::make_unique<TestLatencyDriver>(io.get_executor(),
                                             DriverConfig{"bench", "test-latency://?" + query, {}});
}

TEST(ChannelLoop, EverySampleArrivesInOrderOnFourJitteryChannelsSharingOneIoContext) {
  io_context io;
  auto driver = slow_driver(io, "latency_ms=3&jitter_ms=6&channels=4&seed=7");
  ASSERT_FALSE(test::open(io, *driver));

  const int per_step = 8;
  std::vector<std::size_t> arrivals;
  std::vector<std::unique_ptr<ScriptedChannel>> loops;
  for (std::size_t ch = 0; ch < driver->channel_count(); ++ch) {
    Setpoint charge = test::current_setpoint(0.01 * static_cast<double>(ch + 1), 1.0);
    Setpoint hold;
    hold.mode = Mode::voltage;
    hold.value = 1.2;
    hold.sample_period_s = 0.5;
    loops.push_back(std::make_unique<ScriptedChannel>(*driver, ch, std::vector{charge, hold}, per_step,
                                                     arrivals));
  }
  auto started = std::chrono::steady_clock::now();
  for (auto& loop : loops) loop->start();
  io.restart();  // open() ran it out of work, which stops an io_context
  io.run();
  auto elapsed = std::chrono::steady_clock::now() - started;

  for (std::size_t ch = 0; ch < loops.size(); ++ch) {
    const auto& loop = *loops[ch];
    SCOPED_TRACE("channel " + std::to_string(ch));
    EXPECT_TRUE(loop.finished);
    EXPECT_TRUE(loop.errors.empty()) << loop.errors.front().what();
    ASSERT_EQ(loop.readings.size(), 2u * per_step);
    for (std::size_t i = 0; i < loop.readings.size(); ++i) {
      const auto& [step, s] = loop.readings[i];
      EXPECT_EQ(step, i / per_step);
      if (i > 0) {
        EXPECT_GT(s.t_s, loop.readings[i - 1].sample.t_s);
      }
      EXPECT_EQ(s.has(sample_flag::setpoint_start), i % per_step == 0) << "sample " << i;
      if (step == 0) {
        EXPECT_DOUBLE_EQ(s.current_A, 0.01 * static_cast<double>(ch + 1));
      } else {
        EXPECT_LT(s.current_A, 0.0) << "holding 1.2 V discharges a cell charged above it";
      }
    }
    // Channel time advances by each setpoint's period: 8 x 1 s, then 8 x 0.5 s.
    EXPECT_DOUBLE_EQ(loop.readings.back().sample.t_s, 8 * 1.0 + 8 * 0.5);
  }
  // 19 operations per channel at >= 3 ms each...
  EXPECT_GE(elapsed, std::chrono::milliseconds(19 * 3));
  // ...overlapped across the channels, not one channel after another.
  EXPECT_FALSE(std::is_sorted(arrivals.begin(), arrivals.end())) << "the channels ran one after another";
}

TEST(ChannelLoop, JitterNeverReordersOperationsOnOneChannel) {
  io_context io;
  auto driver = slow_driver(io, "latency_ms=1&jitter_ms=20&seed=3");
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(0.001)));
  std::vector<int> completed;  // which request completed, in completion order
  std::vector<double> times;
  for (int i = 0; i < 10; ++i) {
    driver->async_next_sample(0, [&, i](std::optional<Error> e, Sample s) {
      EXPECT_FALSE(e);
      completed.push_back(i);
      times.push_back(s.t_s);
    });
  }
  io.restart();
  io.run();
  ASSERT_EQ(times.size(), 10u);
  for (std::size_t i = 0; i < times.size(); ++i) {
    EXPECT_EQ(completed[i], static_cast<int>(i));
    EXPECT_DOUBLE_EQ(times[i], static_cast<double>(i + 1));
  }
}

TEST(ChannelLoop, HandlersAreNeverInvokedFromTheInitiatingCall) {
  io_context io;
  auto driver = slow_driver(io, "latency_ms=0");
  bool called = false;
  driver->async_next_sample(0, [&](std::optional<Error> e, Sample) {
    called = true;
    EXPECT_TRUE(e) << "reading before open must fail";
  });
  EXPECT_FALSE(called);
  driver->async_open([&](std::optional<Error>) { called = true; });
  EXPECT_FALSE(called);
  io.run();
  EXPECT_TRUE(called);
}

TEST(ChannelLoop, SafeMidOperationCancelsAnApplyInFlightAndTheNextReadingIsAtRest) {
  io_context io;
  auto driver = slow_driver(io, "latency_ms=10&jitter_ms=5&seed=2");
  ASSERT_FALSE(test::open(io, *driver));

  std::optional<std::optional<Error>> applied, safed;
  std::optional<Sample> reading;
  driver->async_apply(0, test::current_setpoint(0.05), [&](std::optional<Error> e) { applied = e; });
  driver->async_next_sample(0, [&](std::optional<Error> e, Sample s) {
    EXPECT_FALSE(e);
    reading = s;
  });
  driver->async_safe(0, [&](std::optional<Error> e) { safed = e; });
  io.restart();
  io.run();

  ASSERT_TRUE(safed.has_value());
  EXPECT_FALSE(*safed);
  ASSERT_TRUE(applied.has_value());
  ASSERT_TRUE(*applied) << "an apply overtaken by safe() must not switch the output back on";
  EXPECT_EQ((*applied)->code(), ErrorCode::invalid_state);
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->current_A, 0.0);
  // Idempotent, and the channel is usable again afterwards.
  EXPECT_FALSE(test::safe(io, *driver, 0));
  EXPECT_FALSE(test::safe(io, *driver, 0));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(0.02)));
  EXPECT_DOUBLE_EQ(test::sample_ok(io, *driver, 0).current_A, 0.02);
}

TEST(ChannelLoop, SafeWhileAReadIsInFlightShowsInThatReading) {
  io_context io;
  auto driver = slow_driver(io, "latency_ms=10");
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(0.05)));
  EXPECT_DOUBLE_EQ(test::sample_ok(io, *driver, 0).current_A, 0.05);
  std::optional<Sample> reading;
  driver->async_next_sample(0, [&](std::optional<Error> e, Sample s) {
    EXPECT_FALSE(e);
    reading = s;
  });
  EXPECT_FALSE(test::safe(io, *driver, 0));
  test::run_until(io, [&] { return reading.has_value(); });
  EXPECT_EQ(reading->current_A, 0.0);
}

TEST(ChannelLoop, DestroyingTheDriverDropsPendingHandlers) {
  io_context io;
  auto driver = slow_driver(io, "latency_ms=5");
  bool called = false;
  driver->async_open([&](std::optional<Error>) { called = true; });
  EXPECT_EQ(static_cast<TestLatencyDriver&>(*driver).in_flight(), 1u);
  driver.reset();
  io.run();
  EXPECT_FALSE(called);
}

TEST(TestLatencyDriver, BadOptionsNameTheKeyAndValue) {
  io_context io;
  try {
    slow_driver(io, "latency_ms=fast");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_input);
    EXPECT_NE(std::string(e.what()).find("latency_ms"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fast"), std::string::npos) << e.what();
  }
  try {
    slow_driver(io, "latency=5");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"latency\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(slow_driver(io, "channels=0"), Error);
}

TEST(TestLatencyDriver, ImpedanceSpectrumSpansTheRequestedDecades) {
  io_context io;
  auto driver = slow_driver(io, "latency_ms=1");
  ASSERT_FALSE(test::open(io, *driver));
  EisParams params;
  params.f_start_Hz = 1e4;
  params.f_end_Hz = 1e-1;
  params.points_per_decade = 5;
  auto [error, points] = test::impedance(io, *driver, 0, params);
  ASSERT_FALSE(error);
  ASSERT_EQ(points.size(), 26u);
  EXPECT_DOUBLE_EQ(points.front().frequency_Hz, 1e4);
  EXPECT_NEAR(points.back().frequency_Hz, 1e-1, 1e-12);
  EXPECT_LT(points.back().z_ohm.imag(), points.front().z_ohm.imag());
}

}  // namespace
}  // namespace cyclerd

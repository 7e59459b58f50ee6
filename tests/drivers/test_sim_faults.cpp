// Injected faults of the sim driver: each strikes when scheduled, and the driver recovers from it.
#include <gtest/gtest.h>

#include <chrono>

#include <boost/asio/io_context.hpp>

#include "drivers/sim/sim_driver.hpp"
#include "tests/drivers/driver_test_support.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;

std::unique_ptr<SimDriver> faulty(io_context& io, nlohmann::json faults, const std::string& query = "seed=1") {
  nlohmann::json options = {{"faults", std::move(faults)}, {"timeout_ms", 40}};
  auto driver = std::make_unique<SimDriver>(io.get_executor(),
                                            DriverConfig{"sim-1", "sim://zns-znse?" + query, options});
  if (test::open(io, *driver)) throw std::runtime_error("open failed");
  if (test::apply(io, *driver, 0, test::current_setpoint(-1e-3, 1.0))) throw std::runtime_error("apply failed");
  return driver;
}

TEST(SimFaults, ATimeoutIsReportedByTheDriversOwnTimeoutAndTheNextReadingFollowsOn) {
  io_context io;
  auto driver = faulty(io, {{{"kind", "timeout"}, {"at_s", 3}}});
  EXPECT_EQ(test::sample_ok(io, *driver, 0).t_s, 1.0);
  EXPECT_EQ(test::sample_ok(io, *driver, 0).t_s, 2.0);
  auto started = std::chrono::steady_clock::now();
  auto [error, sample] = test::next_sample(io, *driver, 0);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(35));
  EXPECT_EQ(test::sample_ok(io, *driver, 0).t_s, 4.0) << "the cell ran on while the answer was lost";
  EXPECT_EQ(test::sample_ok(io, *driver, 0).t_s, 5.0);
}

TEST(SimFaults, ADisconnectFailsEveryOperationUntilReopenedThenTheChannelIsSafeAndWorks) {
  io_context io;
  auto driver = faulty(io, {{{"kind", "disconnect"}, {"at_s", 2}}});
  EXPECT_EQ(test::sample_ok(io, *driver, 0).t_s, 1.0);
  auto [error, sample] = test::next_sample(io, *driver, 0);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::disconnected);
  EXPECT_EQ(test::next_sample(io, *driver, 0).first->code(), ErrorCode::disconnected);
  EXPECT_EQ(test::apply(io, *driver, 0, test::current_setpoint(-1e-3))->code(), ErrorCode::disconnected);
  EXPECT_EQ(test::safe(io, *driver, 0)->code(), ErrorCode::disconnected);

  ASSERT_FALSE(test::open(io, *driver));
  Sample after = test::sample_ok(io, *driver, 0);
  EXPECT_EQ(after.t_s, 2.0);
  EXPECT_NEAR(after.current_A, 0.0, 1e-9 + 6 * driver->cell(0).params().noise_current_A)
      << "a reconnected channel starts with its output off";
  ASSERT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(-1e-3)));
  EXPECT_NEAR(test::sample_ok(io, *driver, 0).current_A, -1e-3, 1e-5);
  EXPECT_FALSE(test::safe(io, *driver, 0));
}

TEST(SimFaults, ACorruptReadingIsFlaggedAndHoldsGarbageAtItsScheduledTime) {
  io_context io;
  auto driver = faulty(io, {{{"kind", "corrupt"}, {"at_s", 2}}});
  for (int t = 1; t <= 4; ++t) {
    Sample s = test::sample_ok(io, *driver, 0);
    ASSERT_EQ(s.t_s, t);
    EXPECT_EQ(s.has(sample_flag::corrupt), t == 2) << "t = " << t;
    if (t == 2) {
      EXPECT_GT(s.voltage_V, 1e30);
    } else {
      EXPECT_LT(s.voltage_V, 10.0);
    }
  }
}

TEST(SimFaults, AVoltageExcursionSpikesBeyondTheWindowForItsDuration) {
  io_context io;
  auto driver = faulty(io, {{{"kind", "excursion"}, {"at_s", 3}, {"duration_s", 1}},
                            {{"kind", "excursion"}, {"at_s", 6}, {"voltage_V", -2.5}}});
  double v_max = driver->cell(0).params().v_max_V;
  for (int t = 1; t <= 7; ++t) {
    Sample s = test::sample_ok(io, *driver, 0);
    ASSERT_EQ(s.t_s, t);
    EXPECT_FALSE(s.has(sample_flag::corrupt)) << "an excursion looks like a real reading";
    if (t == 3 || t == 4) {
      EXPECT_GT(s.voltage_V, v_max) << "t = " << t;
    } else if (t == 6) {
      EXPECT_EQ(s.voltage_V, -2.5);
    } else {
      EXPECT_LE(s.voltage_V, v_max) << "t = " << t;
    }
  }
}

std::vector<bool> corrupt_pattern(std::uint64_t seed, std::size_t channel) {
  io_context io;
  auto driver = faulty(io, {{{"kind", "corrupt"}, {"probability", 0.2}, {"channel", 1}}},
                       "channels=2&seed=" + std::to_string(seed));
  if (channel != 0) test::apply(io, *driver, channel, test::current_setpoint(-1e-3, 1.0));
  std::vector<bool> pattern;
  for (int i = 0; i < 300; ++i) pattern.push_back(test::sample_ok(io, *driver, channel).has(sample_flag::corrupt));
  return pattern;
}

TEST(SimFaults, SeededRandomFaultsRepeatWithTheSeedAndStayOnTheirChannel) {
  auto pattern = corrupt_pattern(5, 1);
  auto hits = std::count(pattern.begin(), pattern.end(), true);
  EXPECT_GT(hits, 30);
  EXPECT_LT(hits, 90);
  EXPECT_EQ(corrupt_pattern(5, 1), pattern);
  EXPECT_NE(corrupt_pattern(6, 1), pattern);
  auto other = corrupt_pattern(5, 0);
  EXPECT_EQ(std::count(other.begin(), other.end(), true), 0);
}

}  // namespace
}  // namespace cyclerd

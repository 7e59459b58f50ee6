// The sim driver's Asio side: virtual clock, pacing, limits, snapshots, EIS and its configuration errors.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include <boost/asio/io_context.hpp>

#include "drivers/registry.hpp"
#include "drivers/sim/sim_driver.hpp"
#include "tests/drivers/driver_test_support.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;

std::unique_ptr<SimDriver> sim_driver(io_context& io, const std::string& uri,
                                      nlohmann::json options = nlohmann::json::object()) {
  return std::make_unique<SimDriver>(io.get_executor(), DriverConfig{"sim-1", uri, std::move(options)});
}

void expect_same(const Sample& a, const Sample& b) {
  EXPECT_EQ(a.t_s, b.t_s);
  EXPECT_EQ(a.voltage_V, b.voltage_V);
  EXPECT_EQ(a.current_A, b.current_A);
  EXPECT_EQ(a.temperature_C, b.temperature_C);
  EXPECT_EQ(a.flags, b.flags);
}

TEST(SimDriver, AtMaxSpeedAConstantCurrentDischargeLandsOnItsStopLimit) {
  io_context io;
  auto driver = sim_driver(io, "sim://zns-znse?seed=1&mass_mg=1");
  EXPECT_FALSE(driver->speed().has_value()) << "max is the default";
  ASSERT_FALSE(test::open(io, *driver));
  const double limit_V = 0.5;
  Setpoint discharge = test::current_setpoint(-2e-3, 10.0);  // 2 A/g
  discharge.stop_below_V = limit_V;
  ASSERT_FALSE(test::apply(io, *driver, 0, discharge));

  auto started = std::chrono::steady_clock::now();
  Sample landed;
  double previous_t = 0;
  int readings = 0;
  for (; readings < 20000 && !landed.has(sample_flag::limit_reached); ++readings) {
    landed = test::sample_ok(io, *driver, 0);
    ASSERT_GT(landed.t_s, previous_t);
    if (!landed.has(sample_flag::limit_reached)) {  // every reading before the landing is a full period
      EXPECT_DOUBLE_EQ(landed.t_s - previous_t, 10.0);
      EXPECT_GT(landed.voltage_V, limit_V - 1e-3);
    }
    previous_t = landed.t_s;
  }
  ASSERT_TRUE(landed.has(sample_flag::limit_reached)) << "no limit after " << readings << " readings";
  double noise = driver->cell(0).params().noise_voltage_V;
  EXPECT_NEAR(landed.voltage_V, limit_V, std::max(1e-6, 6 * noise));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5)) << "max speed is not paced";
  // After landing, the cell rests until the next setpoint.
  EXPECT_NEAR(test::sample_ok(io, *driver, 0).current_A, 0.0, 1e-9 + 6 * driver->cell(0).params().noise_current_A);
}

TEST(SimDriver, AFiniteSpeedPacesTheWallClock) {
  io_context io;
  auto driver = sim_driver(io, "sim://zns-znse?seed=1", {{"speed", 10}});
  ASSERT_EQ(driver->speed(), 10.0);
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::rest_setpoint(0.5)));
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) test::sample_ok(io, *driver, 0);  // 2 simulated seconds
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(150));
}

TEST(SimDriver, SpeedRealtimeIsOneSimulatedSecondPerWallSecond) {
  io_context io;
  EXPECT_EQ(sim_driver(io, "sim://zns-znse", {{"speed", "realtime"}})->speed(), 1.0);
  EXPECT_EQ(sim_driver(io, "sim://zns-znse?speed=20000")->speed(), 20000.0);
}

TEST(SimDriver, SnapshotAndRestoreContinueIdentically) {
  io_context io;
  const std::string uri = "sim://zns-znse?seed=3&mass_mg=1.5";
  nlohmann::json options = {{"faults", {{{"kind", "corrupt"}, {"probability", 0.3}}}}};
  auto original = sim_driver(io, uri, options);
  ASSERT_FALSE(test::open(io, *original));
  ASSERT_FALSE(test::apply(io, *original, 0, test::current_setpoint(-1e-3, 5.0)));
  for (int i = 0; i < 5; ++i) test::sample_ok(io, *original, 0);
  auto state = original->snapshot(0);
  ASSERT_TRUE(state.has_value());
  std::vector<Sample> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(test::sample_ok(io, *original, 0));

  auto clone = sim_driver(io, uri, options);
  ASSERT_FALSE(test::open(io, *clone));
  clone->restore(0, nlohmann::json::parse(state->dump()));  // through text, as the database stores it
  int corrupt = 0;
  for (const Sample& want : expected) {
    Sample got = test::sample_ok(io, *clone, 0);
    expect_same(got, want);
    corrupt += got.has(sample_flag::corrupt);
  }
  EXPECT_GT(corrupt, 0) << "the fault stream is part of the snapshot";
}

TEST(SimDriver, RestoreRefusesSomethingThatIsNotASnapshot) {
  io_context io;
  auto driver = sim_driver(io, "sim://zns-znse");
  EXPECT_THROW(driver->restore(0, nlohmann::json{{"voltage", 3}}), Error);
}

TEST(SimDriver, ImpedanceIsMeasuredWithoutMovingTheClock) {
  io_context io;
  auto driver = sim_driver(io, "sim://zns-znse?seed=1");
  ASSERT_FALSE(test::open(io, *driver));
  Setpoint eis;
  eis.mode = Mode::eis;
  ASSERT_FALSE(test::apply(io, *driver, 0, eis));
  double t = test::sample_ok(io, *driver, 0).t_s;
  EisParams params;
  params.f_start_Hz = 1e5;
  params.f_end_Hz = 1e-1;
  params.points_per_decade = 4;
  auto [error, points] = test::impedance(io, *driver, 0, params);
  ASSERT_FALSE(error) << error->what();
  ASSERT_GE(points.size(), 20u);
  EXPECT_GT(points.front().frequency_Hz, points.back().frequency_Hz);
  for (const auto& p : points) EXPECT_GT(p.z_ohm.real(), 0);
  EXPECT_EQ(driver->cell(0).time_s(), t);
}

TEST(SimDriver, ChannelsAreIndependentCells) {
  io_context io;
  auto driver = sim_driver(io, "sim://zns-znse?seed=1&channels=3");
  ASSERT_EQ(driver->channel_count(), 3u);
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 1, test::current_setpoint(-1e-3)));
  for (int i = 0; i < 3; ++i) test::sample_ok(io, *driver, 1);
  EXPECT_EQ(driver->cell(0).time_s(), 0.0);
  EXPECT_EQ(driver->cell(1).time_s(), 3.0);
  EXPECT_NE(driver->cell(1).mean_soc(), driver->cell(0).mean_soc());
}

TEST(SimDriver, LoadCellGivesAChannelAFreshCellOfAnotherMass) {
  io_context io;
  auto driver = sim_driver(io, "sim://zns-znse?seed=1&mass_mg=1");
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(-1e-3)));
  test::sample_ok(io, *driver, 0);
  driver->load_cell(0, sim::load_preset("zns-znse"), 4e-3);
  EXPECT_EQ(driver->cell(0).active_mass_g(), 4e-3);
  EXPECT_EQ(driver->cell(0).time_s(), 0.0);
  EXPECT_DOUBLE_EQ(driver->capabilities(0).i_max_A, 0.2) << "50 A/g of 4 mg";
}

void expect_bad(const std::string& uri, nlohmann::json options, const std::vector<std::string>& named) {
  io_context io;
  try {
    make_driver("sim", io.get_executor(), {"sim-1", uri, std::move(options)});
    ADD_FAILURE() << uri << ": no error";
  } catch (const Error& e) {
    std::string text = e.what();
    for (const auto& word : named) EXPECT_NE(text.find(word), std::string::npos) << uri << ": " << text;
  }
}

TEST(SimDriver, BadUrisAndOptionsNameTheFieldAndTheValue) {
  expect_bad("sim://unobtainium", {}, {"preset", "unobtainium", "zns-znse"});
  expect_bad("sim://", {}, {"preset"});
  expect_bad("sim://zns-znse?seed=-1", {}, {"seed", "-1"});
  expect_bad("sim://zns-znse?seed=abc", {}, {"seed", "abc"});
  expect_bad("sim://zns-znse?mass_mg=-3", {}, {"mass_mg", "-3"});
  expect_bad("sim://zns-znse?channels=0", {}, {"channels", "0"});
  expect_bad("sim://zns-znse?colour=blue", {}, {"colour"});
  expect_bad("sim://zns-znse", {{"speed", "warp"}}, {"speed", "warp"});
  expect_bad("sim://zns-znse", {{"speed", -5}}, {"speed", "-5"});
  expect_bad("sim://zns-znse", {{"volume", 11}}, {"volume"});
  expect_bad("tcp://zns-znse", {}, {"tcp"});
  expect_bad("sim://zns-znse", {{"faults", {{{"kind", "meltdown"}, {"at_s", 1}}}}}, {"faults[0]", "meltdown"});
  expect_bad("sim://zns-znse", {{"faults", {{{"kind", "timeout"}}}}}, {"faults[0]", "at_s"});
  expect_bad("sim://zns-znse", {{"faults", {{{"kind", "timeout"}, {"at_s", 1}, {"channel", 4}}}}}, {"channel 4"});
}

}  // namespace
}  // namespace cyclerd

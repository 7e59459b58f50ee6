// The contract's shared pieces: capabilities, setpoint checks, default snapshots, URIs and settings.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "drivers/test-latency/test_latency_driver.hpp"
#include "drivers/uri.hpp"

namespace cyclerd {
namespace {

Capabilities bench_caps() {
  Capabilities caps;
  caps.modes = {Mode::rest, Mode::current, Mode::sweep};
  caps.v_min_V = 0;
  caps.v_max_V = 3;
  caps.i_max_A = 0.01;
  caps.min_sample_period_s = 0.1;
  return caps;
}

TEST(Capabilities, SupportsExactlyTheListedModes) {
  Capabilities caps = bench_caps();
  EXPECT_TRUE(caps.supports(Mode::current));
  EXPECT_FALSE(caps.supports(Mode::eis));
  EXPECT_FALSE(Capabilities{}.supports(Mode::rest));
}

TEST(CheckSetpoint, AcceptsWhatTheChannelCanDoAndSaysWhyNot) {
  Capabilities caps = bench_caps();
  Setpoint sp;
  sp.mode = Mode::current;
  sp.value = -0.005;
  EXPECT_FALSE(check_setpoint(caps, sp));

  sp.value = 0.02;
  auto error = check_setpoint(caps, sp);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::out_of_range);
  EXPECT_NE(std::string(error->what()).find("0.02"), std::string::npos) << error->what();

  sp.value = 0.001;
  sp.sample_period_s = 0.01;
  EXPECT_EQ(check_setpoint(caps, sp)->code(), ErrorCode::invalid_input);

  Setpoint voltage;
  voltage.mode = Mode::voltage;
  EXPECT_EQ(check_setpoint(caps, voltage)->code(), ErrorCode::invalid_state) << "voltage mode is not listed";

  Setpoint sweep;
  sweep.mode = Mode::sweep;
  sweep.sweep = {2.0, {0.01, 3.0}, 2e-3, 1};
  EXPECT_FALSE(check_setpoint(caps, sweep));
  sweep.sweep.vertices_V = {0.01, 3.5};
  EXPECT_EQ(check_setpoint(caps, sweep)->code(), ErrorCode::out_of_range);
  sweep.sweep = {2.0, {0.01, 3.0}, 0.0, 1};
  EXPECT_EQ(check_setpoint(caps, sweep)->code(), ErrorCode::invalid_input) << "a sweep needs a scan rate";

  Setpoint rest;
  rest.stop_below_V = 2.0;
  rest.stop_above_V = 1.0;
  EXPECT_EQ(check_setpoint(caps, rest)->code(), ErrorCode::invalid_input);
}

TEST(CheckEis, RefusesNonPositiveParameters) {
  EXPECT_FALSE(check_eis(EisParams{}));
  EXPECT_TRUE(check_eis(EisParams{1e5, 0.0, 10, 5e-3}));
  EXPECT_TRUE(check_eis(EisParams{1e5, 1e-2, 0, 5e-3}));
}

TEST(Driver, WithoutSnapshotSupportSnapshotIsEmptyAndRestoreIsInvalidState) {
  boost::asio::io_context io;
  TestLatencyDriver driver(io.get_executor(), {"t", "test-latency://", {}});
  EXPECT_FALSE(driver.capabilities(0).can_snapshot);
  EXPECT_FALSE(driver.snapshot(0).has_value());
  try {
    driver.restore(0, nlohmann::json::object());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_state);
    EXPECT_NE(std::string(e.what()).find("test-latency"), std::string::npos) << e.what();
  }
}

TEST(DriverUri, SplitsSchemeTargetAndDecodedQuery) {
  auto uri = DriverUri::parse("serial:///dev/ttyUSB0?baud=115200&name=cell%20A&flag");
  EXPECT_EQ(uri.scheme, "serial");
  EXPECT_EQ(uri.target, "/dev/ttyUSB0");
  EXPECT_EQ(uri.query.at("baud"), "115200");
  EXPECT_EQ(uri.query.at("name"), "cell A");
  EXPECT_EQ(uri.query.at("flag"), "");
  EXPECT_EQ(DriverUri::parse("sim://zns-znse").query.size(), 0u);
}

TEST(DriverUri, RefusesTextThatIsNotAUriAndRepeatedKeys) {
  EXPECT_THROW(DriverUri::parse("zns-znse"), Error);
  EXPECT_THROW(DriverUri::parse("sim://x?seed=1&seed=2"), Error);
  EXPECT_THROW(DriverUri::parse("sim://x?name=%zz"), Error);
}

TEST(DriverSettings, OptionsOverrideTheUriAndUnknownKeysAreNamed) {
  DriverSettings settings({"ch", "test-latency://?seed=1&latency_ms=5", {{"seed", 9}}}, "test-latency");
  EXPECT_EQ(settings.unsigned_integer("seed"), 9u);
  EXPECT_EQ(settings.number("latency_ms"), 5.0);
  EXPECT_EQ(settings.number("jitter_ms"), std::nullopt);
  EXPECT_NO_THROW(settings.finish());

  DriverSettings extra({"ch", "test-latency://?seed=1&sede=2", {}}, "test-latency");
  extra.unsigned_integer("seed");
  try {
    extra.finish();
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string text = e.what();
    EXPECT_NE(text.find("\"sede\""), std::string::npos) << text;
    EXPECT_NE(text.find("known: seed"), std::string::npos) << text;
  }
}


}  // namespace
}  // namespace cyclerd

// The methodscript driver's scripts with the channel's safety limits, and what it does with a script
// that left its loop at one, against recorded exchanges on a scripted instrument.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "drivers/methodscript/methodscript_driver.hpp"
#include "tests/drivers/driver_test_support.hpp"
#include "tests/drivers/methodscript/transcript_fixture.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;
using test::cell_off_exchange;
using test::header;
using test::open_exchange;
using test::rest_script;
using test::script_end;
using test::tested_package_body;
using test::Transcript;

// A driver on the scripted device with `options` (model and timeout added), opened.
std::unique_ptr<MethodscriptDriver> open_with(io_context& io, test::ScriptedDevice& device, nlohmann::json options,
                                              ChannelSafetyLimits limits = {}) {
  options["model"] = "emstat4-hr";
  options["timeout_ms"] = 2000;
  auto driver = std::make_unique<MethodscriptDriver>(io.get_executor(), DriverConfig{"ms-limits", device.uri(), options, limits});
  device.play(open_exchange);
  if (auto e = test::open(io, *driver)) ADD_FAILURE() << e->what();
  for (const auto& problem : device.finish()) ADD_FAILURE() << problem;
  return driver;
}

const std::string charge_script = header(6) + R"(
> set_range db 500u
> set_autoranging db 500u 500u
> set_i 0
> cell_on
> timer_start
> meas_loop_cp p c 500u 1 1M
)";

TEST_F(Transcript, ConstantCurrentLeavesItsLoopPastTheChannelsPotentialLimits) {
  auto driver = open_with(io_, device_, nlohmann::json::object(), ChannelSafetyLimits{-0.1, 3.2, std::nullopt});
  device_.play(charge_script + tested_package_body("p", "3200m", "-100m") + script_end + R"(
< e
)");
  ASSERT_FALSE(test::apply(io_, *driver, 0, test::current_setpoint(5e-4, 1.0)));
  expect_transcript_played();
}

TEST_F(Transcript, URIKeysOverrideTheChannelsLimitsAndIMaxAddsACurrentTestToAHold) {
  auto driver = open_with(io_, device_, {{"v_max", 2.5}, {"i_max", 0.01}}, ChannelSafetyLimits{-0.1, 3.2, 0.1});
  device_.play(charge_script + tested_package_body("p", "2500m", "-100m") + script_end + R"(
< e
)");
  ASSERT_FALSE(test::apply(io_, *driver, 0, test::current_setpoint(5e-4, 1.0)));
  expect_transcript_played();
  device_.play(R"(
>
> Z
< Z
< *
<
)" + header(2) + R"(
> set_range ba 200m
> set_autoranging ba 100n 200m
> set_e 10m
> cell_on
> timer_start
> meas_loop_ca p c 10m 1 1M
)" + tested_package_body("c", "10m", "-10m") + script_end + R"(
< e
)");
  Setpoint hold;
  hold.mode = Mode::voltage;
  hold.value = 0.01;
  ASSERT_FALSE(test::apply(io_, *driver, 0, hold));
  expect_transcript_played();
}

TEST_F(Transcript, LimitsTheModelCannotHoldAreRefusedNamingTheWindow) {
  try {
    MethodscriptDriver lr(io_.get_executor(), DriverConfig{"ms-lr", device_.uri(), {{"model", "emstat4-lr"}, {"v_max", 3.5}}});
    FAIL() << "accepted v_max 3.5 V on a 3 V instrument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_input);
    EXPECT_NE(std::string(e.what()).find("window"), std::string::npos) << e.what();
  }
}

TEST_F(Transcript, AScriptThatLeftItsLoopAtALimitFailsTheNextReadNamingTheLimitAndTheValue) {
  auto driver = open_with(io_, device_, nlohmann::json::object(), ChannelSafetyLimits{-0.1, 3.2, std::nullopt});
  // 3.1 V, then 3.25 V: past v_max, the script leaves its loop (`*`), switches the cell off and ends.
  device_.play(charge_script + tested_package_body("p", "3200m", "-100m") + script_end + R"(
< e
< M0008
< Peb80F4240u;ab82F4D60u;ba807A120n
< Peb81E8480u;ab8319750u;ba807A120n
< *
<
)");
  ASSERT_FALSE(test::apply(io_, *driver, 0, test::current_setpoint(5e-4, 1.0)));
  Sample within = test::sample_ok(io_, *driver, 0);
  Sample past = test::sample_ok(io_, *driver, 0);
  EXPECT_DOUBLE_EQ(within.voltage_V, 3.1);
  EXPECT_DOUBLE_EQ(past.voltage_V, 3.25) << "the engine sees the reading that ended the loop";
  auto [error, ignored] = test::next_sample(io_, *driver, 0);
  expect_transcript_played();
  ASSERT_TRUE(error) << "the setpoint was restarted instead of reporting the limit";
  EXPECT_EQ(error->code(), ErrorCode::instrument_fault);
  EXPECT_NE(std::string(error->what()).find("3.25 V above v_max 3.2 V"), std::string::npos) << error->what();
  // The script has ended: Z finds nothing running, and safe() still switches the cell off.
  device_.play(std::string(R"(
>
> Z
< Z!0006)") + cell_off_exchange);
  auto safe = test::safe(io_, *driver, 0);
  expect_transcript_played();
  EXPECT_FALSE(safe) << safe->what();
}

TEST_F(Transcript, AStepThatEndsOnTheSamplePastTheLimitGoesOnWithTheNextSetpoint) {
  auto driver = open_with(io_, device_, nlohmann::json::object(), ChannelSafetyLimits{-0.1, 3.2, std::nullopt});
  device_.play(charge_script + tested_package_body("p", "3200m", "-100m") + script_end + R"(
< e
< M0008
< Peb80F4240u;ab8319750u;ba807A120n
)");
  ASSERT_FALSE(test::apply(io_, *driver, 0, test::current_setpoint(5e-4, 1.0)));
  EXPECT_DOUBLE_EQ(test::sample_ok(io_, *driver, 0).voltage_V, 3.25);
  expect_transcript_played();
  // The engine ends the step on that sample and rests: the limit was its answer, not a fault.
  device_.play(R"(
>
> Z
< *
<
< Z!0006
)" + rest_script() + R"(
< e
< M000A
< Peb80F4240u;ab82DC6C0u
)");
  ASSERT_FALSE(test::apply(io_, *driver, 0, test::rest_setpoint(1)));
  auto [error, s] = test::next_sample(io_, *driver, 0);
  expect_transcript_played();
  ASSERT_FALSE(error) << error->what();
  EXPECT_DOUBLE_EQ(s.voltage_V, 3.0);
}

}  // namespace
}  // namespace cyclerd

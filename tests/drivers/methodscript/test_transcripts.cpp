// The methodscript driver's exchanges for the basic operations, against recorded request/reply pairs
// played by a scripted instrument on a real pseudo-terminal.
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
using test::package_body;
using test::rest_script;
using test::script_end;
using test::tested_package_body;
using test::Transcript;

TEST_F(Transcript, OpenChecksTheFirmwareAgainstTheModel) {
  // SetUp opened an EmStat4 HR. A channel configured as an LR refuses the same answer.
  MethodscriptDriver lr(io_.get_executor(), DriverConfig{"ms-lr", device_.uri(), {{"model", "emstat4-lr"}}});
  device_.play(open_exchange);
  auto error = test::open(io_, lr);
  expect_transcript_played();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::instrument_fault);
  EXPECT_NE(std::string(error->what()).find("emstat4-lr"), std::string::npos) << error->what();
}

TEST_F(Transcript, ConstantCurrentRunsChronopotentiometryAndStreamsSamples) {
  device_.play(header(6) + R"(
> set_range db 50u
> set_autoranging db 50u 50u
> set_i 0
> cell_on
> timer_start
> meas_loop_cp p c -50u 1 1M
)" + tested_package_body("p", "6", "-6") + script_end + R"(
< e
< M0008
< Peb80F4240u;ab816E360u;ba5050F80p,10,20B
< Peb81E8480u;ab816E16Cu;ba5050F80p,10,20B
)");
  auto error = test::apply(io_, *driver_, 0, test::current_setpoint(-50e-6, 1.0));
  ASSERT_FALSE(error) << error->what();
  Sample s1 = test::sample_ok(io_, *driver_, 0);
  Sample s2 = test::sample_ok(io_, *driver_, 0);
  expect_transcript_played();
  EXPECT_DOUBLE_EQ(s1.t_s, 1.0);
  EXPECT_DOUBLE_EQ(s1.voltage_V, 1.5);
  EXPECT_DOUBLE_EQ(s1.current_A, -50e-6);
  EXPECT_TRUE(s1.has(sample_flag::setpoint_start));
  EXPECT_DOUBLE_EQ(s2.t_s, 2.0);
  EXPECT_DOUBLE_EQ(s2.voltage_V, 1.4995);
  EXPECT_FALSE(s2.has(sample_flag::setpoint_start));
}

TEST_F(Transcript, HoldRunsChronoamperometryAtThePotential) {
  device_.play(header(2) + R"(
> set_range ba 200m
> set_autoranging ba 100n 200m
> set_e 10m
> cell_on
> timer_start
> meas_loop_ca p c 10m 1 1M
)" + package_body + script_end + R"(
< e
< M0007
< Peb80F4240u;da8989680n;ba0D8F200p
)");
  Setpoint hold;
  hold.mode = Mode::voltage;
  hold.value = 0.01;
  ASSERT_FALSE(test::apply(io_, *driver_, 0, hold));
  Sample s = test::sample_ok(io_, *driver_, 0);
  expect_transcript_played();
  EXPECT_DOUBLE_EQ(s.voltage_V, 0.01);
  EXPECT_DOUBLE_EQ(s.current_A, -1.2e-4);
}

TEST_F(Transcript, CvSweepIsLinearSweepsThenACvWithNscansThenAHold) {
  device_.play(header(2) + R"(
> set_range ba 200m
> set_autoranging ba 100n 200m
> set_e 3
> cell_on
> timer_start
> meas_loop_lsv p c 3 10m 2m 2m
)" + package_body + R"(
> meas_loop_lsv p c 10m 3 2m 2m
)" + package_body + R"(
> meas_loop_cv p c 3 10m 3 2m 2m nscans(1)
)" + package_body + R"(
> meas_loop_ca p c 3 1 1M
)" + package_body + script_end + R"(
< e
< M0001
< Peb80F4240u;da82DBEF0u;ba82DC6C0p
< Peb81E8480u;da82DB720u;ba82625A0p
)");
  Setpoint sweep;
  sweep.mode = Mode::sweep;
  sweep.sweep = {3.0, {0.01, 3.0}, 2e-3, 2};
  ASSERT_FALSE(test::apply(io_, *driver_, 0, sweep));
  Sample s1 = test::sample_ok(io_, *driver_, 0);
  Sample s2 = test::sample_ok(io_, *driver_, 0);
  expect_transcript_played();
  EXPECT_DOUBLE_EQ(s1.voltage_V, 2.998);
  EXPECT_DOUBLE_EQ(s2.voltage_V, 2.996);
  EXPECT_DOUBLE_EQ(s2.current_A, 2.5e-6);
}

TEST_F(Transcript, RestMeasuresOpenCircuitAndReportsZeroCurrent) {
  device_.play(rest_script("10") + R"(
< e
< M000A
< Peb80F4240u;ab80B71B0u
)");
  ASSERT_FALSE(test::apply(io_, *driver_, 0, test::rest_setpoint(10)));
  Sample s = test::sample_ok(io_, *driver_, 0);
  expect_transcript_played();
  EXPECT_DOUBLE_EQ(s.voltage_V, 0.75);
  EXPECT_EQ(s.current_A, 0.0);
}

TEST_F(Transcript, ImpedanceMeasuresOpenCircuitThenTheSpectrumAroundIt) {
  device_.play(R"(
> e
> var f
> var r
> var j
> var p
> set_pgstat_chan 0
> set_pgstat_mode 3
> cell_off
> meas_loop_ocp p 100m 1
> endloop
> set_range ba 200m
> set_autoranging ba 100n 200m
> set_e p
> cell_on
> meas_loop_eis f r j 5m 100k 1k 3i p
>   pck_start
>     pck_add f
>     pck_add r
>     pck_add j
>   pck_end
> endloop
)" + std::string(script_end) + R"(
< e
< M000A
< *
< M000D
< PdcDF5E100m;cc80C3500u;cd5050F80n
< Pdc8989680m;cc80F4240u;cd7E17B80u
< Pdc80F4240m;cc97D7840u;cd59DA600u
< *
<
)");
  auto [error, points] = test::impedance(io_, *driver_, 0, EisParams{1e5, 1e3, 1, 5e-3});
  expect_transcript_played();
  ASSERT_FALSE(error) << error->what();
  ASSERT_EQ(points.size(), 3u);
  EXPECT_DOUBLE_EQ(points[0].frequency_Hz, 1e5);
  EXPECT_DOUBLE_EQ(points[0].z_ohm.real(), 0.8);
  EXPECT_DOUBLE_EQ(points[0].z_ohm.imag(), -0.05);
  EXPECT_DOUBLE_EQ(points[2].frequency_Hz, 1e3);
  EXPECT_DOUBLE_EQ(points[2].z_ohm.imag(), -40.0);
}

TEST_F(Transcript, ANewSetpointAbortsTheRunningScriptAndReadsItsTail) {
  device_.play(rest_script() + R"(
< e
< M000A
< Peb80F4240u;ab80B71B0u
)");
  ASSERT_FALSE(test::apply(io_, *driver_, 0, test::rest_setpoint(1)));
  test::sample_ok(io_, *driver_, 0);
  expect_transcript_played();
  // The abort: a flush and Z; the instrument ends the loop, runs on_finished, ends the script.
  device_.play(R"(
>
> Z
< Z
< *
<
)" + header(6) + R"(
> set_range db 1m
> set_autoranging db 1m 1m
> set_i 0
> cell_on
> timer_start
> meas_loop_cp p c 1m 1 1M
)" + tested_package_body("p", "6", "-6") + script_end + R"(
< e
< Peb80F4240u;ab80B7214u;ba80F4240p
)");
  ASSERT_FALSE(test::apply(io_, *driver_, 0, test::current_setpoint(1e-3, 1.0)));
  Sample s = test::sample_ok(io_, *driver_, 0);
  expect_transcript_played();
  EXPECT_DOUBLE_EQ(s.t_s, 2.0) << "the channel clock runs on from the last sample";
  EXPECT_TRUE(s.has(sample_flag::setpoint_start));
}

TEST_F(Transcript, ARefusedScriptIsAnInstrumentFaultQuotingTheLine) {
  device_.play(header(2) + R"(
> set_range ba 200m
> set_autoranging ba 100n 200m
> set_e 10m
> cell_on
> timer_start
> meas_loop_ca p c 10m 1 1M
)" + package_body + script_end + R"(
< e!4003: Line 14, Col 1
)");
  Setpoint hold;
  hold.mode = Mode::voltage;
  hold.value = 0.01;
  auto error = test::apply(io_, *driver_, 0, hold);
  expect_transcript_played();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::instrument_fault);
  std::string text = error->what();
  EXPECT_NE(text.find("0x4003"), std::string::npos) << text;
  EXPECT_NE(text.find("argument out of range"), std::string::npos) << text;
  EXPECT_NE(text.find("meas_loop_ca p c 10m 1 1M"), std::string::npos) << "quotes script line 14: " << text;
}

TEST_F(Transcript, GarbledLinesAreSkippedARuntimeErrorFailsAndSafeSwitchesTheCellOff) {
  device_.play(rest_script() + R"(
< e
< Peb80F4240u;ab80B7#@!
< tes4_hr1100#Jan 28 2022 11:04:43
< Peb80F4240u;ab     nan
< Peb81E8480u;ab80B71B0u
< !000F: Line 11
<
)");
  ASSERT_FALSE(test::apply(io_, *driver_, 0, test::rest_setpoint(1)));
  Sample s = test::sample_ok(io_, *driver_, 0);
  EXPECT_DOUBLE_EQ(s.t_s, 2.0) << "three bad lines skipped, the good one delivered";
  auto [error, ignored] = test::next_sample(io_, *driver_, 0);
  expect_transcript_played();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::instrument_fault);
  EXPECT_NE(std::string(error->what()).find("0x000F (invalid potential)"), std::string::npos) << error->what();
  // The script stopped without on_finished: safe() sends a script that switches the cell off.
  device_.play(cell_off_exchange);
  auto safe = test::safe(io_, *driver_, 0);
  expect_transcript_played();
  EXPECT_FALSE(safe) << safe->what();
}

}  // namespace
}  // namespace cyclerd

// The scpi-smu driver's exchanges for open, constant current, constant voltage, a sweep, rest and safe
// match each model's recorded transcript, replayed over a real pseudo-terminal.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "drivers/registry.hpp"
#include "tests/drivers/driver_test_support.hpp"
#include "tests/drivers/scpi-smu/transcript.hpp"
#include "tests/drivers/transport/fake_instrument.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;
using test::FakeInstrument;
using test::Transcript;

std::string transcript_path(const std::string& model) {
  return std::string(CYCLERD_SOURCE_DIR) + "/tests/drivers/scpi-smu/transcripts/" + model + ".txt";
}

nlohmann::json options_for(const std::string& model) {
  return {{"model", model}, {"v_min", 0}, {"v_max", 3.2}, {"i_max", 0.01}, {"speed", 100},
          {"error_poll", 0}, {"timeout_ms", 1000}, {"sweep_segment_s", 0.005}};
}

class EveryModel : public testing::TestWithParam<std::string> {};

TEST_P(EveryModel, OpenCcCvSweepRestSafeMatchTheRecordedTranscript) {
  io_context io;
  Transcript transcript(transcript_path(GetParam()));
  FakeInstrument instrument(io, FakeInstrument::Kind::pty,
                            [&](const std::string& line) { return transcript.answer(line); });
  auto driver = make_driver("scpi-smu", io.get_executor(), {"smu-1", instrument.uri(), options_for(GetParam())});

  auto open_error = test::open(io, *driver);
  ASSERT_FALSE(open_error) << open_error->what();

  Setpoint cc = test::current_setpoint(-1e-3, 1.0);
  ASSERT_FALSE(test::apply(io, *driver, 0, cc));
  Sample s1 = test::sample_ok(io, *driver, 0);
  EXPECT_DOUBLE_EQ(s1.voltage_V, 1.523);
  EXPECT_DOUBLE_EQ(s1.current_A, -1e-3);
  EXPECT_TRUE(s1.has(sample_flag::setpoint_start));

  Setpoint cv;
  cv.mode = Mode::voltage;
  cv.value = 1.8;
  ASSERT_FALSE(test::apply(io, *driver, 0, cv));
  Sample s2 = test::sample_ok(io, *driver, 0);
  EXPECT_DOUBLE_EQ(s2.voltage_V, 1.8);
  EXPECT_DOUBLE_EQ(s2.current_A, 2.5e-3);
  EXPECT_NEAR(s2.t_s - s1.t_s, 1.0, 1e-9) << "instrument timestamps 12.5 s and 13.5 s";

  Setpoint sweep;
  sweep.mode = Mode::sweep;
  sweep.sweep.start_V = 1.8;
  sweep.sweep.vertices_V = {1.0, 1.8};
  sweep.sweep.scan_rate_V_s = 1e-3;
  sweep.sample_period_s = 0.5;
  // A segment of 0.5 instrument seconds (0.005 wall s at speed 100): a hold and 2 steps of 1/6 s on a
  // Keithley (10 PLC at most), a hold and one step of 0.5 s on the B2901A (2 s aperture); the readings
  // come out one by one.
  ASSERT_FALSE(test::apply(io, *driver, 0, sweep));
  Sample s3 = test::sample_ok(io, *driver, 0);
  EXPECT_DOUBLE_EQ(s3.voltage_V, 1.7995);
  EXPECT_TRUE(s3.has(sample_flag::setpoint_start));
  Sample s3b = test::sample_ok(io, *driver, 0);
  EXPECT_DOUBLE_EQ(s3b.current_A, 1.1e-3);
  EXPECT_NEAR(s3b.t_s - s3.t_s, GetParam() == "keysight-b2901a" ? 0.5 : 1.0 / 6, 1e-5)
      << "the instrument's timestamps (7 digits)";

  ASSERT_FALSE(test::apply(io, *driver, 0, test::rest_setpoint(1.0)));
  Sample s4 = test::sample_ok(io, *driver, 0);
  EXPECT_DOUBLE_EQ(s4.voltage_V, 1.65);
  EXPECT_DOUBLE_EQ(s4.t_s - s1.t_s, 2.5);

  ASSERT_FALSE(test::safe(io, *driver, 0));
  EXPECT_TRUE(transcript.mismatches().empty()) << transcript.mismatches().front();
  EXPECT_TRUE(transcript.finished()) << "only " << transcript.consumed() << " of " << transcript.size()
                                     << " recorded requests were sent";
}

INSTANTIATE_TEST_SUITE_P(ScpiSmu, EveryModel, testing::Values("keithley-2400", "keithley-2450", "keysight-b2901a"),
                         [](const testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param;
                           for (char& c : name) if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace cyclerd

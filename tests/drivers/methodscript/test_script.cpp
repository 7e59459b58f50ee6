// Setpoints as MethodSCRIPT: literals, one technique per mode, the model's limits, and the script's shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "drivers/methodscript/script.hpp"

namespace cyclerd::methodscript {
namespace {

const ModelRow& hr() { return find_model("emstat4-hr", "test"); }

bool has_line(const Script& s, const std::string& line) {
  return std::find(s.lines.begin(), s.lines.end(), line) != s.lines.end();
}

std::size_t index_of(const Script& s, const std::string& line) {
  return static_cast<std::size_t>(std::find(s.lines.begin(), s.lines.end(), line) - s.lines.begin());
}

TEST(Literal, IsAnIntegerWithTheShortestSiPrefix) {
  EXPECT_EQ(literal(0), "0");
  EXPECT_EQ(literal(3.0), "3");
  EXPECT_EQ(literal(0.05), "50m");
  EXPECT_EQ(literal(-0.5), "-500m");
  EXPECT_EQ(literal(5e-5), "50u");
  EXPECT_EQ(literal(2e-3), "2m");
  EXPECT_EQ(literal(1e6), "1M");
  EXPECT_EQ(literal(100e3), "100k");
  EXPECT_EQ(literal(0.01), "10m");
  EXPECT_EQ(literal(1.5e-9), "1500p");
  EXPECT_EQ(literal(1.234567891), "1234567891n");
  EXPECT_THROW(literal(std::nan("")), Error);
}

TEST(SetpointScript, RestMeasuresTheOpenCircuitPotentialWithTheCellOff) {
  Setpoint rest;
  rest.sample_period_s = 10;
  Script s = setpoint_script(rest, hr());
  EXPECT_EQ(s.lines.front(), "e");
  EXPECT_TRUE(has_line(s, "cell_off"));
  EXPECT_FALSE(has_line(s, "cell_on"));
  EXPECT_TRUE(has_line(s, "meas_loop_ocp p 10 1M"));
  EXPECT_EQ(s.lines[s.lines.size() - 2], "on_finished:");
  EXPECT_EQ(s.lines.back(), "  cell_off");
  EXPECT_EQ(s.text().substr(s.text().size() - 2), "\n\n") << "the empty line ends the script";
}

TEST(SetpointScript, ConstantCurrentIsChronopotentiometryWithAFixedAppliedRange) {
  Setpoint cc;
  cc.mode = Mode::current;
  cc.value = -50e-6;
  cc.sample_period_s = 1;
  Script s = setpoint_script(cc, hr());
  EXPECT_TRUE(has_line(s, "set_pgstat_mode 6"));
  EXPECT_TRUE(has_line(s, "set_range db 50u"));
  EXPECT_TRUE(has_line(s, "meas_loop_cp p c -50u 1 1M"));
  EXPECT_LT(index_of(s, "set_i 0"), index_of(s, "cell_on")) << "no current before the loop sets it";
  EXPECT_LT(index_of(s, "cell_on"), index_of(s, "meas_loop_cp p c -50u 1 1M"));
  EXPECT_TRUE(has_line(s, "    pck_add t"));
  EXPECT_TRUE(has_line(s, "    pck_add c"));
}

TEST(SetpointScript, AModelWithoutGalvanostatRefusesConstantCurrent) {
  Setpoint cc;
  cc.mode = Mode::current;
  cc.value = 1e-4;
  try {
    setpoint_script(cc, find_model("emstat-pico", "test"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_state);
    EXPECT_NE(std::string(e.what()).find("galvanostat"), std::string::npos) << e.what();
  }
  cc.value = 1.0;
  EXPECT_THROW(setpoint_script(cc, hr()), Error) << "beyond 200 mA";
}

TEST(SetpointScript, AVoltageHoldIsChronoamperometryInsideTheWindow) {
  Setpoint cv;
  cv.mode = Mode::voltage;
  cv.value = 0.01;
  Script s = setpoint_script(cv, hr());
  EXPECT_TRUE(has_line(s, "set_e 10m"));
  EXPECT_TRUE(has_line(s, "meas_loop_ca p c 10m 1 1M"));
  EXPECT_TRUE(has_line(s, "set_autoranging ba 100n 200m"));
  cv.value = 2.5;
  EXPECT_THROW(setpoint_script(cv, find_model("emstat-pico", "test")), Error) << "above the Pico's 2 V";
}

TEST(SetpointScript, ASweepThatStartsAtItsLastVertexIsOneCvWithNscansThenAHold) {
  Setpoint sw;
  sw.mode = Mode::sweep;
  sw.sweep = {3.0, {0.01, 3.0}, 2e-3, 5};
  sw.sample_period_s = 1;
  Script s = setpoint_script(sw, hr());
  // The first pass: two linear sweeps; four more passes as a CV that begins and ends at 3 V.
  EXPECT_TRUE(has_line(s, "meas_loop_lsv p c 3 10m 2m 2m"));
  EXPECT_TRUE(has_line(s, "meas_loop_lsv p c 10m 3 2m 2m"));
  EXPECT_TRUE(has_line(s, "meas_loop_cv p c 3 10m 3 2m 2m nscans(4)"));
  EXPECT_LT(index_of(s, "meas_loop_cv p c 3 10m 3 2m 2m nscans(4)"), index_of(s, "meas_loop_ca p c 3 1 1M"));
}

TEST(SetpointScript, ASweepWithManyVerticesAndCyclesIsRefusedNotTruncated) {
  Setpoint sw;
  sw.mode = Mode::sweep;
  sw.sweep = {1.0, {0.5, 1.5, 0.2}, 1e-3, 20};
  try {
    setpoint_script(sw, hr());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::out_of_range);
    EXPECT_NE(std::string(e.what()).find("script memory"), std::string::npos) << e.what();
  }
  sw.sweep.cycles = 2;
  EXPECT_NO_THROW(setpoint_script(sw, hr()));
}

TEST(ImpedanceScript, MeasuresOpenCircuitFirstThenTheSpectrumAroundIt) {
  EisParams p{1e5, 1e-2, 10, 5e-3};
  Script s = impedance_script(p, hr());
  EXPECT_EQ(impedance_points(p), 71);
  EXPECT_TRUE(has_line(s, "set_pgstat_mode 3"));
  EXPECT_LT(index_of(s, "meas_loop_ocp p 100m 1"), index_of(s, "set_e p"));
  EXPECT_TRUE(has_line(s, "meas_loop_eis f r j 5m 100k 10m 71i p"));
  p.f_start_Hz = 1e6;
  EXPECT_THROW(impedance_script(p, hr()), Error) << "above 200 kHz";
}

TEST(Models, UnknownModelNamesTheKnownOnes) {
  try {
    find_model("emstat3", "ms-1");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string text = e.what();
    EXPECT_NE(text.find("emstat3"), std::string::npos);
    EXPECT_NE(text.find("emstat4-hr"), std::string::npos);
    EXPECT_NE(text.find("emstat-pico"), std::string::npos);
  }
}

}  // namespace
}  // namespace cyclerd::methodscript

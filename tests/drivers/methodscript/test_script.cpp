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

// The index of the first line at or after `from` that equals `line` (lines.size() if none).
std::size_t next_index(const Script& s, const std::string& line, std::size_t from) {
  return static_cast<std::size_t>(std::find(s.lines.begin() + static_cast<long>(from), s.lines.end(), line) - s.lines.begin());
}

std::size_t count_lines(const Script& s, const std::string& line) {
  return static_cast<std::size_t>(std::count(s.lines.begin(), s.lines.end(), line));
}

std::size_t count_starting(const Script& s, const std::string& prefix) {
  return static_cast<std::size_t>(
      std::count_if(s.lines.begin(), s.lines.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }));
}

Setpoint constant_current(double amps) {
  Setpoint cc;
  cc.mode = Mode::current;
  cc.value = amps;
  cc.sample_period_s = 1;
  return cc;
}

TEST(ScriptLimitTests, ConstantCurrentLeavesItsLoopWhenThePotentialPassesEitherLimit) {
  Script s = setpoint_script(constant_current(5e-4), hr(), ScriptLimits{-0.1, 3.2, std::nullopt});
  const std::size_t loop = index_of(s, "meas_loop_cp p c 500u 1 1M");
  const std::size_t sent = next_index(s, "  pck_end", loop);
  const std::size_t end = next_index(s, "endloop", loop);
  ASSERT_LT(end, s.lines.size());
  // After the package (the host sees the value that ended the loop), before the loop's end.
  const std::size_t above = index_of(s, "  if p > 3200m");
  EXPECT_GT(above, sent);
  EXPECT_EQ(s.lines[above + 1], "    breakloop");
  EXPECT_EQ(s.lines[above + 2], "  elseif p < -100m");
  EXPECT_EQ(s.lines[above + 3], "    breakloop");
  EXPECT_EQ(s.lines[above + 4], "  endif");
  EXPECT_EQ(above + 5, end);
  EXPECT_EQ(count_starting(s, "  if c"), 0u) << "the current is the setpoint: no test on it";
  EXPECT_LT(end, index_of(s, "on_finished:")) << "after the loop, on_finished switches the cell off";
}

TEST(ScriptLimitTests, WithoutConfiguredLimitsConstantCurrentTestsTheModelsWindow) {
  Script hr_script = setpoint_script(constant_current(5e-4), hr());
  EXPECT_TRUE(has_line(hr_script, "  if p > 6"));
  EXPECT_TRUE(has_line(hr_script, "  elseif p < -6"));
  Script lr_script = setpoint_script(constant_current(5e-4), find_model("emstat4-lr", "test"));
  EXPECT_TRUE(has_line(lr_script, "  if p > 3"));
  EXPECT_TRUE(has_line(lr_script, "  elseif p < -3"));
}

TEST(ScriptLimitTests, APotentialHoldTestsTheCurrentOnlyWhenIMaxIsGiven) {
  Setpoint hold;
  hold.mode = Mode::voltage;
  hold.value = 0.01;
  Script limited = setpoint_script(hold, hr(), ScriptLimits{0, 3, 0.01});
  const std::size_t above = index_of(limited, "  if c > 10m");
  ASSERT_LT(above, limited.lines.size());
  EXPECT_GT(above, index_of(limited, "meas_loop_ca p c 10m 1 1M"));
  EXPECT_EQ(limited.lines[above + 1], "    breakloop");
  EXPECT_EQ(limited.lines[above + 2], "  elseif c < -10m");
  EXPECT_EQ(count_starting(limited, "  if p"), 0u) << "the potential is the setpoint: no test on it";
  Script unlimited = setpoint_script(hold, hr(), ScriptLimits{0, 3, std::nullopt});
  EXPECT_EQ(count_starting(unlimited, "  if "), 0u);
  EXPECT_EQ(count_lines(unlimited, "    breakloop"), 0u);
}

TEST(ScriptLimitTests, EveryLoopOfASweepTestsTheCurrent) {
  Setpoint sw;
  sw.mode = Mode::sweep;
  sw.sweep = {1.0, {0.5, 1.5, 0.2}, 1e-3, 2};
  sw.sample_period_s = 1;
  Script s = setpoint_script(sw, hr(), ScriptLimits{0, 3, 5e-3});
  const std::size_t loops = count_starting(s, "meas_loop_");
  EXPECT_GE(loops, 4u) << "linear sweeps and the hold";
  EXPECT_EQ(count_lines(s, "  if c > 5m"), loops);
  EXPECT_EQ(count_lines(s, "    breakloop"), 2 * loops);
}

TEST(ScriptLimitTests, RestAndImpedanceTestNothing) {
  Setpoint rest;
  Script r = setpoint_script(rest, hr(), ScriptLimits{0, 3, 1e-3});
  EXPECT_EQ(count_lines(r, "    breakloop"), 0u);
  Script z = impedance_script(EisParams{1e5, 1e-2, 10, 5e-3}, hr());
  EXPECT_EQ(count_lines(z, "    breakloop"), 0u);
}

TEST(ScriptLimitTests, ResolvedLimitsTakeAbsentPartsFromTheModelAndRefuseImpossibleOnes) {
  ScriptLimits partial = resolve_limits(std::nullopt, 3.2, std::nullopt, hr(), "ms-1");
  EXPECT_EQ(partial.v_min_V, hr().v_min_V);
  EXPECT_EQ(partial.v_max_V, 3.2);
  EXPECT_FALSE(partial.i_max_A);
  auto refused = [](std::optional<double> lo, std::optional<double> hi, std::optional<double> i, const std::string& says) {
    try {
      resolve_limits(lo, hi, i, find_model("emstat4-lr", "test"), "ms-1");
      ADD_FAILURE() << "accepted; expected a refusal that says " << says;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_input);
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused(3.0, 2.0, std::nullopt, "below v_max");
  refused(0.0, 4.0, std::nullopt, "outside the emstat4-lr window");
  refused(std::nullopt, std::nullopt, 0.05, "i_max");
  refused(std::nullopt, std::nullopt, 0.0, "i_max");
}

TEST(ScriptLimitTests, ThePassedLimitIsNamedWithTheReading) {
  ScriptLimits limits{-0.1, 3.2, 0.01};
  EXPECT_FALSE(limit_passed(Mode::current, 3.2, 0.02, limits)) << "at the limit is not past it; current is the setpoint";
  auto above = limit_passed(Mode::current, 3.25, 5e-4, limits);
  ASSERT_TRUE(above);
  EXPECT_NE(above->find("3.25 V above v_max 3.2 V"), std::string::npos) << *above;
  auto below = limit_passed(Mode::current, -0.2, 5e-4, limits);
  ASSERT_TRUE(below);
  EXPECT_NE(below->find("-0.2 V below v_min -0.1 V"), std::string::npos) << *below;
  EXPECT_FALSE(limit_passed(Mode::voltage, 9.0, -0.009, limits)) << "the potential is the setpoint";
  auto current = limit_passed(Mode::sweep, 1.0, -0.015, limits);
  ASSERT_TRUE(current);
  EXPECT_NE(current->find("-0.015 A beyond i_max 0.01 A"), std::string::npos) << *current;
  EXPECT_FALSE(limit_passed(Mode::rest, 9.0, 1.0, limits));
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

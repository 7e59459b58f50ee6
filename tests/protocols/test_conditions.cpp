// Loop conditions, JSON object steps, parameters and resolution against a cell.
#include <gtest/gtest.h>

#include <variant>

#include "core/error.hpp"
#include "protocol_test_support.hpp"
#include "protocols/conditions.hpp"
#include "protocols/parser.hpp"
#include "protocols/resolve.hpp"

namespace cyclerd {
namespace {

TEST(LoopConditions, CapacityBelowAFractionOfAnEarlierCycle) {
  const auto c = parse_loop_conditions("discharge capacity below 80 % of cycle 3", "/steps/1/until");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].metric, CycleMetric::discharge_capacity);
  EXPECT_EQ(c[0].comparison, Comparison::below);
  EXPECT_DOUBLE_EQ(c[0].value, 0.8);
  EXPECT_EQ(c[0].reference, Reference::of_cycle);
  EXPECT_EQ(c[0].reference_cycle, 3);
  EXPECT_EQ(c[0].pointer, "/steps/1/until");
}

TEST(LoopConditions, OrJoinsAbsoluteSpecificEfficiencyAndVoltageClauses) {
  const auto c = parse_loop_conditions(
      "charge capacity < 0.2 mAh or discharge capacity below 100 mAh/g or coulombic efficiency below 95 % "
      "or voltage below 0.01 V or Discharge Capacity below 50 % of first cycle",
      "/x");
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0].metric, CycleMetric::charge_capacity);
  EXPECT_DOUBLE_EQ(c[0].value, 0.2e-3);
  EXPECT_EQ(c[0].reference, Reference::absolute);
  EXPECT_EQ(c[1].reference, Reference::per_gram);
  EXPECT_DOUBLE_EQ(c[1].value, 100);
  EXPECT_EQ(c[2].metric, CycleMetric::coulombic_efficiency);
  EXPECT_DOUBLE_EQ(c[2].value, 0.95);
  EXPECT_EQ(c[3].metric, CycleMetric::voltage);
  EXPECT_DOUBLE_EQ(c[3].value, 0.01);
  EXPECT_EQ(c[4].reference_cycle, 1);
}

TEST(LoopConditions, RefusesUnknownMetricsAndBadReferences) {
  for (const char* bad : {"capacity fade below 80 %", "discharge capacity below 80 % of cycle three",
                          "voltage below 80 % of cycle 3", "discharge capacity", "discharge capacity below 3 V"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW((void)parse_loop_conditions(bad, "/p"), Error);
  }
}

TEST(ObjectSteps, EachKindReadsItsKeys) {
  const ParseResult r = parse_protocol(R"({
    "name": "objects",
    "steps": [
      {"kind": "rest", "duration": "1 h"},
      {"kind": "cc", "current": "-2 mA", "until": ["0.01 V", "5 h"], "record": {"every": "2 s"}},
      {"kind": "cv", "voltage": "3 V", "until": "0.01 A/g"},
      {"kind": "cccv", "current": "C/5", "voltage": "3 V", "until": "C/50"},
      {"kind": "sweep", "start": "3 V", "vertices": ["0.01 V", "3 V"], "scan_rate": "1 mV/s", "cycles": 3},
      {"kind": "pulse", "current": "-0.1 A/g", "pulse": "10 min", "relax": "1 h", "until": "0.01 V"},
      {"kind": "eis", "f_start": "10 kHz", "f_end": "0.1 Hz", "amplitude": "10 mV", "points_per_decade": 5},
      {"kind": "loop", "count": 3, "until": "discharge capacity below 80 % of cycle 1", "steps": ["Rest for 1 s"]}
    ]})");
  ASSERT_TRUE(r.ok()) << test::describe(r.errors);
  const auto& s = r.protocol->steps;
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s[0].until.at(0).pointer, "/steps/0/duration");
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(s[1].body).current.value, -2e-3);
  EXPECT_EQ(s[1].until.at(1).pointer, "/steps/1/until/1");
  EXPECT_EQ(s[1].record.every_s, 2.0);
  EXPECT_EQ(s[1].record.pointer, "/steps/1/record");
  EXPECT_EQ(s[2].record.every_s, 1.0);  // DESIGN.md's default: one record per second
  EXPECT_EQ(std::get<Cccv>(s[3].body).current.unit, CurrentUnit::c_rate);
  EXPECT_EQ(std::get<Sweep>(s[4].body).cycles, 3);
  EXPECT_EQ(std::get<Pulse>(s[5].body).relax_until.at(0).threshold, 3600.0);
  EXPECT_EQ(std::get<Eis>(s[6].body).params.points_per_decade, 5);
  const auto& loop = std::get<Loop>(s[7].body);
  EXPECT_EQ(loop.count, 3);
  EXPECT_EQ(loop.until.at(0).reference_cycle, 1);
  EXPECT_EQ(loop.steps.at(0).pointer, "/steps/7/steps/0");
}

TEST(Parameters, DefaultsSubstituteAndOverridesReplaceThem) {
  const char* text = R"({"name": "p", "parameters": {"rate": {"default": "0.05 A/g"}, "n": {"default": 2}},
    "steps": [{"kind": "loop", "count": "${n}", "steps": ["Discharge at ${rate} until 0.01 V"]}]})";
  const ParseResult defaults = parse_protocol(text);
  ASSERT_TRUE(defaults.ok()) << test::describe(defaults.errors);
  const auto& loop = std::get<Loop>(defaults.protocol->steps[0].body);
  EXPECT_EQ(loop.count, 2);
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(loop.steps[0].body).current.value, -0.05);

  const ParseResult custom = parse_protocol(text, {"rate=2 mA", "n = 7"});
  ASSERT_TRUE(custom.ok()) << test::describe(custom.errors);
  const auto& loop2 = std::get<Loop>(custom.protocol->steps[0].body);
  EXPECT_EQ(loop2.count, 7);
  EXPECT_EQ(std::get<ConstantCurrent>(loop2.steps[0].body).current.unit, CurrentUnit::ampere);
  const auto& params = custom.protocol->parameters;
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[1].name, "rate");  // sorted by name
  EXPECT_EQ(params[1].value_text, "2 mA");
  EXPECT_EQ(params[1].default_text, "0.05 A/g");
}

TEST(Parameters, ABareNumberOverrideTakesTheUnitItsDefaultIsWrittenIn) {
  const char* text = R"({"name": "p", "parameters": {"v_min": {"default": "0.01 V"}, "i": {"default": "500 mA"},
    "rate": {"default": "C/10"}, "n": {"default": 2}},
    "steps": [{"kind": "loop", "count": "${n}", "steps": ["Discharge at ${i} until ${v_min}"]}]})";
  const ParseResult r = parse_protocol(text, {"v_min=0.2", "i=200", "n=3"});
  ASSERT_TRUE(r.ok()) << test::describe(r.errors);
  const auto& loop = std::get<Loop>(r.protocol->steps[0].body);
  EXPECT_EQ(loop.count, 3);
  const auto& step = loop.steps[0];
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(step.body).current.value, -0.2);  // 200 mA, not 200 A
  EXPECT_DOUBLE_EQ(step.until.at(0).threshold, 0.2);
  // A C-rate default has no unit to lend: the bare number stays as written.
  const ParseResult c_rate = parse_protocol(text, {"rate=5"});
  ASSERT_TRUE(c_rate.ok()) << test::describe(c_rate.errors);
  for (const auto& p : c_rate.protocol->parameters) {
    if (p.name == "rate") {
      EXPECT_EQ(p.value_text, "5");
    }
  }
}

TEST(Resolve, TurnsSpecificCurrentsAndCRatesIntoAmperes) {
  const ParseResult r = parse_protocol(R"({"name": "r", "safety": {"i_max": "50 A/g"}, "steps": [
    "Discharge at 0.05 A/g until 0.01 V", "Charge at C/2 until 3 V", "Hold at 3 V until 0.01 A/g",
    {"kind": "loop", "until": "discharge capacity below 100 mAh/g", "steps": ["Charge at 2 mA for 1 h"]}]})");
  ASSERT_TRUE(r.ok()) << test::describe(r.errors);
  const Protocol p = resolve(*r.protocol, test::small_cell());
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(p.steps[0].body).current.value, -0.05e-3);
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(p.steps[1].body).current.value, 0.25e-3);
  EXPECT_DOUBLE_EQ(p.steps[2].until[0].threshold, 0.01e-3);
  EXPECT_EQ(p.steps[2].until[0].current_unit, CurrentUnit::ampere);
  EXPECT_DOUBLE_EQ(p.safety.i_max->value, 0.05);
  const auto& loop = std::get<Loop>(p.steps[3].body);
  EXPECT_EQ(loop.until[0].reference, Reference::absolute);
  EXPECT_DOUBLE_EQ(loop.until[0].value, 0.1e-3);  // 100 mAh/g x 1 mg
}

TEST(Resolve, ACellWithoutAMassCannotResolveAmperesPerGram) {
  const ParseResult r = parse_protocol(R"({"name": "r", "steps": ["Rest for 1 s", "Discharge at 0.05 A/g until 0.01 V"]})");
  ASSERT_TRUE(r.ok());
  try {
    (void)resolve(*r.protocol, CellInfo{std::nullopt, 1e-3});
    FAIL() << "resolved without a mass";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "/steps/1");
  }
}

}  // namespace
}  // namespace cyclerd

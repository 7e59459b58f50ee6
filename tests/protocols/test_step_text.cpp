// The one-line step grammar: each example of the issue, and more, parsed to the right kind, values and
// end conditions; and the lines it refuses, with the fragment quoted.
#include <gtest/gtest.h>

#include <functional>
#include <variant>

#include "core/error.hpp"
#include "protocols/step_text.hpp"

namespace cyclerd {
namespace {

struct End {
  Measure measure;
  Comparison comparison;
  double threshold;
  CurrentUnit unit = CurrentUnit::ampere;
};

struct Case {
  const char* line;
  StepKind kind;
  std::vector<End> ends;
  std::function<void(const Step&)> body;  // checks of the kind's own values
};

void expect_current(const CurrentSpec& c, double value, CurrentUnit unit) {
  EXPECT_DOUBLE_EQ(c.value, value);
  EXPECT_EQ(c.unit, unit);
}

const std::vector<Case>& cases() {
  static const std::vector<Case> table{
      {"Discharge at 0.05 A/g until 0.01 V", StepKind::cc, {{Measure::voltage, Comparison::below, 0.01}},
       [](const Step& s) { expect_current(std::get<ConstantCurrent>(s.body).current, -0.05, CurrentUnit::per_gram); }},
      {"Charge at 0.1 A/g until 3.0 V or 2 hours", StepKind::cc,
       {{Measure::voltage, Comparison::above, 3.0}, {Measure::time, Comparison::above, 7200}},
       [](const Step& s) { expect_current(std::get<ConstantCurrent>(s.body).current, 0.1, CurrentUnit::per_gram); }},
      {"Rest for 1 hour", StepKind::rest, {{Measure::time, Comparison::above, 3600}}, nullptr},
      {"Rest until dV/dt < 0.1 mV/h", StepKind::rest, {{Measure::voltage_slope, Comparison::below, 1e-4 / 3600}}, nullptr},
      {"Hold at 3.0 V until 0.01 A/g", StepKind::cv,
       {{Measure::current, Comparison::below, 0.01, CurrentUnit::per_gram}},
       [](const Step& s) { EXPECT_DOUBLE_EQ(std::get<ConstantVoltage>(s.body).voltage_V, 3.0); }},
      {"Sweep 3.0 V to 0.01 V to 3.0 V at 2 mV/s, 100 cycles", StepKind::sweep, {},
       [](const Step& s) {
         const auto& w = std::get<Sweep>(s.body);
         EXPECT_EQ(w.start_V, 3.0);
         EXPECT_EQ(w.vertices_V, (std::vector<double>{0.01, 3.0}));
         EXPECT_DOUBLE_EQ(w.scan_rate_V_s, 2e-3);
         EXPECT_EQ(w.cycles, 100);
       }},
      {"EIS 100 kHz to 10 mHz, 5 mV, 10 per decade", StepKind::eis, {},
       [](const Step& s) {
         const auto& e = std::get<Eis>(s.body).params;
         EXPECT_DOUBLE_EQ(e.f_start_Hz, 1e5);
         EXPECT_DOUBLE_EQ(e.f_end_Hz, 1e-2);
         EXPECT_DOUBLE_EQ(e.amplitude_V, 5e-3);
         EXPECT_EQ(e.points_per_decade, 10);
       }},
      // PyBaMM's "for ... or until ...", a C-rate, mA, and case-insensitive keywords.
      {"Charge at 1 C for 1 hour or until 4.1 V", StepKind::cc,
       {{Measure::time, Comparison::above, 3600}, {Measure::voltage, Comparison::above, 4.1}},
       [](const Step& s) { expect_current(std::get<ConstantCurrent>(s.body).current, 1.0, CurrentUnit::c_rate); }},
      {"discharge AT C/10 UNTIL 2.5 V", StepKind::cc, {{Measure::voltage, Comparison::below, 2.5}},
       [](const Step& s) { expect_current(std::get<ConstantCurrent>(s.body).current, -0.1, CurrentUnit::c_rate); }},
      {"Discharge at 2 mA for 30 min", StepKind::cc, {{Measure::time, Comparison::above, 1800}},
       [](const Step& s) { expect_current(std::get<ConstantCurrent>(s.body).current, -2e-3, CurrentUnit::ampere); }},
      {"Discharge at 1 mA until 0.5 mAh or 0.01 V", StepKind::cc,
       {{Measure::charge, Comparison::above, 0.5e-3}, {Measure::voltage, Comparison::below, 0.01}}, nullptr},
      {"Charge at 1 mA until 2 mWh", StepKind::cc, {{Measure::energy, Comparison::above, 2e-3}}, nullptr},
      // Explicit comparisons override what the direction implies.
      {"Discharge at 0.1 A/g until V < 0.5 V or t > 3 h", StepKind::cc,
       {{Measure::voltage, Comparison::below, 0.5}, {Measure::time, Comparison::above, 10800}}, nullptr},
      {"Rest for 2 h or until dV/dt < 1 mV/h", StepKind::rest,
       {{Measure::time, Comparison::above, 7200}, {Measure::voltage_slope, Comparison::below, 1e-3 / 3600}}, nullptr},
      {"OCV for 10 min", StepKind::rest, {{Measure::time, Comparison::above, 600}}, nullptr},
      {"Hold at 4.2 V for 2 hours or until 50 mA", StepKind::cv,
       {{Measure::time, Comparison::above, 7200}, {Measure::current, Comparison::below, 0.05}}, nullptr},
      {"Charge at 0.1 A/g to 3.0 V then hold until 0.01 A/g or 1 h", StepKind::cccv,
       {{Measure::current, Comparison::below, 0.01, CurrentUnit::per_gram}, {Measure::time, Comparison::above, 3600}},
       [](const Step& s) {
         const auto& c = std::get<Cccv>(s.body);
         expect_current(c.current, 0.1, CurrentUnit::per_gram);
         EXPECT_DOUBLE_EQ(c.voltage_V, 3.0);
       }},
      {"Sweep from OCV to 0.01 V to 3 V at 0.2 mV/s", StepKind::sweep, {},
       [](const Step& s) {
         const auto& w = std::get<Sweep>(s.body);
         EXPECT_FALSE(w.start_V.has_value());
         EXPECT_EQ(w.cycles, 1);
         EXPECT_DOUBLE_EQ(w.scan_rate_V_s, 0.2e-3);
       }},
      {"EIS 1 MHz to 100 mHz, 6 points per decade, 10 mV", StepKind::eis, {},
       [](const Step& s) {
         const auto& e = std::get<Eis>(s.body).params;
         EXPECT_DOUBLE_EQ(e.f_start_Hz, 1e6);
         EXPECT_EQ(e.points_per_decade, 6);
         EXPECT_DOUBLE_EQ(e.amplitude_V, 1e-2);
       }},
      {"Discharge pulses at 0.1 A/g for 4800 s, rest for 2 h or until dV/dt < 0.1 mV/h, until 0.01 V",
       StepKind::pulse, {{Measure::voltage, Comparison::below, 0.01}},
       [](const Step& s) {
         const auto& p = std::get<Pulse>(s.body);
         expect_current(p.current, -0.1, CurrentUnit::per_gram);
         EXPECT_DOUBLE_EQ(p.pulse_s, 4800);
         ASSERT_EQ(p.relax_until.size(), 2u);
         EXPECT_EQ(p.relax_until[0].measure, Measure::time);
         EXPECT_EQ(p.relax_until[1].measure, Measure::voltage_slope);
       }},
      {"Charge pulse at 10 mA for 10 min, rest for 1 h, until 3 V, at most 40 pulses", StepKind::pulse,
       {{Measure::voltage, Comparison::above, 3.0}},
       [](const Step& s) { EXPECT_EQ(std::get<Pulse>(s.body).max_pulses, 40); }},
  };
  return table;
}

TEST(StepText, ParsesEachExampleToItsKindValuesAndEndConditions) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.line);
    const Step step = parse_step_text(c.line, "/steps/4");
    EXPECT_EQ(step.kind(), c.kind);
    EXPECT_EQ(step.pointer, "/steps/4");
    EXPECT_EQ(step.text, c.line);
    ASSERT_EQ(step.until.size(), c.ends.size());
    for (std::size_t i = 0; i < c.ends.size(); ++i) {
      EXPECT_EQ(step.until[i].measure, c.ends[i].measure) << i;
      EXPECT_EQ(step.until[i].comparison, c.ends[i].comparison) << i;
      EXPECT_NEAR(step.until[i].threshold, c.ends[i].threshold, 1e-12 * std::abs(c.ends[i].threshold)) << i;
      EXPECT_EQ(step.until[i].current_unit, c.ends[i].unit) << i;
      EXPECT_EQ(step.until[i].pointer, "/steps/4") << i;
    }
    if (c.body) c.body(step);
  }
}

struct Refusal {
  const char* line;
  const char* quoted;  // the fragment the message must quote
};

TEST(StepText, RefusesBadLinesQuotingTheFragmentAtTheStepsPointer) {
  const std::vector<Refusal> table{
      {"Dance at 1 A until 3 V", "'Dance'"},
      {"Discharge at 0.05 A/gram until 0.01 V", "'0.05 A/gram'"},
      {"Discharge at 3 V until 0.01 V", "'3 V'"},
      {"Discharge at -0.05 A/g until 0.01 V", "'-0.05 A/g'"},
      {"Rest for 3 V", "'3 V'"},
      {"Charge at 1 A until 3 parsecs", "'3 parsecs'"},
      {"Sweep 3 V at 2 mV/s", "'3 V'"},
      {"Sweep 3 V to 0 V at 2 mV/s, lots of cycles", "'lots of'"},
      {"EIS 100 kHz to 10 mHz, 5 mV, ten per decade", "'ten'"},
      {"Hold 3 V until 0.01 A/g", "'3 V until 0.01 A/g'"},
      {"Rest for 1 h, please", "'please'"},
      {"Charge at 1 A until t < 3 h", "'t < 3 h'"},
      {"Charge at 1 A until X < 3 V", "'X'"},
      {"Charge at 1 A until V < 3 A", "'V < 3 A'"},
      {"Rest until 1 h or", "empty condition"},
  };
  for (const Refusal& r : table) {
    SCOPED_TRACE(r.line);
    try {
      (void)parse_step_text(r.line, "/steps/7");
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), "/steps/7");
      EXPECT_NE(std::string(e.message()).find(r.quoted), std::string::npos) << e.message();
    }
  }
}

}  // namespace
}  // namespace cyclerd

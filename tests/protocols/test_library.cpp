// The built-in protocols of the paper: present, parseable, valid on a simulated channel, and shaped
// as the issue describes.
#include <gtest/gtest.h>

#include <algorithm>
#include <variant>

#include "core/error.hpp"
#include "protocol_test_support.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"

namespace cyclerd {
namespace {

const Loop& loop_at(const Protocol& p, std::size_t i) { return std::get<Loop>(p.steps.at(i).body); }

Protocol load(std::string_view name, const std::vector<std::string>& overrides = {}) {
  ParseResult r = load_library_protocol(name, overrides);
  EXPECT_TRUE(r.ok()) << name << ":\n" << test::describe(r.errors);
  return r.ok() ? *r.protocol : Protocol{};
}

TEST(Library, HoldsEveryProtocolOfThePaper) {
  const std::vector<std::string> expected{"activation", "cv", "cv-scan-rates", "eis", "fullcell-cycling",
                                          "fullcell-rate", "gitt", "long-cycling", "rate-capability"};
  EXPECT_EQ(library_protocol_names(), expected);
}

TEST(Library, EveryProtocolParsesAndValidatesOnASimulatedChannel) {
  for (const std::string& name : library_protocol_names()) {
    const auto text = library_protocol_text(name);
    ASSERT_TRUE(text.has_value());
    const ParseResult r = check_protocol(*text, {}, test::sim_context());
    EXPECT_TRUE(r.ok()) << name << ":\n" << test::describe(r.errors);
    if (r.ok()) {
      EXPECT_EQ(r.protocol->name, name);
      EXPECT_FALSE(r.protocol->description.empty()) << name;
    }
  }
}

TEST(Library, EveryProtocolResolvesToAmperesForAOneMilligramCell) {
  for (const std::string& name : library_protocol_names()) {
    const Protocol p = resolve(load(name), test::small_cell());
    // Every setpoint current of the resolved tree is in amperes.
    std::vector<const std::vector<Step>*> lists{&p.steps};
    while (!lists.empty()) {
      const auto* list = lists.back();
      lists.pop_back();
      for (const Step& s : *list) {
        if (const auto* cc = std::get_if<ConstantCurrent>(&s.body)) {
          EXPECT_EQ(cc->current.unit, CurrentUnit::ampere);
        }
        if (const auto* pu = std::get_if<Pulse>(&s.body)) {
          EXPECT_EQ(pu->current.unit, CurrentUnit::ampere);
        }
        if (const auto* l = std::get_if<Loop>(&s.body)) lists.push_back(&l->steps);
      }
    }
  }
}

TEST(Library, UnknownNameIsNotFoundAndNamesTheLibrary) {
  try {
    (void)load_library_protocol("no-such-protocol");
    FAIL() << "expected Error(not_found)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.message()).find("rate-capability"), std::string::npos);
  }
}

TEST(Library, ActivationIsTwoDischargeFirstCyclesAtFiftyMilliampsPerGram) {
  const Protocol p = load("activation");
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[0].kind(), StepKind::rest);
  const Loop& loop = loop_at(p, 1);
  EXPECT_EQ(loop.count, 2);
  ASSERT_EQ(loop.steps.size(), 2u);
  const auto& discharge = std::get<ConstantCurrent>(loop.steps[0].body);
  EXPECT_DOUBLE_EQ(discharge.current.value, -0.05);
  EXPECT_EQ(discharge.current.unit, CurrentUnit::per_gram);
  EXPECT_DOUBLE_EQ(loop.steps[0].until.at(0).threshold, 0.01);
  EXPECT_EQ(loop.steps[0].until.at(0).comparison, Comparison::below);
  EXPECT_DOUBLE_EQ(loop.steps[1].until.at(0).threshold, 3.0);
  EXPECT_EQ(loop.steps[1].until.at(0).comparison, Comparison::above);
}

TEST(Library, RateCapabilityRunsFiveCyclesAtEachRateThenBackToTheFirst) {
  const Protocol p = load("rate-capability");
  const std::vector<double> rates{0.1, 0.2, 0.5, 0.8, 1, 2, 5, 10, 20, 0.1};
  ASSERT_EQ(p.steps.size(), rates.size());
  for (std::size_t i = 0; i < rates.size(); ++i) {
    const Loop& loop = loop_at(p, i);
    EXPECT_EQ(loop.count, 5);
    EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(loop.steps[0].body).current.value, -rates[i]);
    EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(loop.steps[1].body).current.value, rates[i]);
  }
}

TEST(Library, LongCyclingRateAndCountAreParameters) {
  const Protocol defaults = load("long-cycling");
  EXPECT_EQ(loop_at(defaults, 0).count, 2);
  EXPECT_EQ(loop_at(defaults, 1).count, 1800);
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(loop_at(defaults, 1).steps[0].body).current.value, -15.0);

  const Protocol custom = load("long-cycling", {"rate=10 A/g", "cycles=500"});
  EXPECT_EQ(loop_at(custom, 1).count, 500);
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(loop_at(custom, 1).steps[1].body).current.value, 10.0);
}

TEST(Library, GittPulsesDownToTheCutOffAndBackUp) {
  const Protocol p = load("gitt");
  EXPECT_EQ(loop_at(p, 0).count, 2);
  const auto& down = std::get<Pulse>(p.steps.at(2).body);
  EXPECT_DOUBLE_EQ(down.current.value, -0.1);
  EXPECT_DOUBLE_EQ(down.pulse_s, 4800.0);
  ASSERT_EQ(down.relax_until.size(), 2u);
  EXPECT_EQ(down.relax_until[1].measure, Measure::voltage_slope);
  EXPECT_DOUBLE_EQ(p.steps[2].until.at(0).threshold, 0.01);
  const auto& up = std::get<Pulse>(p.steps.at(3).body);
  EXPECT_DOUBLE_EQ(up.current.value, 0.1);
  EXPECT_DOUBLE_EQ(p.steps[3].until.at(0).threshold, 3.0);
  EXPECT_EQ(p.steps[3].until.at(0).comparison, Comparison::above);
}

TEST(Library, CvSweepsAHundredCyclesAtTwoMillivoltsPerSecond) {
  const Protocol p = load("cv");
  const auto& sweep = std::get<Sweep>(p.steps.at(1).body);
  EXPECT_EQ(sweep.cycles, 100);
  EXPECT_DOUBLE_EQ(sweep.scan_rate_V_s, 2e-3);
  EXPECT_EQ(sweep.start_V, 3.0);
  EXPECT_EQ(sweep.vertices_V, (std::vector<double>{0.01, 3.0}));
}

TEST(Library, CvScanRatesCoverPointTwoToTwoMillivoltsPerSecond) {
  const Protocol p = load("cv-scan-rates");
  std::vector<double> rates;
  for (const Step& s : p.steps) rates.push_back(std::get<Sweep>(s.body).scan_rate_V_s);
  ASSERT_GE(rates.size(), 4u);
  EXPECT_TRUE(std::is_sorted(rates.begin(), rates.end()));
  EXPECT_DOUBLE_EQ(rates.front(), 0.2e-3);
  EXPECT_DOUBLE_EQ(rates.back(), 2e-3);
}

TEST(Library, EisMeasuresAtRestAndDuringTheFirstCycle) {
  const Protocol p = load("eis");
  const auto eis_count = std::count_if(p.steps.begin(), p.steps.end(),
                                       [](const Step& s) { return s.kind() == StepKind::eis; });
  EXPECT_GE(eis_count, 4);
  EXPECT_EQ(p.steps.at(1).kind(), StepKind::eis);  // the spectrum at rest, before any current
  EXPECT_DOUBLE_EQ(std::get<Eis>(p.steps[1].body).params.f_start_Hz, 1e5);
  EXPECT_DOUBLE_EQ(std::get<Eis>(p.steps[1].body).params.f_end_Hz, 1e-2);
}

TEST(Library, FullCellProtocolsChargeFirstBetweenOneAndFourVolts) {
  for (const char* name : {"fullcell-rate", "fullcell-cycling"}) {
    const Protocol p = load(name);
    const Loop& first = loop_at(p, 0);
    EXPECT_GT(std::get<ConstantCurrent>(first.steps[0].body).current.value, 0) << name;
    EXPECT_DOUBLE_EQ(first.steps[0].until.at(0).threshold, 4.0) << name;
    EXPECT_DOUBLE_EQ(first.steps[1].until.at(0).threshold, 1.0) << name;
  }
  const Protocol rate = load("fullcell-rate");
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(loop_at(rate, 0).steps[0].body).current.value, 0.05);
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(loop_at(rate, 6).steps[0].body).current.value, 3.0);
  EXPECT_EQ(loop_at(load("fullcell-cycling"), 0).count, 600);
  EXPECT_DOUBLE_EQ(std::get<ConstantCurrent>(loop_at(load("fullcell-cycling"), 0).steps[0].body).current.value, 0.5);
}

}  // namespace
}  // namespace cyclerd

// Cycle counting and coulombic efficiency (DESIGN.md conventions), fed hand-made samples in virtual time.
#include <gtest/gtest.h>

#include "tests/protocols/engine/engine_test_support.hpp"

namespace cyclerd::test {
namespace {

const char* kDischargeFirst = R"({"name": "t", "record": {"every": "1 s"}, "steps": [
  {"kind": "loop", "count": 2, "steps": ["Discharge at 1 mA until 1.0 V", "Charge at 1 mA until 2.0 V"]}]})";

const char* kChargeFirst = R"({"name": "t", "record": {"every": "1 s"}, "steps": [
  {"kind": "loop", "count": 2, "steps": ["Charge at 1 mA until 2.0 V", "Discharge at 1 mA until 1.0 V"]}]})";

std::vector<CycleEnd> cycle_ends(const std::vector<Decision>& ds) {
  std::vector<CycleEnd> out;
  for (const auto& d : ds) out.insert(out.end(), d.cycle_ends.begin(), d.cycle_ends.end());
  return out;
}

void append(std::vector<Decision>& to, std::vector<Decision> more) {
  for (auto& d : more) to.push_back(std::move(d));
}

TEST(CycleCounting, LoopEndsOnCapacityBelowAFractionOfCycleOneAndKeepsOnlyThatCycle) {
  Engine engine(protocol_from(R"({"name": "t", "record": {"every": "1 s"}, "steps": [
    {"kind": "loop", "count": 10, "until": "discharge capacity below 80 % of cycle 1",
     "steps": ["Discharge at 1 mA until 1.0 V", "Charge at 1 mA until 2.0 V"]}]})"),
                {});
  engine.start(0);
  double t = 0;
  // Passes discharging 1.0, 0.9, 0.85 and 0.7 mAh: only the fourth is below 80 % of cycle 1's 1.0 mAh.
  for (int seconds : {3600, 3240, 3060, 2520}) {
    ASSERT_EQ(engine.state().run_state, RunState::running);
    feed_half(engine, t, seconds, 1.5, 1.0, -1e-3);
    feed_half(engine, t, seconds, 1.5, 2.0, 1e-3);
  }
  EXPECT_EQ(engine.state().run_state, RunState::completed);
  // Cycles 2 and 3 were not needed by any condition: the state keeps cycle 1 alone, so it does not grow.
  ASSERT_EQ(engine.state().finished_cycles.size(), 1u);
  EXPECT_EQ(engine.state().finished_cycles[0].cycle_index, 1);
  EXPECT_NEAR(engine.state().finished_cycles[0].discharge_Ah, 1.0e-3, 1e-12);
}

TEST(CycleCounting, DischargeFirstCycleIsDischargeThenChargeAndCeIsChargeOverDischarge) {
  Engine engine(protocol_from(kDischargeFirst), {});
  const Decision first = engine.start(0);
  ASSERT_TRUE(first.setpoint);
  EXPECT_DOUBLE_EQ(first.setpoint->value, -1e-3);
  double t = 0;
  std::vector<Decision> ds;
  append(ds, feed_half(engine, t, 3600, 1.5, 1.0, -1e-3));  // 1.0 mAh discharged
  append(ds, feed_half(engine, t, 1800, 1.5, 2.0, 1e-3));   // 0.5 mAh charged
  EXPECT_TRUE(cycle_ends(ds).empty()) << "cycle 1 ends only when the next discharge begins";
  append(ds, feed_half(engine, t, 10, 1.5, 1.0, -1e-3));
  const auto ends = cycle_ends(ds);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].cycle_index, 1);
  EXPECT_TRUE(ends[0].discharge_first);
  EXPECT_NEAR(ends[0].discharge_Ah, 1.0e-3, 1e-12);
  EXPECT_NEAR(ends[0].charge_Ah, 0.5e-3, 1e-12);
  EXPECT_NEAR(*ends[0].coulombic_efficiency(), 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(ends[0].first_half_current_A, 1e-3);
  EXPECT_DOUBLE_EQ(ends[0].end_t_s, 5400.0);
  EXPECT_EQ(ds.back().cycle_index, 2);
}

TEST(CycleCounting, ChargeFirstCeIsDischargeOverCharge) {
  Engine engine(protocol_from(kChargeFirst), {});
  engine.start(0);
  double t = 0;
  std::vector<Decision> ds;
  append(ds, feed_half(engine, t, 1000, 1.5, 2.0, 1e-3));
  append(ds, feed_half(engine, t, 900, 1.5, 1.0, -1e-3));
  append(ds, feed_half(engine, t, 1000, 1.5, 2.0, 1e-3));
  append(ds, feed_half(engine, t, 800, 1.5, 1.0, -1e-3));
  const auto ends = cycle_ends(ds);
  ASSERT_EQ(ends.size(), 2u) << "the last cycle closes when the run ends after its second half";
  EXPECT_FALSE(ends[0].discharge_first);
  EXPECT_NEAR(*ends[0].coulombic_efficiency(), 0.9, 1e-9);
  EXPECT_NEAR(*ends[1].coulombic_efficiency(), 0.8, 1e-9);
  EXPECT_EQ(engine.state().run_state, RunState::completed);
  EXPECT_TRUE(ds.back().make_safe);
}

TEST(CycleCounting, DeclaredDischargeFirstCellCountsAChargeFirstProgrammeByTheCell) {
  Engine engine(protocol_from(kChargeFirst), EngineOptions{false, true, 1.0});
  engine.start(0);
  double t = 0;
  std::vector<Decision> ds;
  append(ds, feed_half(engine, t, 1000, 1.5, 2.0, 1e-3));
  append(ds, feed_half(engine, t, 900, 1.5, 1.0, -1e-3));
  const auto ends = cycle_ends(ds);
  ASSERT_EQ(ends.size(), 1u) << "the leading charge is cycle 1's second half";
  EXPECT_TRUE(ends[0].discharge_first);
  EXPECT_NEAR(ends[0].charge_Ah, 1000.0 / 3600 * 1e-3, 1e-12);
  EXPECT_FALSE(ends[0].coulombic_efficiency()) << "no first-half charge: no efficiency";
}

TEST(CycleCounting, StepEndsOnTheVoltageClauseAndNamesIt) {
  Engine engine(protocol_from(kDischargeFirst), {});
  engine.start(0);
  double t = 0;
  const auto ds = feed_half(engine, t, 100, 1.5, 1.0, -1e-3);
  ASSERT_EQ(ds.back().step_ends.size(), 1u);
  EXPECT_EQ(ds.back().step_ends[0].step_id, "/steps/0/steps/0");
  EXPECT_NE(ds.back().step_ends[0].reason.find("1"), std::string::npos);
  ASSERT_TRUE(ds.back().setpoint);
  EXPECT_DOUBLE_EQ(ds.back().setpoint->value, 1e-3);
  for (std::size_t i = 0; i + 1 < ds.size(); ++i) EXPECT_TRUE(ds[i].step_ends.empty()) << i;
}

}  // namespace
}  // namespace cyclerd::test

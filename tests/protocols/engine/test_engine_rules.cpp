// Safety trips, the run-state table, limit landing, record conditions and the state as a value.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "tests/protocols/engine/engine_test_support.hpp"

namespace cyclerd::test {
namespace {

const char* kCycling = R"({"name": "t", "safety": {"v_min": "0.5 V", "v_max": "2.5 V"},
  "record": {"every": "10 s", "dV": "50 mV"}, "steps": [
  {"kind": "loop", "count": 3, "steps": ["Discharge at 1 mA until 1.0 V", "Rest for 60 s",
   "Charge at 1 mA until 2.0 V"]}]})";

TEST(Safety, TripsWithinOneSampleMakesSafeFailsAndSaysWhy) {
  Engine engine(protocol_from(kCycling), {});
  engine.start(0);
  engine.on_sample(sample_at(1, 1.4, -1e-3));
  const Decision d = engine.on_sample(sample_at(2, 2.7, -1e-3));
  EXPECT_TRUE(d.make_safe);
  EXPECT_TRUE(d.record) << "the sample that tripped is kept";
  EXPECT_FALSE(d.setpoint);
  EXPECT_EQ(engine.state().run_state, RunState::failed);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].kind, "safety_trip");
  EXPECT_NE(d.events[0].message.find("/safety/v_max"), std::string::npos) << d.events[0].message;
  EXPECT_THROW(engine.on_sample(sample_at(3, 1.4, 0)), Error);
}

TEST(RunStates, TableRefusesIllegalTransitionsNamingTheLegalOnes) {
  EXPECT_EQ(transition(RunState::queued, RunState::running), RunState::running);
  EXPECT_EQ(transition(RunState::paused, RunState::running), RunState::running);
  try {
    transition(RunState::queued, RunState::paused);
    FAIL() << "queued -> paused must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_state);
    EXPECT_NE(std::string(e.what()).find("running, cancelled"), std::string::npos) << e.what();
  }
  try {
    transition(RunState::completed, RunState::running);
    FAIL() << "completed is final";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("final"), std::string::npos) << e.what();
  }
  for (RunState s : {RunState::completed, RunState::stopped, RunState::cancelled, RunState::failed}) {
    EXPECT_TRUE(is_terminal(s)) << to_string(s);
  }
}

TEST(RunStates, PauseResumeAndStopFollowTheTable) {
  Engine engine(protocol_from(kCycling), {});
  EXPECT_THROW(engine.pause(), Error) << "a queued run cannot pause";
  engine.start(0);
  EXPECT_TRUE(engine.pause().make_safe);
  EXPECT_THROW(engine.on_sample(sample_at(1, 1.4, 0)), Error);
  const Decision resumed = engine.resume();
  ASSERT_TRUE(resumed.setpoint);
  EXPECT_DOUBLE_EQ(resumed.setpoint->value, -1e-3);
  EXPECT_TRUE(engine.stop("tester").make_safe);
  EXPECT_EQ(engine.state().run_state, RunState::stopped);
}

TEST(RunStates, SkipStepEndsThePresentStepWithWhoAndGoesOn) {
  Engine engine(protocol_from(kCycling), {});
  EXPECT_THROW(engine.skip_step("tester"), Error) << "a queued run has no step to skip";
  engine.start(0);
  engine.on_sample(sample_at(1, 1.6, -1e-3));
  const Decision d = engine.skip_step("Ana");
  ASSERT_EQ(d.step_ends.size(), 1u);
  EXPECT_EQ(d.step_ends[0].step_id, "/steps/0/steps/0");
  EXPECT_EQ(d.step_ends[0].reason, "skipped by Ana");
  ASSERT_FALSE(d.events.empty());
  EXPECT_EQ(d.events[0].kind, "step_skipped");
  ASSERT_TRUE(d.setpoint) << "the rest that follows the discharge starts at once";
  EXPECT_EQ(d.setpoint->mode, Mode::rest);
  EXPECT_EQ(engine.state().run_state, RunState::running);
  engine.pause();
  EXPECT_THROW(engine.skip_step("Ana"), Error) << "a paused run skips nothing";
}

TEST(LimitLanding, CurrentStepVoltageEndsBecomeStopLimitsOnlyWhenTheDriverLands) {
  Engine landing(protocol_from(kCycling), EngineOptions{true, std::nullopt, 1.0});
  const Decision d = landing.start(0);
  ASSERT_TRUE(d.setpoint);
  EXPECT_EQ(d.setpoint->stop_below_V, 1.0);
  EXPECT_FALSE(d.setpoint->stop_above_V);
  Engine plain(protocol_from(kCycling), {});
  EXPECT_FALSE(plain.start(0).setpoint->stop_below_V);
  // A landed sample ends the step even if its voltage rounds a hair above the limit.
  const Decision end = landing.on_sample(sample_at(0.5, 1.0 + 1e-15, -1e-3, sample_flag::limit_reached));
  ASSERT_EQ(end.step_ends.size(), 1u);
  EXPECT_TRUE(end.record);
}

TEST(Records, EveryTenSecondsOrFiftyMillivoltsWhicheverComesFirst) {
  Engine engine(protocol_from(kCycling), {});
  engine.start(0);
  std::vector<int> recorded;
  for (int i = 1; i <= 30; ++i) {
    const double v = i <= 20 ? 1.9 : 1.9 - 0.06 * (i - 20);
    if (engine.on_sample(sample_at(i, v, -1e-3)).record) recorded.push_back(i);
  }
  EXPECT_EQ(recorded, (std::vector<int>{1, 11, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}));
}

TEST(EngineStateValue, JsonRoundTripIsExactAndARestoredEngineContinuesIdentically) {
  const Protocol p = protocol_from(kCycling);
  Engine a(p, {});
  a.start(0);
  double t = 0;
  feed_half(a, t, 333, 1.5, 1.0, -1e-3 / 3.0);
  const nlohmann::json saved = a.state();
  const EngineState back = nlohmann::json::parse(saved.dump()).get<EngineState>();
  EXPECT_TRUE(back == a.state());
  Engine b(p, {});
  b.restore(back);
  for (int i = 0; i < 500; ++i) {
    t += 0.7;
    const Sample s = sample_at(t, 1.0 + std::fmod(t, 1.3), (i % 50 < 25 ? -1e-3 : 1e-3) / 3.0);
    const Decision da = a.on_sample(s), db = b.on_sample(s);
    EXPECT_EQ(da.record, db.record);
    EXPECT_EQ(da.step_index, db.step_index);
    EXPECT_EQ(da.setpoint.has_value(), db.setpoint.has_value());
    EXPECT_EQ(da.cycle_ends, db.cycle_ends);
  }
  EXPECT_TRUE(a.state() == b.state());
}

TEST(EngineStateValue, RestoreRefusesAStateThatDoesNotFitTheProtocol) {
  Engine engine(protocol_from(kCycling), {});
  EngineState s;
  s.frames = {LoopFrame{7}};
  EXPECT_THROW(engine.restore(s), Error);
}

}  // namespace
}  // namespace cyclerd::test

// The runner's sample gate (how storage slows a full-speed simulation): held between two samples, the run
// takes no sample; held when the run stops, the run does not report its end (or its pause) until the gate
// lets it, so the last rows are handed to storage only when there is room for them.
#include <boost/asio/post.hpp>

#include "tests/protocols/runner/runner_test_support.hpp"

namespace cyclerd::test {
namespace {

using GatePoint = ChannelRunner::GatePoint;

struct CountRecords : RunConsumer {
  std::int64_t records = 0;
  bool ended = false;
  void on_record(const RunRecord&) override { ++records; }
  void on_run_end(RunState) override { ended = true; }
};

// A gate that holds the run at the first time it is asked at `hold_at`, and lets it go on later from the
// io_context (as the writer does once it has taken its queue).
struct HoldOnce {
  boost::asio::io_context& io;
  GatePoint hold_at;
  int asked_between = 0, asked_stopping = 0;
  bool held = false;
  std::int64_t records_when_held = -1;
  const CountRecords* log = nullptr;
  bool done_while_held = false;
  bool* done = nullptr;

  bool operator()(GatePoint point, std::function<void()> go_on) {
    (point == GatePoint::between_samples ? asked_between : asked_stopping)++;
    if (point != hold_at || held) return true;
    held = true;
    records_when_held = log->records;
    // Later, after whatever else is ready on the io_context: the run must not have moved meanwhile.
    boost::asio::post(io, [this, go_on = std::move(go_on)] {
      boost::asio::post(io, [this, go_on] {
        done_while_held = *done || log->records != records_when_held || log->ended;
        go_on();
      });
    });
    return false;
  }
};

struct GatedRun {
  SimulatedChannel channel{SimulatedCell{"zns-znse", 1e-3, 3}};
  Protocol protocol = library_protocol({"activation", {}, "zns-znse", 5, 2}, channel);
  CountRecords log;
  bool done = false;
  RunState state = RunState::running;

  std::int64_t ungated_records() {
    SimulatedChannel other(SimulatedCell{"zns-znse", 1e-3, 3});
    CountRecords count;
    EXPECT_EQ(other.run(protocol, {&count}), RunState::completed);
    return count.records;
  }

  void run(HoldOnce& gate) {
    ChannelRunner runner(channel.driver(), 0, protocol, channel.engine_options());
    runner.subscribe(log);
    gate.log = &log;
    gate.done = &done;
    runner.set_sample_gate([&gate](GatePoint p, std::function<void()> go_on) { return gate(p, std::move(go_on)); });
    runner.async_run(
        [this](RunState s) {
          done = true;
          state = s;
        },
        channel.driver().cell(0).time_s());
    channel.io().run();
    channel.io().restart();
  }
};

TEST(SampleGate, AHeldGateBetweenSamplesStopsTheRunUntilItLetsGoAndNothingIsLost) {
  GatedRun run;
  HoldOnce gate{run.channel.io(), GatePoint::between_samples};
  run.run(gate);
  EXPECT_TRUE(gate.held);
  EXPECT_FALSE(gate.done_while_held) << "the run went on while its gate held it";
  EXPECT_EQ(run.state, RunState::completed);
  EXPECT_EQ(run.log.records, run.ungated_records());
  EXPECT_GT(gate.asked_between, 100);
}

TEST(SampleGate, TheGateIsAskedWhenTheRunEndsAndTheEndWaitsForIt) {
  GatedRun run;
  HoldOnce gate{run.channel.io(), GatePoint::stopping};
  run.run(gate);
  EXPECT_TRUE(gate.held) << "the gate was not asked as the run ended";
  EXPECT_FALSE(gate.done_while_held) << "the run reported its end while its gate held it";
  EXPECT_TRUE(run.done);
  EXPECT_EQ(run.state, RunState::completed);
  EXPECT_TRUE(run.log.ended);
  EXPECT_EQ(run.log.records, run.ungated_records());
  // Asked again when it let go; not asked at any other stop.
  EXPECT_EQ(gate.asked_stopping, 2);
}

}  // namespace
}  // namespace cyclerd::test

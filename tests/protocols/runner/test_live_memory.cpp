// Per-channel analyzer memory stays constant over a long-cycling run (400 cycles by default, the paper's
// full 1800 with CYCLERD_LONG=1 under the ctest label `long`) while every result still goes out through
// the sink. The measure is the analyzers' own accounting (ChannelAnalysis::memory_bytes: objects plus the
// capacity of every container they hold).
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "tests/protocols/runner/live_analysis_support.hpp"

namespace cyclerd::test {
namespace {

int long_cycling_cycles() { return std::getenv("CYCLERD_LONG") ? 1800 : 400; }

// Reads the feed's memory measure after every cycle (subscribed after the feed, so it sees the update).
class MemoryProbe : public RunConsumer {
 public:
  MemoryProbe(const AnalysisFeed& feed, int early_cycle) : feed_(feed), early_cycle_(early_cycle) {}
  void on_cycle_end(const CycleEnd& c) override {
    const std::size_t bytes = feed_.analysis().memory_bytes();
    if (c.cycle_index == early_cycle_) at_early = bytes;
    if (c.cycle_index >= early_cycle_) {
      largest_after = std::max(largest_after, bytes);
      smallest_after = std::min(smallest_after, bytes);
    }
    last = bytes;
    last_cycle = c.cycle_index;
  }
  std::size_t at_early = 0, largest_after = 0, smallest_after = SIZE_MAX, last = 0;
  int last_cycle = 0;

 private:
  const AnalysisFeed& feed_;
  int early_cycle_;
};

TEST(LiveAnalysisMemory, LongCyclingFootprintAtCycle100EqualsTheEnd) {
  const int cycles = long_cycling_cycles();
  SimulatedChannel channel(SimulatedCell{"zns-znse", kMass_g, 1});
  const Protocol protocol = prepare(channel, "long-cycling", {"cycles=" + std::to_string(cycles)});
  std::size_t cycle_rows = 0, dqdv_rows = 0;
  analysis::ResultSink sink = [&](std::string_view kind, const nlohmann::json&) {
    cycle_rows += kind == "cycles";
    dqdv_rows += kind == "dqdv";
  };
  AnalysisFeed feed(protocol, analysis::ChannelAnalysisOptions::for_cell(kMass_g, 0.01, 3.0), sink);
  MemoryProbe probe(feed, 100);
  EXPECT_EQ(channel.run(protocol, {&feed, &probe}), RunState::completed);
  std::printf("analyzer memory over %d cycles: %zu bytes at cycle 100, %zu..%zu after, %zu at cycle %d; "
              "%zu cycle rows, %zu dQ/dV curves\n",
              cycles, probe.at_early, probe.smallest_after, probe.largest_after, probe.last, probe.last_cycle,
              cycle_rows, dqdv_rows);
  // The protocol's cycles plus its formation cycles all went out, and one dQ/dV curve per half cycle.
  EXPECT_GT(probe.last_cycle, cycles);
  EXPECT_EQ(cycle_rows, static_cast<std::size_t>(probe.last_cycle));
  EXPECT_GE(dqdv_rows, 2u * static_cast<std::size_t>(cycles));
  ASSERT_GT(probe.at_early, 0u);
  // Preallocated slots: exactly the same bytes from cycle 100 to the end, and after on_run_end too.
  EXPECT_EQ(probe.largest_after, probe.at_early);
  EXPECT_EQ(probe.smallest_after, probe.at_early);
  EXPECT_EQ(feed.analysis().memory_bytes(), probe.at_early);
  EXPECT_LT(probe.at_early, 160u * 1024);  // about 100 kB per channel
  // The running figures are still there at the end.
  const auto summary = feed.analysis().cycle_stats().summary();
  EXPECT_EQ(summary["cycles_analysed"], probe.last_cycle);
  EXPECT_TRUE(summary["retention"].is_number());
}

TEST(LiveAnalysisMemory, CvFootprintStaysWithinAFewPeaksOverManyCycles) {
  SimulatedChannel channel(SimulatedCell{"zns-znse", kMass_g, 1});
  const Protocol protocol = prepare(channel, "cv", {"cycles=40"});
  AnalysisFeed feed(protocol, analysis::ChannelAnalysisOptions::for_cell(kMass_g, 0.01, 3.0),
                    [](std::string_view, const nlohmann::json&) {});
  MemoryProbe probe(feed, 10);
  EXPECT_EQ(channel.run(protocol, {&feed, &probe}), RunState::completed);
  std::printf("CV analyzer memory: %zu bytes at cycle 10, %zu..%zu after\n", probe.at_early, probe.smallest_after,
              probe.largest_after);
  ASSERT_GT(probe.at_early, 0u);
  EXPECT_GE(probe.last_cycle, 40);
  ASSERT_TRUE(feed.analysis().cv().last_cycle().has_value());
  // Peak lists may gain a slot or two as peaks appear; nothing grows with the number of cycles.
  EXPECT_LE(probe.largest_after - probe.smallest_after, 1024u);
}

TEST(LiveAnalysisMemory, TheMeasureFollowsTheGrid) {
  // The accounting is real: a finer dQ/dV and CV grid is reported as more memory.
  auto coarse = analysis::ChannelAnalysisOptions::for_cell(kMass_g, 0.01, 3.0);
  auto fine = coarse;
  fine.dqdv.bins = fine.cv.bins = 2 * coarse.dqdv.bins;
  const analysis::ChannelAnalysis a(coarse, [](std::string_view, const nlohmann::json&) {});
  const analysis::ChannelAnalysis b(fine, [](std::string_view, const nlohmann::json&) {});
  EXPECT_GT(b.memory_bytes(), a.memory_bytes() + coarse.dqdv.bins * 4 * sizeof(double));
}

}  // namespace
}  // namespace cyclerd::test

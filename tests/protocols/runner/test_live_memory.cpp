// Per-channel analyzer memory stays constant over the 1800-cycle long-cycling run while every result
// still goes out through the sink.
#include <algorithm>
#include <cstdio>

#include "tests/protocols/runner/live_analysis_support.hpp"

namespace cyclerd::test {
namespace {

// Reads the feed's memory measure after every cycle (subscribed after the feed, so it sees the update).
class MemoryProbe : public RunConsumer {
 public:
  explicit MemoryProbe(const AnalysisFeed& feed) : feed_(feed) {}
  void on_cycle_end(const CycleEnd& c) override {
    const std::size_t bytes = feed_.analysis().memory_bytes();
    if (c.cycle_index == 10) at_cycle_10 = bytes;
    if (c.cycle_index >= 10) largest_after_10 = std::max(largest_after_10, bytes);
    last = bytes;
  }
  std::size_t at_cycle_10 = 0, largest_after_10 = 0, last = 0;

 private:
  const AnalysisFeed& feed_;
};

TEST(LiveAnalysisMemory, StaysConstantOverAn1800CycleRun) {
  SimulatedChannel channel(SimulatedCell{"zns-znse", kMass_g, 1});
  const Protocol protocol = prepare(channel, "long-cycling", {"cycles=1800"});
  std::size_t cycle_rows = 0, dqdv_rows = 0;
  analysis::ResultSink sink = [&](std::string_view kind, const nlohmann::json&) {
    cycle_rows += kind == "cycles";
    dqdv_rows += kind == "dqdv";
  };
  AnalysisFeed feed(protocol, analysis::ChannelAnalysisOptions::for_cell(kMass_g, 0.01, 3.0), sink);
  MemoryProbe probe(feed);
  EXPECT_EQ(channel.run(protocol, {&feed, &probe}), RunState::completed);
  std::printf("analyzer memory: %zu bytes at cycle 10, at most %zu after, %zu at the end; %zu cycle rows, %zu dQ/dV curves\n",
              probe.at_cycle_10, probe.largest_after_10, probe.last, cycle_rows, dqdv_rows);
  EXPECT_EQ(cycle_rows, 1802u);
  EXPECT_GE(dqdv_rows, 3600u);
  EXPECT_GT(probe.at_cycle_10, 0u);
  EXPECT_EQ(probe.largest_after_10, probe.at_cycle_10);
  EXPECT_EQ(feed.analysis().memory_bytes(), probe.at_cycle_10);  // after on_run_end too
  EXPECT_LT(probe.at_cycle_10, 128u * 1024);  // preallocated slots: about 90 kB per channel
  // The running figures are still there at the end.
  const auto summary = feed.analysis().cycle_stats().summary();
  EXPECT_EQ(summary["cycles_analysed"], 1802);
  EXPECT_TRUE(summary["retention"].is_number());
}

}  // namespace
}  // namespace cyclerd::test

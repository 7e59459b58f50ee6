// Checkpoint/restore: every library protocol interrupted at 20 random points and restored each time
// into a fresh engine and a fresh sim driver gives the same samples and cycle table as one run.
#include <algorithm>
#include <random>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "tests/protocols/runner/runner_test_support.hpp"

namespace cyclerd::test {
namespace {

// Every recorded sample, with its place, as plain values that compare exactly.
struct RecordLog : RunConsumer {
  using Row = std::tuple<std::int64_t, double, double, double, std::uint32_t, std::int64_t, std::string, int>;
  std::vector<Row> rows;
  void on_record(const RunRecord& r) override {
    rows.emplace_back(r.index, r.sample.t_s, r.sample.voltage_V, r.sample.current_A, r.sample.flags, r.step_index,
                      std::string(r.step_id), r.cycle_index);
  }
};

bool same_cycles(const std::vector<CycleSummary>& a, const std::vector<CycleSummary>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_json(a[i]) != to_json(b[i])) return false;
  }
  return true;
}

class CheckpointRestore : public ::testing::TestWithParam<std::size_t> {};

TEST_P(CheckpointRestore, TwentyRandomInterruptionsGiveTheSameSamplesAndCycleTable) {
  const LibraryCase c = library_cases(false).at(GetParam());
  SCOPED_TRACE(c.name);
  RecordLog whole_log;
  CycleTable whole_table(1e-3);
  std::int64_t total_samples = 0;
  Protocol protocol;
  {
    SimulatedChannel channel(SimulatedCell{c.preset, 1e-3, 7});
    protocol = library_protocol(c, channel);
    RunCheckpoint end;
    ASSERT_EQ(channel.run(protocol, {&whole_log, &whole_table}, std::nullopt, std::nullopt, &end), RunState::completed);
    total_samples = end.samples;
  }
  // Interruption points: 20 distinct sample counts inside the run (seeded: a failure reproduces).
  std::mt19937_64 rng(GetParam() + 1);
  std::vector<std::int64_t> points;
  std::uniform_int_distribution<std::int64_t> pick(1, std::max<std::int64_t>(2, total_samples) - 1);
  while (points.size() < 20) {
    const auto p = pick(rng);
    if (std::find(points.begin(), points.end(), p) == points.end()) points.push_back(p);
  }
  std::sort(points.begin(), points.end());

  RecordLog log;
  CycleTable table(1e-3);
  std::optional<RunCheckpoint> resume;
  RunState state = RunState::running;
  for (std::size_t i = 0; i <= points.size() && state != RunState::completed; ++i) {
    // A fresh driver (another seed: the snapshot must carry the cell's random state) and a fresh engine.
    SimulatedChannel channel(SimulatedCell{c.preset, 1e-3, resume ? 99u : 7u});
    RunCheckpoint cp;
    const auto limit = i < points.size() ? std::optional<std::int64_t>(points[i]) : std::nullopt;
    state = channel.run(protocol, {&log, &table}, resume, limit, &cp);
    if (state == RunState::interrupted) {
      // Through JSON text, as storage keeps it.
      resume = nlohmann::json::parse(nlohmann::json(cp).dump()).get<RunCheckpoint>();
    }
  }
  EXPECT_EQ(state, RunState::completed);
  ASSERT_EQ(log.rows.size(), whole_log.rows.size());
  for (std::size_t i = 0; i < log.rows.size(); ++i) {
    ASSERT_EQ(log.rows[i], whole_log.rows[i]) << "first difference at record " << i;
  }
  EXPECT_TRUE(same_cycles(table.rows(), whole_table.rows()));
  EXPECT_FALSE(whole_table.rows().empty());
}

INSTANTIATE_TEST_SUITE_P(EveryLibraryProtocol, CheckpointRestore, ::testing::Range<std::size_t>(0, 9),
                         [](const auto& param_info) {
                           std::string n = library_cases(false)[param_info.param].name;
                           for (auto& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

}  // namespace
}  // namespace cyclerd::test

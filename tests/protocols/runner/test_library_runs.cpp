// Every library protocol validates and runs to completion on the sim presets with the expected number
// of steps and cycles (shortened counts here; ctest -L long runs them in full).
#include <algorithm>
#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/protocols/runner/runner_test_support.hpp"

namespace cyclerd::test {
namespace {

bool full_length() { return std::getenv("CYCLERD_FULL_LIBRARY") != nullptr; }

class LibraryRun : public ::testing::TestWithParam<std::size_t> {};

TEST_P(LibraryRun, RunsToCompletionWithTheExpectedStepsAndCycles) {
  const LibraryCase c = library_cases(full_length()).at(GetParam());
  SCOPED_TRACE(c.name);
  SimulatedChannel channel(SimulatedCell{c.preset, 1e-3, 1});
  const Protocol p = library_protocol(c, channel);
  RunTotals totals;
  CycleTable table(1e-3);
  const RunState end = channel.run(p, {&totals, &table});
  EXPECT_EQ(end, RunState::completed) << totals.to_json().dump();
  EXPECT_EQ(totals.steps(), c.steps);
  EXPECT_EQ(totals.cycles(), c.cycles);
  ASSERT_EQ(table.rows().size(), static_cast<std::size_t>(c.cycles));
  for (const auto& row : table.rows()) {
    EXPECT_GT(row.discharge_capacity_mAh_g, 0) << "cycle " << row.cycle_index;
    EXPECT_GT(row.charge_capacity_mAh_g, 0) << "cycle " << row.cycle_index;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryLibraryProtocol, LibraryRun, ::testing::Range<std::size_t>(0, 9),
                         [](const auto& param_info) {
                           std::string n = library_cases(false)[param_info.param].name;
                           for (auto& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

TEST(LibraryRun, EveryLibraryProtocolIsCovered) {
  std::vector<std::string> covered;
  for (const auto& c : library_cases(false)) covered.push_back(c.name);
  std::sort(covered.begin(), covered.end());
  EXPECT_EQ(covered, library_protocol_names());
}

}  // namespace
}  // namespace cyclerd::test

// Readers: time windows, decimation from the summary (real rows, extremes kept), cycles, events, runs.
#include <algorithm>
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "schema/reader.hpp"
#include "schema/writer.hpp"
#include "tests/schema/storage_test_support.hpp"

namespace cyclerd::store {
namespace {

class Recorded : public ::testing::Test {
 protected:
  static constexpr std::int64_t kSamples = 100'000;
  void SetUp() override {
    Writer writer(path);
    run = test::make_run(writer);
    for (std::int64_t i = 0; i < kSamples; i += 10'000) ASSERT_TRUE(writer.submit(test::sample_batch(run, i, 10'000)).accepted());
    CycleSummaryRow c;
    c.run_id = run;
    c.cycle_index = 1;
    c.charge_capacity_Ah = 1e-3;
    c.discharge_capacity_Ah = 1.1e-3;
    c.coulombic_efficiency = 1e-3 / 1.1e-3;
    c.duration_s = 3600;
    RecordBatch b;
    b.cycles.push_back(c);
    b.events.push_back({run, 1.7e9, "note", "looks fine", "bob", "{}"});
    b.states.push_back({run, "completed", 1.7e9 + 10});
    ASSERT_TRUE(writer.submit(std::move(b)).accepted());
    ASSERT_TRUE(writer.flush());
  }
  test::TempDir dir;
  std::string path = dir.file("lab.sqlite");
  std::int64_t run = 0;
};

TEST_F(Recorded, FullQueryReturnsEveryRowInOrder) {
  Reader reader(path);
  const auto all = reader.samples(run);
  EXPECT_FALSE(all.decimated);
  ASSERT_EQ(all.rows.size(), static_cast<std::size_t>(kSamples));
  for (std::int64_t i = 0; i < kSamples; i += 997) {
    const auto expected = test::synthetic_sample(run, i);
    EXPECT_EQ(all.rows[static_cast<std::size_t>(i)].index, i);
    EXPECT_EQ(all.rows[static_cast<std::size_t>(i)].voltage_V, expected.voltage_V);
    EXPECT_EQ(all.rows[static_cast<std::size_t>(i)].temperature_C, expected.temperature_C);
  }
}

TEST_F(Recorded, TimeWindowSelectsByTestTime) {
  Reader reader(path);
  const auto window = reader.samples(run, {100.0, 200.0});  // test time is 0.5 s per index
  ASSERT_EQ(window.rows.size(), 201u);
  EXPECT_EQ(window.rows.front().index, 200);
  EXPECT_EQ(window.rows.back().index, 400);
  EXPECT_TRUE(reader.samples(run, {1e9, std::nullopt}).rows.empty());
}

TEST_F(Recorded, DecimatedQueryReturnsRealRowsWithTheExtremesOfEveryBucket) {
  Reader reader(path);
  const auto full = reader.samples(run).rows;
  for (const SampleRange range : {SampleRange{}, SampleRange{1234.5, 40000.0}}) {
    const auto dec = reader.samples(run, range, 2000);
    EXPECT_TRUE(dec.decimated);
    ASSERT_LE(dec.rows.size(), 2000u);
    ASSERT_GE(dec.rows.size(), 500u);
    std::int64_t previous = -1;
    for (const auto& r : dec.rows) {
      EXPECT_GT(r.index, previous) << "indices in order, no repeat";
      previous = r.index;
      const auto& truth = full[static_cast<std::size_t>(r.index)];
      EXPECT_EQ(r.voltage_V, truth.voltage_V);
      EXPECT_EQ(r.test_time_s, truth.test_time_s);
    }
    // The window's global extremes are always among the returned rows.
    const auto lo = static_cast<std::size_t>(range.from_s ? std::ceil(*range.from_s / 0.5) : 0);
    const auto hi = static_cast<std::size_t>(range.to_s ? *range.to_s / 0.5 : kSamples - 1);
    EXPECT_GE(dec.rows.front().index, static_cast<std::int64_t>(lo));
    EXPECT_LE(dec.rows.back().index, static_cast<std::int64_t>(hi));
    const auto [vmin, vmax] = std::minmax_element(full.begin() + static_cast<long>(lo), full.begin() + static_cast<long>(hi) + 1,
                                                  [](const auto& a, const auto& b) { return a.voltage_V < b.voltage_V; });
    std::set<std::int64_t> got;
    for (const auto& r : dec.rows) got.insert(r.index);
    EXPECT_TRUE(got.count(vmin->index)) << "global voltage minimum at " << vmin->index;
    EXPECT_TRUE(got.count(vmax->index)) << "global voltage maximum at " << vmax->index;
  }
}

TEST_F(Recorded, SmallWindowIsNotDecimated) {
  Reader reader(path);
  const auto few = reader.samples(run, {0.0, 99.0}, 2000);
  EXPECT_FALSE(few.decimated);
  EXPECT_EQ(few.rows.size(), 199u);
}

TEST_F(Recorded, CyclesEventsAndRunsReadBack) {
  Reader reader(path);
  const auto cycles = reader.cycles(run);
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_DOUBLE_EQ(*cycles[0].coulombic_efficiency, 1e-3 / 1.1e-3);
  EXPECT_FALSE(cycles[0].mean_charge_voltage_V.has_value());
  const auto events = reader.events(run);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].text, "looks fine");
  const auto runs = reader.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state, "completed");
  EXPECT_EQ(runs[0].protocol_name, "cc-test");
  EXPECT_EQ(runs[0].tags_json, R"(["test"])");
  EXPECT_EQ(runs[0].sample_count, kSamples);
}

}  // namespace
}  // namespace cyclerd::store

// The writer: acknowledged means stored, checkpoints travel with their samples, nothing is dropped silently.
#include <atomic>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "schema/reader.hpp"
#include "schema/writer.hpp"
#include "tests/schema/storage_test_support.hpp"

namespace cyclerd::store {
namespace {

using test::TempDir;

TEST(Writer, AcknowledgedBatchIsStoredWithItsCheckpointAndEvents) {
  TempDir dir;
  const auto path = dir.file("lab.sqlite");
  std::atomic<std::uint64_t> last_ack{0};
  WriterOptions options;
  options.on_ack = [&](std::uint64_t seq) { last_ack = seq; };
  Writer writer(path, options);
  const auto run = test::make_run(writer);
  auto batch = test::sample_batch(run, 0, 1000);
  batch.checkpoints.push_back({run, R"({"position": 3})", R"({"rng": [1, 2]})", 1.7e9});
  batch.events.push_back({run, 1.7e9, "state", "started", "alice", R"({"state": "running"})"});
  const auto result = writer.submit(std::move(batch));
  ASSERT_TRUE(result.accepted());
  ASSERT_TRUE(writer.wait_acknowledged(result.sequence, std::chrono::seconds(5)));
  EXPECT_GE(last_ack.load(), result.sequence);

  Reader reader(path);
  const auto info = reader.run(run);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sample_count, 1000);
  EXPECT_EQ(info->checkpoint_sample_count, 1000);
  EXPECT_EQ(info->checkpoint_engine_state, R"({"position": 3})");
  EXPECT_EQ(info->checkpoint_driver_snapshot, R"({"rng": [1, 2]})");
  const auto events = reader.events(run);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].who, "alice");
  EXPECT_EQ(test::query_text(path, "PRAGMA journal_mode"), "wal");
}

TEST(Writer, GapInSampleIndicesIsRejectedAndReported) {
  TempDir dir;
  const auto path = dir.file("lab.sqlite");
  std::mutex m;
  std::vector<StorageStatus> statuses;
  WriterOptions options;
  options.on_status = [&](const StorageStatus& s) {
    std::lock_guard lock(m);
    statuses.push_back(s);
  };
  Writer writer(path, options);
  const auto run = test::make_run(writer);
  const auto good = writer.submit(test::sample_batch(run, 0, 10));
  const auto gap = writer.submit(test::sample_batch(run, 11, 10));  // index 10 missing
  const auto repeat = writer.submit(test::sample_batch(run, 5, 10));
  EXPECT_TRUE(writer.wait_acknowledged(good.sequence, std::chrono::seconds(5)));
  EXPECT_FALSE(writer.wait_acknowledged(gap.sequence, std::chrono::seconds(5)));
  EXPECT_FALSE(writer.wait_acknowledged(repeat.sequence, std::chrono::seconds(5)));
  std::lock_guard lock(m);
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].kind, StorageStatus::Kind::rejected);
  EXPECT_NE(statuses[0].message.find("sample index 11 where 10 was expected"), std::string::npos);
  EXPECT_EQ(Reader(path).run(run)->sample_count, 10);
}

TEST(Writer, FullQueueRefusesTheBatchAndSaysSo) {
  TempDir dir;
  WriterOptions options;
  options.queue_capacity_rows = 100;
  options.batch_rows = 1'000'000;                // only the period commits
  options.commit_period = std::chrono::hours(1);
  std::atomic<int> queue_full{0};
  options.on_status = [&](const StorageStatus& s) { queue_full += s.kind == StorageStatus::Kind::queue_full; };
  Writer writer(dir.file("lab.sqlite"), options);
  const auto run = test::make_run(writer);
  EXPECT_TRUE(writer.submit(test::sample_batch(run, 0, 80)).accepted());
  auto batch = test::sample_batch(run, 80, 80);
  const auto refused = writer.submit(std::move(batch));
  EXPECT_EQ(refused.status, SubmitStatus::queue_full);
  EXPECT_EQ(queue_full.load(), 1);
  EXPECT_EQ(batch.samples.size(), 80u) << "a refused batch stays with the producer";
  EXPECT_TRUE(writer.flush());
  EXPECT_TRUE(writer.submit(std::move(batch)).accepted());  // room again after the commit: the same records
  EXPECT_TRUE(writer.flush());
  EXPECT_EQ(Reader(dir.file("lab.sqlite")).run(run)->sample_count, 160);
}

TEST(Writer, FullDiskGivesStorageErrorKeepsTheDatabaseAndResumes) {
  TempDir dir;
  const auto path = dir.file("lab.sqlite");
  std::mutex m;
  std::vector<StorageStatus> statuses;
  WriterOptions options;
  options.retry_period = std::chrono::milliseconds(50);
  options.on_status = [&](const StorageStatus& s) {
    std::lock_guard lock(m);
    statuses.push_back(s);
  };
  Writer writer(path, options);
  const auto run = test::make_run(writer);
  ASSERT_TRUE(writer.submit(test::sample_batch(run, 0, 2000)).accepted());
  ASSERT_TRUE(writer.flush());
  const auto pages = std::stoll(test::query_text(path, "PRAGMA page_count"));
  writer.set_max_page_count(pages + 2).get();  // room for a few pages only: the disk is "full"

  const auto big = writer.submit(test::sample_batch(run, 2000, 20000));
  ASSERT_TRUE(big.accepted());
  EXPECT_FALSE(writer.flush(std::chrono::milliseconds(500)));
  EXPECT_TRUE(writer.failing());
  const auto refused = writer.submit(test::sample_batch(run, 22000, 10));
  EXPECT_EQ(refused.status, SubmitStatus::storage_failed);
  EXPECT_NE(refused.message.find("full"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find(path), std::string::npos) << refused.message;
  EXPECT_EQ(test::query_text(path, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(Reader(path).run(run)->sample_count, 2000);  // the failed batch is not half-stored

  writer.set_max_page_count(std::nullopt).get();  // space is back
  ASSERT_TRUE(writer.wait_acknowledged(big.sequence, std::chrono::seconds(5)));
  EXPECT_FALSE(writer.failing());
  EXPECT_TRUE(writer.submit(test::sample_batch(run, 22000, 10)).accepted());
  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(Reader(path).run(run)->sample_count, 22010);
  std::lock_guard lock(m);
  ASSERT_GE(statuses.size(), 2u);
  EXPECT_EQ(statuses.front().kind, StorageStatus::Kind::failed);
  EXPECT_EQ(statuses.back().kind, StorageStatus::Kind::recovered);
}

TEST(Writer, ReopenedWriterContinuesTheRunAndItsSummary) {
  TempDir dir;
  const auto path = dir.file("lab.sqlite");
  std::int64_t run = 0;
  {
    Writer writer(path);
    run = test::make_run(writer);
    ASSERT_TRUE(writer.submit(test::sample_batch(run, 0, 5000)).accepted());
  }
  {
    Writer writer(path);
    EXPECT_FALSE(writer.wait_acknowledged(writer.submit(test::sample_batch(run, 4999, 2)).sequence,
                                          std::chrono::seconds(5)));  // a repeat, even across restarts
    ASSERT_TRUE(writer.submit(test::sample_batch(run, 5000, 5000)).accepted());
  }
  // The level-1 summary has one row per 64 samples with the right extremes, across the restart.
  EXPECT_EQ(test::query_text(path, "SELECT count(*) FROM sample_summary WHERE level=1"), std::to_string((10000 + 63) / 64));
  EXPECT_EQ(test::query_text(path, "SELECT count(*) FROM sample_summary s WHERE level=1 AND v_max != "
                                   "(SELECT max(voltage_V) FROM samples WHERE run_id=s.run_id AND "
                                   "sample_index BETWEEN s.first_index AND s.last_index)"),
            "0");
  EXPECT_EQ(test::query_text(path, "SELECT max(last_index) FROM sample_summary WHERE level=3"), "9999");
}

TEST(Writer, WarnsWhileTheDiskStillHoldsADayAtTheCurrentRate) {
  TempDir dir;
  const auto path = dir.file("lab.sqlite");
  std::atomic<std::int64_t> free_bytes{std::int64_t{1} << 50};  // plenty
  std::atomic<int> warnings{0};
  WriterOptions options;
  options.disk_check_period = std::chrono::milliseconds(0);
  options.free_space = [&] { return free_bytes.load(); };
  options.on_status = [&](const StorageStatus& s) { warnings += s.kind == StorageStatus::Kind::disk_space_warning; };
  Writer writer(path, options);
  const auto run = test::make_run(writer);
  std::int64_t next = 0;
  auto record = [&] {
    ASSERT_TRUE(writer.submit(test::sample_batch(run, next, 2000)).accepted());
    next += 2000;
    ASSERT_TRUE(writer.flush());
  };
  for (int i = 0; i < 3; ++i) record();
  EXPECT_EQ(warnings.load(), 0);
  free_bytes = 100 << 20;  // 100 MB: at this test's rate (MB per second) far less than a day
  for (int i = 0; i < 3; ++i) record();
  EXPECT_EQ(warnings.load(), 1) << "one warning, not one per commit";
  const auto events = Reader(path).events(std::nullopt);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events.back().text.find("hours of recording"), std::string::npos) << events.back().text;
  EXPECT_EQ(Reader(path).run(run)->sample_count, next) << "recording continues";
}

}  // namespace
}  // namespace cyclerd::store

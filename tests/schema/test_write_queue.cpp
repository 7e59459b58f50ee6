// The writer's queue bounds, on a real SQLite file: rows and bytes, the high-water mark producers that can
// wait are held at (back-pressure), and the size cap given in bytes.
#include <atomic>
#include <future>
#include <string>

#include <gtest/gtest.h>

#include "schema/reader.hpp"
#include "schema/writer.hpp"
#include "tests/schema/storage_test_support.hpp"

namespace cyclerd::store {
namespace {

using test::TempDir;

// A batch of `count` events, each carrying `text_bytes` of text (what an analysis result or a long note
// costs: few rows, many bytes).
RecordBatch event_batch(std::int64_t run_id, int count, std::size_t text_bytes) {
  RecordBatch b;
  for (int i = 0; i < count; ++i) {
    b.events.push_back({run_id, 1.7e9 + i, "note", std::string(text_bytes, 'x'), "alice", "{}"});
  }
  return b;
}

// Only an explicit flush or a waiting producer makes this writer commit.
WriterOptions held_commits() {
  WriterOptions options;
  options.batch_rows = 1'000'000;
  options.commit_period = std::chrono::hours(1);
  return options;
}

std::int64_t stored_events(const std::string& path, std::int64_t run) {
  return std::stoll(test::query_text(path, "SELECT count(*) FROM events WHERE run_id=" + std::to_string(run)));
}

TEST(WriteQueueBytes, ABatchOfLargeTextsIsRefusedByTheByteBoundWhileFarBelowTheRowBound) {
  TempDir dir;
  const auto path = dir.file("lab.sqlite");
  WriterOptions options = held_commits();
  options.queue_capacity_rows = 100'000;
  options.queue_capacity_bytes = 1 << 20;
  std::atomic<int> queue_full{0};
  options.on_status = [&](const StorageStatus& s) { queue_full += s.kind == StorageStatus::Kind::queue_full; };
  Writer writer(path, options);
  const auto run = test::make_run(writer);

  // 600 kB in 6 rows fits; another 600 kB would pass 1 MB though the queue holds only 6 of 100,000 rows.
  ASSERT_TRUE(writer.submit(event_batch(run, 6, 100'000)).accepted());
  EXPECT_GE(writer.queued().bytes, 600'000u);
  EXPECT_EQ(writer.queued().rows, 6u);
  auto second = event_batch(run, 6, 100'000);
  const auto refused = writer.submit(std::move(second));
  EXPECT_EQ(refused.status, SubmitStatus::queue_full);
  EXPECT_NE(refused.message.find("1 MB"), std::string::npos) << refused.message;
  EXPECT_EQ(queue_full.load(), 1);
  EXPECT_EQ(second.events.size(), 6u) << "a refused batch stays with the producer";

  // Samples are bounded the same way: 20,000 of them (~100 bytes each) pass 1 MB too.
  auto samples = test::sample_batch(run, 0, 20'000);
  EXPECT_GT(samples.byte_size(), std::size_t{1} << 20);
  EXPECT_EQ(writer.submit(std::move(samples)).status, SubmitStatus::queue_full);

  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(writer.queued().bytes, 0u);
  ASSERT_TRUE(writer.submit(std::move(second)).accepted()) << "room again once the writer took the queue";
  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(stored_events(path, run), 12);
}

TEST(WriteQueueBytes, AnOversizedBatchIsTakenWhenTheQueueIsEmpty) {
  TempDir dir;
  const auto path = dir.file("lab.sqlite");
  WriterOptions options = held_commits();
  options.queue_capacity_bytes = 100'000;
  Writer writer(path, options);
  const auto run = test::make_run(writer);
  const auto big = writer.submit(event_batch(run, 3, 100'000));  // 300 kB, three times the bound
  ASSERT_TRUE(big.accepted()) << big.message;
  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(stored_events(path, run), 3);
}

TEST(WriteQueueBackPressure, AProducerAboveTheHighWaterMarkIsHeldAndCalledOnceTheWriterTookTheQueue) {
  TempDir dir;
  const auto path = dir.file("lab.sqlite");
  WriterOptions options = held_commits();
  options.queue_capacity_rows = 1000;  // high-water mark: 500 rows
  std::atomic<int> refusals{0};
  options.on_status = [&](const StorageStatus& s) { refusals += s.kind == StorageStatus::Kind::queue_full; };
  Writer writer(path, options);
  const auto run = test::make_run(writer);

  ASSERT_TRUE(writer.submit(test::sample_batch(run, 0, 300)).accepted());
  std::promise<void> called;
  auto ready = called.get_future();
  // 300 + 200 is at the mark: room. 500 + 200 is past it: held, though the queue itself would take it.
  EXPECT_TRUE(writer.room_for({200, 0}, [] { ADD_FAILURE() << "called without being held"; }));
  ASSERT_TRUE(writer.submit(test::sample_batch(run, 300, 200)).accepted());
  EXPECT_FALSE(writer.room_for({200, 0}, [&] { called.set_value(); }));

  // Nothing else asks for a commit (no flush, the period is an hour): the held producer makes it happen.
  ASSERT_EQ(ready.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the held producer was never called";
  EXPECT_TRUE(writer.room_for({200, 0}, [] { ADD_FAILURE() << "held again after the writer took the queue"; }));
  ASSERT_TRUE(writer.submit(test::sample_batch(run, 500, 200)).accepted());
  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(Reader(path).run(run)->sample_count, 700);
  EXPECT_EQ(refusals.load(), 0) << "a held producer is not refused";
}

TEST(WriteQueueBackPressure, TheByteBoundHoldsAProducerToo) {
  TempDir dir;
  WriterOptions options = held_commits();
  options.queue_capacity_bytes = 1 << 20;  // high-water mark: 512 kB
  Writer writer(dir.file("lab.sqlite"), options);
  const auto run = test::make_run(writer);
  ASSERT_TRUE(writer.submit(event_batch(run, 4, 100'000)).accepted());
  std::promise<void> called;
  auto ready = called.get_future();
  EXPECT_FALSE(writer.room_for({1, 200'000}, [&] { called.set_value(); }));
  ASSERT_EQ(ready.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST(WriterSizeCap, ACapInBytesFailsTheCommitThatWouldPassItLikeAFullDisk) {
  TempDir dir;
  const auto path = dir.file("lab.sqlite");
  std::int64_t run = 0;
  {
    Writer writer(path);
    run = test::make_run(writer);
    ASSERT_TRUE(writer.submit(test::sample_batch(run, 0, 2000)).accepted());
  }
  const std::int64_t bytes = std::stoll(test::query_text(path, "PRAGMA page_count")) *
                             std::stoll(test::query_text(path, "PRAGMA page_size"));
  WriterOptions options;
  options.max_size_bytes = bytes + 8192;  // two more pages
  options.retry_period = std::chrono::milliseconds(50);
  Writer writer(path, options);
  const auto big = writer.submit(test::sample_batch(run, 2000, 20'000));
  ASSERT_TRUE(big.accepted());
  EXPECT_FALSE(writer.flush(std::chrono::milliseconds(500)));
  EXPECT_TRUE(writer.failing());
  EXPECT_NE(writer.last_error().find("full"), std::string::npos) << writer.last_error();
  EXPECT_EQ(Reader(path).run(run)->sample_count, 2000);
  writer.set_max_page_count(std::nullopt).get();  // the quota is lifted: what waited is stored
  ASSERT_TRUE(writer.wait_acknowledged(big.sequence, std::chrono::seconds(5)));
  EXPECT_EQ(Reader(path).run(run)->sample_count, 22'000);
}

}  // namespace
}  // namespace cyclerd::store

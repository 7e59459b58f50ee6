// The WAL stays bounded while our own readers query continuously; an outside reader that pins an old
// snapshot gets a warning, and recording goes on.
#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "schema/database.hpp"
#include "schema/reader.hpp"
#include "schema/writer.hpp"
#include "tests/schema/storage_test_support.hpp"

namespace cyclerd::store {
namespace {

constexpr std::int64_t kWalBudget = 64 << 20;  // the bound

std::int64_t sample_count() {
  // 300 k in the default suite (a few seconds); the `long` ctest entry records the 2 million.
  const char* env = std::getenv("CYCLERD_WAL_SAMPLES");
  return env ? std::atoll(env) : 300'000;
}

TEST(Wal, StaysUnder64MBWhileOwnReadersQueryContinuously) {
  test::TempDir dir;
  const auto path = dir.file("lab.sqlite");
  Writer writer(path);
  const auto run = test::make_run(writer);
  const std::int64_t total = sample_count();
  std::atomic<bool> done{false};
  std::atomic<std::int64_t> queries{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      Reader reader(path);
      while (!done) {
        if (r == 0) {
          reader.samples(run, {}, 2000);               // a plot of the whole run
        } else {
          reader.samples(run, {0.0, 500.0});           // the first 1000 rows
          reader.runs();
        }
        ++queries;
      }
    });
  }
  std::int64_t max_wal = 0;
  constexpr std::int64_t kBatch = 2000;
  for (std::int64_t i = 0; i < total;) {
    if (writer.submit(test::sample_batch(run, i, std::min(kBatch, total - i))).accepted()) {
      i += kBatch;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    max_wal = std::max(max_wal, wal_size_bytes(path));
  }
  ASSERT_TRUE(writer.flush(std::chrono::seconds(60)));
  max_wal = std::max(max_wal, wal_size_bytes(path));
  done = true;
  for (auto& t : readers) t.join();
  const auto db_size = std::filesystem::file_size(path);
  std::printf("%lld samples, database %.1f MB, largest WAL seen %.1f MB, %lld reader queries meanwhile\n",
              static_cast<long long>(total), static_cast<double>(db_size) / 1048576.0,
              static_cast<double>(max_wal) / 1048576.0, static_cast<long long>(queries.load()));
  EXPECT_LT(max_wal, kWalBudget);
  // The default run is too short to reach 64 MB even without checkpoints, so it checks a tighter bound:
  // the writer truncates the WAL once it passes twice the checkpoint size (16 MB), plus one batch.
  EXPECT_LT(max_wal, 32 << 20);
  EXPECT_GT(queries.load(), 10);
  EXPECT_EQ(Reader(path).run(run)->sample_count, total);
}

TEST(Wal, OutsideReaderHoldingASnapshotGetsAWarningAndRecordingContinues) {
  test::TempDir dir;
  const auto path = dir.file("lab.sqlite");
  std::atomic<int> warnings{0};
  WriterOptions options;
  options.wal_checkpoint_bytes = 1 << 20;  // small limits so the test is quick
  options.wal_warning_bytes = 4 << 20;
  options.on_status = [&](const StorageStatus& s) { warnings += s.kind == StorageStatus::Kind::wal_warning; };
  Writer writer(path, options);
  const auto run = test::make_run(writer);
  ASSERT_TRUE(writer.submit(test::sample_batch(run, 0, 1000)).accepted());
  ASSERT_TRUE(writer.flush());

  // An outside program (a notebook, the sqlite3 shell) opens a read transaction and keeps it.
  Connection outside(path, OpenMode::read_only);
  outside.exec("BEGIN");
  EXPECT_EQ(outside.query_int("SELECT count(*) FROM samples"), 1000);

  std::int64_t next = 1000;
  for (int i = 0; i < 60 && warnings == 0; ++i, next += 2000) {
    ASSERT_TRUE(writer.submit(test::sample_batch(run, next, 2000)).accepted());
    ASSERT_TRUE(writer.flush());
  }
  EXPECT_EQ(warnings.load(), 1);
  EXPECT_EQ(Reader(path).run(run)->sample_count, next) << "recording continued";
  const auto events = Reader(path).events(std::nullopt);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, "storage_warning");
  EXPECT_NE(events.back().text.find("read transaction"), std::string::npos);
  EXPECT_EQ(outside.query_int("SELECT count(*) FROM samples"), 1000) << "the outside snapshot is untouched";

  outside.exec("COMMIT");  // the reader lets go: the WAL is checkpointed and shrinks again
  for (int i = 0; i < 5; ++i, next += 2000) {
    ASSERT_TRUE(writer.submit(test::sample_batch(run, next, 2000)).accepted());
    ASSERT_TRUE(writer.flush());
  }
  EXPECT_LT(wal_size_bytes(path), options.wal_warning_bytes);
}

}  // namespace
}  // namespace cyclerd::store

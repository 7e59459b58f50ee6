// The Writer: one thread owns the write connection; producers hand it records through a bounded queue and
// it commits them in batches, each batch's samples, summaries, events and checkpoints in one transaction.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "schema/records.hpp"
#include "schema/write_queue.hpp"

namespace cyclerd::store {

// SQLite's synchronous setting: NORMAL survives a crash of the process; FULL also a loss of power.
enum class Synchronous { normal, full };

// What the writer tells the daemon about storage; the daemon pauses runs (with an event) on `failed` and
// `queue_full`, and may resume them on `recovered`.
struct StorageStatus {
  enum class Kind {
    failed,       // a commit failed (disk full, I/O error, read-only...); records are kept and retried
    recovered,    // a commit succeeded again after `failed`
    queue_full,   // a producer's batch did not fit; it was not taken
    rejected,     // a batch was refused for good (a gap or repeat in sample indices, an unknown run...)
    wal_warning,  // the WAL cannot be checkpointed (an outside reader holds an old snapshot); recording goes on
    disk_space_warning,  // the disk fills within disk_warning_horizon at the current rate; recording goes on
  };
  Kind kind;
  std::string message;
  std::uint64_t sequence = 0;  // for `rejected`: the refused batch
};

// Why submit() did not take a batch (or that it did).
enum class SubmitStatus { accepted, queue_full, storage_failed, closed };

// The outcome of submit(): on `accepted`, the sequence number that on_ack / wait_acknowledged report.
struct SubmitResult {
  SubmitStatus status = SubmitStatus::closed;
  std::uint64_t sequence = 0;
  std::string message;
  bool accepted() const { return status == SubmitStatus::accepted; }
};

struct WriterOptions {
  // A batch commits when this much time has passed since the last commit...
  std::chrono::milliseconds commit_period{250};
  // ...or when this many rows wait, whichever comes first (bounds a transaction's size and memory).
  std::size_t batch_rows = 50'000;
  // The queue holds at most this many rows: at 1 kHz per channel, 100 channels fill it in ~2 s, long enough
  // to ride out a slow fsync, short enough that a transaction stays bounded.
  std::size_t queue_capacity_rows = 200'000;
  // ...and at most this many bytes (RecordBatch::byte_size). Samples are ~100 bytes, but events,
  // checkpoints and analysis results carry texts of any size, and the rows alone let a full-speed backlog
  // reach 40-60 MB. Memory for records is at most this twice over: the queue, and what the writer took from
  // it and is committing. Samples alone reach it at ~160,000 rows (1.6 s of 100 channels at 1 kHz).
  std::size_t queue_capacity_bytes = 16u << 20;
  Synchronous synchronous = Synchronous::normal;
  // A passive WAL checkpoint runs after a commit once the WAL exceeds this; with journal_size_limit at the
  // same size the WAL file shrinks back after each reset, far below the 64 MB budget.
  std::int64_t wal_checkpoint_bytes = 8 << 20;
  // A WAL this large that a checkpoint cannot empty means an outside reader holds an old snapshot: warn.
  std::int64_t wal_warning_bytes = 32 << 20;
  // After a failed commit, retry this often (the records wait in memory; producers are refused meanwhile).
  std::chrono::milliseconds retry_period{500};
  // A cap on the database's size in bytes (rounded down to whole pages: PRAGMA max_page_count), for quotas
  // and tests of a full disk; a commit that would pass it fails like a full disk (SQLITE_FULL). A database
  // already larger keeps its size and cannot grow.
  std::optional<std::int64_t> max_size_bytes;
  // Free space is checked at most this often (after a commit), and a warning comes while there is still room
  // for `disk_warning_horizon` of recording at the rate measured since the last check.
  std::chrono::milliseconds disk_check_period{std::chrono::seconds(60)};
  std::chrono::seconds disk_warning_horizon{std::chrono::hours(24)};
  // Free bytes on the database's filesystem; empty means statvfs of the database's directory (tests replace it).
  std::function<std::int64_t()> free_space;
  // Called on the writer thread after each commit with the highest stored sequence (all lower ones that were
  // not rejected are stored too).
  std::function<void(std::uint64_t)> on_ack;
  // Called on the writer thread (or, for queue_full, the producer's) when storage changes condition.
  // Held producers (room_for) do not count as queue_full: they were not refused.
  std::function<void(const StorageStatus&)> on_status;
};

// The write side of one database file.
class Writer {
 public:
  // Opens (creating or upgrading) the database; throws storage_error naming the file if it cannot.
  Writer(std::string path, WriterOptions options = {});
  // Commits what is queued (one last attempt if storage is failing) and stops the thread.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Hands a batch to the writer (moved from only when accepted). Refused when the queue is full, storage is
  // failing, or the writer is closed, and then left intact with the caller: never dropped silently.
  SubmitResult submit(RecordBatch&& batch);
  // Back-pressure, for producers that can wait (a simulation faster than real time): true when a batch of
  // `size` fits below the queue's high-water mark (half its capacity in rows and bytes), when the queue is
  // empty, or when storage is failing (submit then says why). Otherwise false, and `ready` is called once,
  // on the writer's thread, when the writer has taken the queue: ask again then, and submit.
  bool room_for(QueueBounds size, std::function<void()> ready);
  // Commits what is queued now instead of at the next commit period, without waiting (a run's last batch:
  // its final state is shown once stored).
  void commit_soon() { queue_.request_flush(); }
  // Rows and bytes queued now (not yet taken by the writer thread).
  QueueBounds queued() const { return queue_.size(); }
  // Asks for a commit now and waits until everything submitted so far is stored; false on timeout or when a
  // batch was rejected or could not be stored.
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True once the batch with this sequence is stored; waits up to `timeout`.
  bool wait_acknowledged(std::uint64_t sequence, std::chrono::milliseconds timeout);
  // The highest sequence stored so far.
  std::uint64_t acknowledged() const { return acked_.load(); }
  // True while commits fail (producers are being refused).
  bool failing() const { return failing_.load(); }
  // The message of the last storage failure.
  std::string last_error() const;

  // Changes the size cap (PRAGMA max_page_count) on the writer's connection; nullopt lifts it.
  std::future<void> set_max_page_count(std::optional<std::int64_t> pages);
  // Adds or replaces a cell.
  std::future<void> put_cell(CellRow cell);
  // Adds or replaces a channel.
  std::future<void> put_channel(ChannelRow channel);
  // Creates a run (storing its protocol text once per distinct text); returns the run id.
  std::future<std::int64_t> create_run(RunRow run);

  const std::string& path() const noexcept { return path_; }

 private:
  class State;
  void run();
  void commit_pending();
  void manage_wal();
  void watch_disk_space();
  void warn(const std::string& kind, const std::string& text, const std::string& data_json);
  void report(StorageStatus status);
  template <typename T>
  std::future<T> post(std::function<T(Connection&)> work);

  std::string path_;
  WriterOptions options_;
  WriteQueue queue_;
  std::unique_ptr<State> state_;  // owned by the writer thread once it runs
  std::atomic<std::uint64_t> acked_{0};
  std::atomic<bool> failing_{false};
  mutable std::mutex status_mutex_;
  std::condition_variable acked_cv_;
  std::set<std::uint64_t> rejected_;
  std::uint64_t processed_ = 0;   // highest sequence stored or rejected, under status_mutex_
  std::string last_error_;
  std::thread thread_;
};

}  // namespace cyclerd::store

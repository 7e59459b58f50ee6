#include "schema/writer.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>
#include <unordered_map>

#include <sqlite3.h>

#include "core/error.hpp"
#include "schema/catalog.hpp"
#include "schema/database.hpp"
#include "schema/record_statements.hpp"
#include "schema/sample_summary.hpp"

namespace cyclerd::store {

namespace {
using Clock = std::chrono::steady_clock;

// SQLite's own ceiling on max_page_count: "no cap".
constexpr std::int64_t kNoPageCap = 2147483646;

// What the writer knows of a run it has written to: the next sample index and the open summary buckets.
struct RunCursor {
  std::int64_t next_index = 0;
  RunSummary summary;
};
}  // namespace

// Everything the writer thread alone touches.
class Writer::State {
 public:
  State(const std::string& path, const WriterOptions& options) : db(path, OpenMode::read_write) {
    db.exec(options.synchronous == Synchronous::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    // The writer checkpoints explicitly after commits (manage_wal), never in the middle of one.
    db.exec("PRAGMA wal_autocheckpoint=0");
    db.exec("PRAGMA journal_size_limit=" + std::to_string(options.wal_checkpoint_bytes));
    if (options.max_size_bytes) {
      const std::int64_t pages = *options.max_size_bytes / db.query_int("PRAGMA page_size");
      db.exec("PRAGMA max_page_count=" + std::to_string(std::clamp<std::int64_t>(pages, 1, kNoPageCap)));
    }
    statements = std::make_unique<RecordStatements>(db);
  }

  // The cursor of a run, loaded from the database the first time; nullptr for an unknown run.
  RunCursor* cursor(std::int64_t run_id) {
    if (auto it = runs.find(run_id); it != runs.end()) return &it->second;
    auto exists = db.prepare("SELECT 1 FROM runs WHERE id=?");
    exists.bind(1, run_id);
    if (!exists.step()) return nullptr;
    auto last = db.prepare("SELECT max(sample_index) FROM samples WHERE run_id=?");
    last.bind(1, run_id);
    RunCursor c;
    if (last.step() && !last.column_is_null(0)) c.next_index = last.column_int(0) + 1;
    c.summary.load(db, run_id, c.next_index);
    return &runs.emplace(run_id, std::move(c)).first->second;
  }

  Connection db;
  std::unique_ptr<RecordStatements> statements;
  std::unordered_map<std::int64_t, RunCursor> runs;
  std::vector<QueuedBatch> pending;  // taken from the queue, not yet stored (kept across failed commits)
  Clock::time_point next_commit = Clock::now();
  Clock::time_point retry_at = Clock::now();
  bool wal_warned = false;
  bool disk_warned = false;
  Clock::time_point disk_checked = Clock::now();
  std::int64_t disk_checked_bytes = -1;  // logical database size at the last check
};

Writer::Writer(std::string path, WriterOptions options)
    : path_(std::move(path)),
      options_(std::move(options)),
      queue_({options_.queue_capacity_rows, options_.queue_capacity_bytes}) {
  state_ = std::make_unique<State>(path_, options_);
  thread_ = std::thread([this] { run(); });
}

Writer::~Writer() {
  queue_.close();
  if (thread_.joinable()) thread_.join();
}

SubmitResult Writer::submit(RecordBatch&& batch) {
  if (failing_.load()) return {SubmitStatus::storage_failed, 0, last_error()};
  const std::uint64_t sequence = queue_.try_push(std::move(batch));
  if (sequence > 0) return {SubmitStatus::accepted, sequence, {}};
  const std::size_t bytes = options_.queue_capacity_bytes;
  const std::string size =
      bytes >= (1u << 20) ? std::to_string(bytes >> 20) + " MB" : std::to_string(bytes >> 10) + " kB";
  SubmitResult refused{SubmitStatus::queue_full, 0,
                       "the storage queue is full (" + std::to_string(options_.queue_capacity_rows) + " rows or " +
                           size + "): storage cannot keep up"};
  if (failing_.load()) refused = {SubmitStatus::storage_failed, 0, last_error()};
  report({StorageStatus::Kind::queue_full, refused.message, 0});
  return refused;
}

bool Writer::room_for(QueueBounds size, std::function<void()> ready) {
  // A failing writer refuses every batch: the producer learns why from submit, not by waiting.
  if (failing_.load()) return true;
  return queue_.room_for(size, std::move(ready));
}

bool Writer::wait_acknowledged(std::uint64_t sequence, std::chrono::milliseconds timeout) {
  std::unique_lock lock(status_mutex_);
  acked_cv_.wait_for(lock, timeout, [&] { return processed_ >= sequence; });
  return processed_ >= sequence && rejected_.count(sequence) == 0;
}

bool Writer::flush(std::chrono::milliseconds timeout) {
  const std::uint64_t target = queue_.last_sequence();
  queue_.request_flush();
  return wait_acknowledged(target, timeout);
}

std::string Writer::last_error() const {
  std::lock_guard lock(status_mutex_);
  return last_error_;
}

void Writer::report(StorageStatus status) {
  if (options_.on_status) options_.on_status(status);
}

template <typename T>
std::future<T> Writer::post(std::function<T(Connection&)> work) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  queue_.push_task([promise, work = std::move(work)](Connection& db) {
    try {
      if constexpr (std::is_void_v<T>) {
        work(db);
        promise->set_value();
      } else {
        promise->set_value(work(db));
      }
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  return future;
}

std::future<void> Writer::set_max_page_count(std::optional<std::int64_t> pages) {
  const std::int64_t value = pages.value_or(kNoPageCap);
  return post<void>([value](Connection& db) { db.exec("PRAGMA max_page_count=" + std::to_string(value)); });
}

std::future<void> Writer::put_cell(CellRow cell) {
  return post<void>([cell = std::move(cell)](Connection& db) { store_cell(db, cell); });
}

std::future<void> Writer::put_channel(ChannelRow channel) {
  return post<void>([channel = std::move(channel)](Connection& db) { store_channel(db, channel); });
}

std::future<std::int64_t> Writer::create_run(RunRow run) {
  return post<std::int64_t>([run = std::move(run)](Connection& db) { return store_run(db, run); });
}

void Writer::run() {
  auto& s = *state_;
  s.next_commit = Clock::now() + options_.commit_period;
  for (;;) {
    const auto deadline = failing_.load() ? s.retry_at : s.next_commit;
    // While failing, nothing new arrives (submit refuses), so waiting for rows would only delay the retry.
    auto take = queue_.take(deadline, options_.batch_rows);
    for (auto& task : take.tasks) task(s.db);
    for (auto& b : take.batches) s.pending.push_back(std::move(b));
    std::size_t rows = 0;
    for (const auto& b : s.pending) rows += b.batch.row_count();
    const auto now = Clock::now();
    // Held producers wait for this commit: it is due now, unless storage is failing (they were released
    // by the take and learn that from submit).
    const bool due = take.closed || take.flush || rows >= options_.batch_rows ||
                     (take.backlog && !failing_.load()) || now >= (failing_.load() ? s.retry_at : s.next_commit);
    if (due && (!s.pending.empty() || failing_.load())) {
      commit_pending();
      s.next_commit = Clock::now() + options_.commit_period;
      if (!failing_.load()) {
        manage_wal();
        watch_disk_space();
      }
    } else if (now >= s.next_commit) {
      s.next_commit = now + options_.commit_period;
    }
    if (take.flush && s.pending.empty()) {
      std::lock_guard lock(status_mutex_);
      acked_cv_.notify_all();
    }
    if (take.closed) {
      if (!s.pending.empty()) {
        report({StorageStatus::Kind::failed,
                std::to_string(s.pending.size()) + " batches could not be stored before the writer stopped: " +
                    last_error(),
                s.pending.back().sequence});
      }
      return;
    }
  }
}

void Writer::commit_pending() {
  auto& s = *state_;
  // Refuse for good the batches that can never be stored: unknown runs, gaps or repeats in sample indices.
  std::unordered_map<std::int64_t, std::int64_t> next;  // expected next index per run, as the batches go
  std::vector<QueuedBatch> valid;
  std::vector<std::pair<std::uint64_t, std::string>> refused;
  for (auto& qb : s.pending) {
    std::string why;
    auto local = next;
    auto known = [&](std::int64_t run_id) {
      if (local.count(run_id)) return true;
      RunCursor* c = s.cursor(run_id);
      if (!c) return false;
      local[run_id] = c->next_index;
      return true;
    };
    for (const auto& smp : qb.batch.samples) {
      if (!known(smp.run_id)) { why = "unknown run " + std::to_string(smp.run_id); break; }
      if (smp.index != local[smp.run_id]) {
        why = "run " + std::to_string(smp.run_id) + ": sample index " + std::to_string(smp.index) +
              " where " + std::to_string(local[smp.run_id]) + " was expected (no gap or repeat is allowed)";
        break;
      }
      ++local[smp.run_id];
    }
    for (const auto& c : qb.batch.checkpoints) {
      if (why.empty() && !known(c.run_id)) why = "checkpoint for unknown run " + std::to_string(c.run_id);
    }
    for (const auto& st : qb.batch.states) {
      if (why.empty() && !known(st.run_id)) why = "state for unknown run " + std::to_string(st.run_id);
    }
    if (why.empty()) {
      next = std::move(local);
      valid.push_back(std::move(qb));
    } else {
      refused.emplace_back(qb.sequence, why);
    }
  }
  s.pending = std::move(valid);
  for (const auto& [sequence, why] : refused) {
    {
      std::lock_guard lock(status_mutex_);
      rejected_.insert(sequence);
    }
    report({StorageStatus::Kind::rejected, why, sequence});
  }

  const auto saved_runs = s.runs;  // restored if the transaction fails, so cursors match the database
  try {
    if (!s.pending.empty()) {
      s.db.exec("BEGIN IMMEDIATE");
      auto& st = *s.statements;
      for (const auto& qb : s.pending) {
        const auto& b = qb.batch;
        for (const auto& smp : b.samples) {
          st.insert(smp);
          RunCursor& c = s.runs.at(smp.run_id);
          c.summary.add(smp, st.summary_upsert());
          c.next_index = smp.index + 1;
        }
        for (const auto& row : b.steps) st.insert(row);
        for (const auto& row : b.cycles) st.insert(row);
        for (const auto& row : b.events) st.insert(row);
        for (const auto& row : b.spectra) st.insert(row);
        for (const auto& row : b.analyses) st.insert(row);
        for (const auto& row : b.checkpoints) st.checkpoint(row, s.runs.at(row.run_id).next_index);
        for (const auto& row : b.states) st.state(row);
      }
      for (auto& [run_id, c] : s.runs) c.summary.write_open(run_id, st.summary_upsert());
      s.db.exec("COMMIT");
    }
  } catch (const Error& e) {
    if (sqlite3_get_autocommit(s.db.handle()) == 0) sqlite3_exec(s.db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    s.runs = saved_runs;
    const bool was_failing = failing_.exchange(true);
    {
      std::lock_guard lock(status_mutex_);
      last_error_ = e.what();
    }
    s.retry_at = Clock::now() + options_.retry_period;
    if (!was_failing) report({StorageStatus::Kind::failed, e.what(), 0});
    return;
  }
  std::uint64_t highest = 0;
  for (const auto& qb : s.pending) highest = std::max(highest, qb.sequence);
  std::uint64_t processed = highest;
  for (const auto& r : refused) processed = std::max(processed, r.first);
  s.pending.clear();
  // Callbacks and flags first, then wake waiters: whoever sees the sequence processed sees all of it.
  if (failing_.exchange(false)) report({StorageStatus::Kind::recovered, "storage accepts records again", 0});
  if (highest > 0) {
    acked_.store(std::max(acked_.load(), highest));
    if (options_.on_ack) options_.on_ack(highest);
  }
  {
    std::lock_guard lock(status_mutex_);
    processed_ = std::max(processed_, processed);
  }
  acked_cv_.notify_all();
}

void Writer::manage_wal() {
  auto& s = *state_;
  const std::int64_t wal = wal_size_bytes(path_);
  if (wal < options_.wal_checkpoint_bytes) return;
  int log_frames = 0;
  int done_frames = 0;
  // PASSIVE never waits for readers; our own readers keep their transactions short, so it completes soon.
  sqlite3_wal_checkpoint_v2(s.db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done_frames);
  if (done_frames >= log_frames && wal < 2 * options_.wal_checkpoint_bytes) {
    s.wal_warned = false;
    return;
  }
  // Our readers overlap one another, so some snapshot always pins the WAL and it would never restart. A
  // TRUNCATE checkpoint waits for the readers of that moment to finish (their transactions are short) and
  // empties the file. The wait is bounded: 250 ms of the writer's time, which the queue absorbs.
  sqlite3_busy_timeout(s.db.handle(), 250);
  const int rc = sqlite3_wal_checkpoint_v2(s.db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_busy_timeout(s.db.handle(), 5000);
  if (rc == SQLITE_OK) {
    s.wal_warned = false;
    return;
  }
  if (wal >= options_.wal_warning_bytes && !s.wal_warned) {
    s.wal_warned = true;
    const std::string text = "the WAL has grown to " + std::to_string(wal >> 20) +
                             " MB and cannot be checkpointed: a reader outside cyclerd holds a read transaction "
                             "open; recording continues";
    warn("storage_warning", text, "{\"wal_bytes\": " + std::to_string(wal) + "}");
    report({StorageStatus::Kind::wal_warning, text, 0});
  }
}

void Writer::warn(const std::string& kind, const std::string& text, const std::string& data_json) {
  auto& s = *state_;
  // A storage-wide event (no run) so the warning is on record; if even this fails, the callback still tells.
  try {
    EventRow event{std::nullopt, static_cast<double>(std::time(nullptr)), kind, text, "cyclerd", data_json};
    s.db.exec("BEGIN IMMEDIATE");
    s.statements->insert(event);
    s.db.exec("COMMIT");
  } catch (const Error&) {
    if (sqlite3_get_autocommit(s.db.handle()) == 0) sqlite3_exec(s.db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Writer::watch_disk_space() {
  auto& s = *state_;
  const auto now = Clock::now();
  if (s.disk_checked_bytes >= 0 && now - s.disk_checked < options_.disk_check_period) return;
  const std::int64_t bytes = s.db.query_int("PRAGMA page_count") * s.db.query_int("PRAGMA page_size");
  const double elapsed_s = std::chrono::duration<double>(now - s.disk_checked).count();
  const std::int64_t previous = s.disk_checked_bytes;
  s.disk_checked = now;
  s.disk_checked_bytes = bytes;
  if (previous < 0 || bytes <= previous || elapsed_s <= 0) return;
  const double rate = static_cast<double>(bytes - previous) / elapsed_s;  // bytes per second
  std::int64_t free_bytes = 0;
  if (options_.free_space) {
    free_bytes = options_.free_space();
  } else {
    std::error_code ec;
    const auto dir = std::filesystem::absolute(path_).parent_path();
    const auto info = std::filesystem::space(dir, ec);
    if (ec) return;
    free_bytes = static_cast<std::int64_t>(info.available);
  }
  const double horizon_s = static_cast<double>(options_.disk_warning_horizon.count());
  const bool short_of_space = static_cast<double>(free_bytes) < rate * horizon_s;
  if (!short_of_space) {
    s.disk_warned = false;
    return;
  }
  if (s.disk_warned) return;
  s.disk_warned = true;
  const double hours_left = static_cast<double>(free_bytes) / rate / 3600.0;
  const std::string text = "the disk holding the database has " + std::to_string(free_bytes >> 20) +
                           " MB free: about " + std::to_string(static_cast<long long>(hours_left)) +
                           " hours of recording at the current rate; recording continues";
  warn("storage_warning", text,
       "{\"free_bytes\": " + std::to_string(free_bytes) + ", \"bytes_per_s\": " + std::to_string(rate) + "}");
  report({StorageStatus::Kind::disk_space_warning, text, 0});
}

}  // namespace cyclerd::store

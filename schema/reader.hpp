// Readers: their own read-only connections, each query in a short read transaction (chunked when long),
// so the writer's checkpoints are never held up for long.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "schema/database.hpp"
#include "schema/records.hpp"

namespace cyclerd::store {

// A time window of a run (test time, seconds); an empty bound is open.
struct SampleRange {
  std::optional<double> from_s;
  std::optional<double> to_s;
};

// Samples as returned to plots and exports; decimated rows are real rows that keep their index.
struct SampleSeries {
  bool decimated = false;
  std::vector<SampleRow> rows;
};

// The read side of one database file; one per thread.
class Reader {
 public:
  // Opens read-only; throws storage_error naming the file if it is missing, not SQLite or of another version.
  explicit Reader(std::string path);

  std::vector<RunInfo> runs();
  std::optional<RunInfo> run(std::int64_t run_id);
  std::vector<CycleSummaryRow> cycles(std::int64_t run_id);
  std::vector<StepSummaryRow> steps(std::int64_t run_id);
  // A run's stored analysis results of the given kinds (the analyzers' table names), in the order each
  // was first stored; every kind when `kinds` is empty.
  std::vector<AnalysisRow> analyses(std::int64_t run_id, const std::vector<std::string>& kinds = {});
  // A run's events in order, or all events when run_id is empty.
  std::vector<EventRow> events(std::optional<std::int64_t> run_id);

  // The samples of a run in a time window; with max_points > 0 and more rows than that, the min and max of
  // voltage and current per bucket, served from the summary (at most max_points rows).
  SampleSeries samples(std::int64_t run_id, SampleRange range = {}, std::size_t max_points = 0);
  // Streams every sample of the window in index order, in chunks each read in its own short transaction
  // (samples are never changed once stored, so the chunks join up exactly).
  void for_each_chunk(std::int64_t run_id, SampleRange range,
                      const std::function<void(const std::vector<SampleRow>&)>& consume);

  Connection& connection() { return db_; }

 private:
  // [first, last] sample indices of the window (last < first when empty); inside a read transaction.
  std::pair<std::int64_t, std::int64_t> index_range(std::int64_t run_id, const SampleRange& range);
  SampleSeries decimate(std::int64_t run_id, std::int64_t first, std::int64_t last, std::size_t max_points);

  Connection db_;
};

// Holds a read transaction for one query: one consistent snapshot, released at the end of the scope.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& db);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  Connection& db_;
};

// Reads the sample columns of a `SELECT run_id, sample_index, test_time_s, ... step_energy_Wh` row.
SampleRow read_sample(const Statement& stmt);
// The column list read_sample expects.
inline constexpr const char* kSampleColumns =
    "run_id, sample_index, test_time_s, unix_time_s, voltage_V, current_A, temperature_C, cycle_index, "
    "step_index, step_id, step_capacity_Ah, step_energy_Wh";

}  // namespace cyclerd::store

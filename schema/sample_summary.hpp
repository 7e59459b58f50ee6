// The multi-resolution min/max summary of a run's samples: level k (1..kSummaryLevels) has one row per
// 64^k consecutive sample indices, holding the extremes of voltage and current and the index of the sample
// that holds each. The writer keeps it current as samples arrive; decimated queries read it instead of the
// samples, so a week-long run plots as fast as a short one.
#pragma once

#include <array>
#include <cstdint>

#include "schema/records.hpp"

namespace cyclerd::store {

class Connection;
class Statement;

// 64 per level: each level adds 1/64 of the rows below it (1.6 % extra writes in all), and a query reads at
// most ~64x the buckets it returns. Five levels reach 2^30 samples per bucket, beyond any real run.
inline constexpr int kSummaryFanout = 64;
inline constexpr int kSummaryLevels = 5;

// The number of samples in one bucket of `level` (0 is a single sample).
constexpr std::int64_t bucket_size(int level) {
  std::int64_t size = 1;
  for (int i = 0; i < level; ++i) size *= kSummaryFanout;
  return size;
}

// One bucket's extremes, as stored in sample_summary.
struct SummaryBucket {
  std::int64_t bucket = -1;                  // -1: empty
  std::int64_t first_index = 0, last_index = 0;
  double first_time_s = 0, last_time_s = 0;
  double v_min = 0, v_max = 0, i_min = 0, i_max = 0;
  std::int64_t v_min_index = 0, v_max_index = 0, i_min_index = 0, i_max_index = 0;

  // Widens the bucket by one sample.
  void add(const SampleRow& s);
  // Widens the bucket by another bucket (or a finer one) that follows it.
  void merge(const SummaryBucket& b);
};

// The open (not yet complete) bucket of every level for one run; complete buckets are written once, open
// ones are rewritten at every commit so the stored summary always covers exactly the stored samples.
class RunSummary {
 public:
  // Adds the next sample of the run; writes buckets that it completes through `upsert`.
  void add(const SampleRow& s, Statement& upsert);
  // Writes the open buckets (at the end of a batch's transaction).
  void write_open(std::int64_t run_id, Statement& upsert);
  // Reloads the open buckets of a run from the database (when the writer first meets a run).
  void load(Connection& db, std::int64_t run_id, std::int64_t next_index);

 private:
  std::array<SummaryBucket, kSummaryLevels + 1> open_{};  // [0] unused; levels 1..kSummaryLevels
  std::array<bool, kSummaryLevels + 1> dirty_{};
};

// The upsert statement RunSummary writes through.
Statement prepare_summary_upsert(Connection& db);
// Binds and runs the upsert for one bucket.
void write_bucket(Statement& upsert, std::int64_t run_id, int level, const SummaryBucket& b);

}  // namespace cyclerd::store

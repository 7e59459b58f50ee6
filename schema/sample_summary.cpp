#include "schema/sample_summary.hpp"

#include "schema/database.hpp"

namespace cyclerd::store {

void SummaryBucket::add(const SampleRow& s) {
  if (bucket < 0 || s.index < first_index) {
    first_index = last_index = s.index;
    first_time_s = last_time_s = s.test_time_s;
    v_min = v_max = s.voltage_V;
    i_min = i_max = s.current_A;
    v_min_index = v_max_index = i_min_index = i_max_index = s.index;
    return;
  }
  last_index = s.index;
  last_time_s = s.test_time_s;
  // Strict comparisons keep the first sample of a plateau, which makes decimation deterministic.
  if (s.voltage_V < v_min) { v_min = s.voltage_V; v_min_index = s.index; }
  if (s.voltage_V > v_max) { v_max = s.voltage_V; v_max_index = s.index; }
  if (s.current_A < i_min) { i_min = s.current_A; i_min_index = s.index; }
  if (s.current_A > i_max) { i_max = s.current_A; i_max_index = s.index; }
}

void SummaryBucket::merge(const SummaryBucket& b) {
  if (bucket < 0) {
    *this = b;
    if (bucket < 0) bucket = 0;  // now holds something
    return;
  }
  last_index = b.last_index;
  last_time_s = b.last_time_s;
  if (b.v_min < v_min) { v_min = b.v_min; v_min_index = b.v_min_index; }
  if (b.v_max > v_max) { v_max = b.v_max; v_max_index = b.v_max_index; }
  if (b.i_min < i_min) { i_min = b.i_min; i_min_index = b.i_min_index; }
  if (b.i_max > i_max) { i_max = b.i_max; i_max_index = b.i_max_index; }
}

Statement prepare_summary_upsert(Connection& db) {
  return db.prepare(
      "INSERT OR REPLACE INTO sample_summary (run_id, level, bucket, first_index, last_index, first_time_s, "
      "last_time_s, v_min_index, v_max_index, i_min_index, i_max_index, v_min, v_max, i_min, i_max) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
}

void write_bucket(Statement& upsert, std::int64_t run_id, int level, const SummaryBucket& b) {
  upsert.bind(1, run_id).bind(2, level).bind(3, b.bucket).bind(4, b.first_index).bind(5, b.last_index);
  upsert.bind(6, b.first_time_s).bind(7, b.last_time_s).bind(8, b.v_min_index).bind(9, b.v_max_index);
  upsert.bind(10, b.i_min_index).bind(11, b.i_max_index).bind(12, b.v_min).bind(13, b.v_max);
  upsert.bind(14, b.i_min).bind(15, b.i_max);
  upsert.run();
}

void RunSummary::add(const SampleRow& s, Statement& upsert) {
  for (int level = 1; level <= kSummaryLevels; ++level) {
    auto& b = open_[level];
    const std::int64_t number = s.index / bucket_size(level);
    if (b.bucket != number) {
      // The sample starts a new bucket: the old one is complete and is written for the last time.
      if (b.bucket >= 0 && dirty_[level]) write_bucket(upsert, s.run_id, level, b);
      b = SummaryBucket{};
      b.add(s);
      b.bucket = number;
    } else {
      b.add(s);
    }
    dirty_[level] = true;
  }
}

void RunSummary::write_open(std::int64_t run_id, Statement& upsert) {
  for (int level = 1; level <= kSummaryLevels; ++level) {
    if (open_[level].bucket >= 0 && dirty_[level]) write_bucket(upsert, run_id, level, open_[level]);
    dirty_[level] = false;
  }
}

void RunSummary::load(Connection& db, std::int64_t run_id, std::int64_t next_index) {
  open_ = {};
  dirty_ = {};
  if (next_index == 0) return;
  auto query = db.prepare(
      "SELECT first_index, last_index, first_time_s, last_time_s, v_min_index, v_max_index, i_min_index, "
      "i_max_index, v_min, v_max, i_min, i_max FROM sample_summary WHERE run_id=? AND level=? AND bucket=?");
  for (int level = 1; level <= kSummaryLevels; ++level) {
    const std::int64_t number = (next_index - 1) / bucket_size(level);
    query.bind(1, run_id).bind(2, level).bind(3, number);
    if (query.step()) {
      auto& b = open_[level];
      b.bucket = number;
      b.first_index = query.column_int(0);
      b.last_index = query.column_int(1);
      b.first_time_s = query.column_double(2);
      b.last_time_s = query.column_double(3);
      b.v_min_index = query.column_int(4);
      b.v_max_index = query.column_int(5);
      b.i_min_index = query.column_int(6);
      b.i_max_index = query.column_int(7);
      b.v_min = query.column_double(8);
      b.v_max = query.column_double(9);
      b.i_min = query.column_double(10);
      b.i_max = query.column_double(11);
    }
    query.reset();
  }
}

}  // namespace cyclerd::store

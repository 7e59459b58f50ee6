// Reader's sample queries: a time window to an index range, full reads in chunks, and decimation from the
// multi-resolution summary.
#include <algorithm>

#include "schema/reader.hpp"
#include "schema/sample_summary.hpp"

namespace cyclerd::store {

namespace {
// Rows per read transaction when streaming: ~6 MB of rows, read in well under 250 ms.
constexpr std::int64_t kChunkRows = 65'536;

// The first index in [lo, hi) whose test time satisfies `past` (test time never decreases within a run).
template <typename Pred>
std::int64_t partition_point(Statement& time_at, std::int64_t run_id, std::int64_t lo, std::int64_t hi, Pred past) {
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    time_at.bind(1, run_id).bind(2, mid);
    const bool found = time_at.step();
    const double t = found ? time_at.column_double(0) : 0;
    time_at.reset();
    if (found && past(t)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// Pieces of [lo, hi) at `level` or finer: whole summary buckets inside the range, single samples at the ends.
void cover(Connection& db, std::int64_t run_id, std::int64_t lo, std::int64_t hi, int level,
           std::vector<SummaryBucket>& out) {
  if (lo >= hi) return;
  if (level == 0) {
    auto q = db.prepare(std::string("SELECT ") + kSampleColumns +
                        " FROM samples WHERE run_id=? AND sample_index>=? AND sample_index<? ORDER BY sample_index");
    q.bind(1, run_id).bind(2, lo).bind(3, hi);
    while (q.step()) {
      SummaryBucket b;
      b.add(read_sample(q));
      b.bucket = 0;
      out.push_back(b);
    }
    return;
  }
  const std::int64_t size = bucket_size(level);
  const std::int64_t first_full = (lo + size - 1) / size * size;
  const std::int64_t end_full = hi / size * size;
  if (first_full >= end_full) {
    cover(db, run_id, lo, hi, level - 1, out);
    return;
  }
  cover(db, run_id, lo, first_full, level - 1, out);
  auto q = db.prepare(
      "SELECT bucket, first_index, last_index, first_time_s, last_time_s, v_min_index, v_max_index, i_min_index, "
      "i_max_index, v_min, v_max, i_min, i_max FROM sample_summary WHERE run_id=? AND level=? AND bucket>=? "
      "AND bucket<? ORDER BY bucket");
  q.bind(1, run_id).bind(2, level).bind(3, first_full / size).bind(4, end_full / size);
  while (q.step()) {
    SummaryBucket b;
    b.bucket = q.column_int(0);
    b.first_index = q.column_int(1);
    b.last_index = q.column_int(2);
    b.first_time_s = q.column_double(3);
    b.last_time_s = q.column_double(4);
    b.v_min_index = q.column_int(5);
    b.v_max_index = q.column_int(6);
    b.i_min_index = q.column_int(7);
    b.i_max_index = q.column_int(8);
    b.v_min = q.column_double(9);
    b.v_max = q.column_double(10);
    b.i_min = q.column_double(11);
    b.i_max = q.column_double(12);
    out.push_back(b);
  }
  cover(db, run_id, end_full, hi, level - 1, out);
}
}  // namespace

std::pair<std::int64_t, std::int64_t> Reader::index_range(std::int64_t run_id, const SampleRange& range) {
  auto count_q = db_.prepare("SELECT max(sample_index) FROM samples WHERE run_id=?");
  count_q.bind(1, run_id);
  const std::int64_t n = count_q.step() && !count_q.column_is_null(0) ? count_q.column_int(0) + 1 : 0;
  auto time_at = db_.prepare("SELECT test_time_s FROM samples WHERE run_id=? AND sample_index=?");
  std::int64_t first = 0;
  std::int64_t end = n;
  if (range.from_s) {
    const double from = *range.from_s;
    first = partition_point(time_at, run_id, 0, n, [&](double t) { return t >= from; });
  }
  if (range.to_s) {
    const double to = *range.to_s;
    end = partition_point(time_at, run_id, first, n, [&](double t) { return t > to; });
  }
  return {first, end - 1};
}

void Reader::for_each_chunk(std::int64_t run_id, SampleRange range,
                            const std::function<void(const std::vector<SampleRow>&)>& consume) {
  std::pair<std::int64_t, std::int64_t> span;
  {
    ReadTransaction txn(db_);
    span = index_range(run_id, range);
  }
  auto q = db_.prepare(std::string("SELECT ") + kSampleColumns +
                       " FROM samples WHERE run_id=? AND sample_index>=? AND sample_index<=? ORDER BY sample_index");
  std::vector<SampleRow> rows;
  for (std::int64_t lo = span.first; lo <= span.second; lo += kChunkRows) {
    rows.clear();
    {
      ReadTransaction txn(db_);
      q.bind(1, run_id).bind(2, lo).bind(3, std::min(span.second, lo + kChunkRows - 1));
      while (q.step()) rows.push_back(read_sample(q));
      q.reset();
    }
    consume(rows);
  }
}

SampleSeries Reader::samples(std::int64_t run_id, SampleRange range, std::size_t max_points) {
  std::pair<std::int64_t, std::int64_t> span;
  {
    ReadTransaction txn(db_);
    span = index_range(run_id, range);
    const std::int64_t n = span.second - span.first + 1;
    // Four rows per bucket at most (min and max of voltage and current), hence the 4.
    if (max_points >= 4 && n > static_cast<std::int64_t>(max_points)) {
      return decimate(run_id, span.first, span.second, max_points);
    }
  }
  SampleSeries out;
  for_each_chunk(run_id, range, [&](const std::vector<SampleRow>& rows) {
    out.rows.insert(out.rows.end(), rows.begin(), rows.end());
  });
  return out;
}

SampleSeries Reader::decimate(std::int64_t run_id, std::int64_t first, std::int64_t last, std::size_t max_points) {
  const std::int64_t n = last - first + 1;
  const auto buckets = static_cast<std::int64_t>(max_points / 4);
  const std::int64_t width = (n + buckets - 1) / buckets;
  // The coarsest summary level whose buckets fit inside one output bucket.
  int level = 0;
  while (level < kSummaryLevels && bucket_size(level + 1) <= width) ++level;
  std::vector<SummaryBucket> pieces;
  cover(db_, run_id, first, last + 1, level, pieces);

  std::vector<SummaryBucket> merged(static_cast<std::size_t>(buckets));
  for (const auto& p : pieces) merged[static_cast<std::size_t>((p.first_index - first) / width)].merge(p);
  std::vector<std::int64_t> indices;
  indices.reserve(max_points);
  for (const auto& b : merged) {
    if (b.bucket < 0) continue;
    indices.insert(indices.end(), {b.v_min_index, b.v_max_index, b.i_min_index, b.i_max_index});
  }
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());

  SampleSeries out;
  out.decimated = true;
  out.rows.reserve(indices.size());
  auto row_at = db_.prepare(std::string("SELECT ") + kSampleColumns + " FROM samples WHERE run_id=? AND sample_index=?");
  for (const std::int64_t i : indices) {
    row_at.bind(1, run_id).bind(2, i);
    if (row_at.step()) out.rows.push_back(read_sample(row_at));
    row_at.reset();
  }
  return out;
}

}  // namespace cyclerd::store

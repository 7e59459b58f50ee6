// Storage figures, each against a baseline in the same run:
//  - the Writer (queue, batching, summary, checkpoints of the WAL) vs a bare prepared-statement batched insert
//    of the same rows into the same schema (goal: >= 0.8x);
//  - a decimated query of a 1-million-sample run to 2,000 points vs a full scan of the same run.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include "bench/ratio_reporter.hpp"
#include "schema/database.hpp"
#include "schema/reader.hpp"
#include "schema/writer.hpp"

namespace {

using namespace cyclerd::store;

std::string temp_dir() {
  static const std::string dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "cyclerd-bench-XXXXXX").string();
    return std::string(::mkdtemp(pattern.data()));
  }();
  return dir;
}

SampleRow sample(std::int64_t run_id, std::int64_t i) {
  const double x = static_cast<double>(i);
  SampleRow s;
  s.run_id = run_id;
  s.index = i;
  s.test_time_s = 0.1 * x;
  s.unix_time_s = 1.7e9 + 0.1 * x;
  s.voltage_V = 1.5 + std::sin(x * 1e-4) + 0.001 * std::sin(x);
  s.current_A = (i / 5000) % 2 ? 1e-3 : -1e-3;
  s.temperature_C = 25.0;
  s.cycle_index = 1 + i / 10000;
  s.step_index = 1 + i / 5000;
  s.step_id = 1 + (i / 5000) % 2;
  s.step_capacity_Ah = 1e-8 * static_cast<double>(i % 5000);
  s.step_energy_Wh = 1.5e-8 * static_cast<double>(i % 5000);
  return s;
}

std::int64_t new_run(Writer& writer) {
  writer.put_cell({"bench", 1.0, {}, {}, {}, {}, {}, {}, {}}).get();
  RunRow run;
  run.channel_id = "sim-1";
  run.cell_name = "bench";
  run.protocol_name = "bench";
  run.protocol_text = "{}";
  return writer.create_run(run).get();
}

constexpr std::int64_t kInsertRows = 200'000;
constexpr std::int64_t kBatch = 1000;  // a channel hands over ~1000 samples at a time

void BM_WriterInsert(benchmark::State& state) {
  int n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto path = temp_dir() + "/writer-" + std::to_string(n++) + ".sqlite";
    auto writer = std::make_unique<Writer>(path);
    const auto run = new_run(*writer);
    std::vector<RecordBatch> batches;
    for (std::int64_t i = 0; i < kInsertRows; i += kBatch) {
      RecordBatch b;
      for (std::int64_t j = i; j < i + kBatch; ++j) b.samples.push_back(sample(run, j));
      batches.push_back(std::move(b));
    }
    state.ResumeTiming();
    for (auto& b : batches) {
      while (!writer->submit(std::move(b)).accepted()) std::this_thread::yield();
    }
    if (!writer->flush(std::chrono::seconds(60))) state.SkipWithError("flush failed");
    state.PauseTiming();
    writer.reset();
    std::filesystem::remove(path);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kInsertRows);
}

void BM_BareInsert(benchmark::State& state) {
  int n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto path = temp_dir() + "/bare-" + std::to_string(n++) + ".sqlite";
    std::int64_t run = 0;
    { Writer w(path); run = new_run(w); }
    Connection db(path, OpenMode::read_write);
    db.exec("PRAGMA synchronous=NORMAL");
    std::vector<SampleRow> rows;
    for (std::int64_t j = 0; j < kInsertRows; ++j) rows.push_back(sample(run, j));
    auto insert = db.prepare("INSERT INTO samples (run_id, sample_index, test_time_s, unix_time_s, voltage_V, "
                             "current_A, temperature_C, cycle_index, step_index, step_id, step_capacity_Ah, "
                             "step_energy_Wh) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    state.ResumeTiming();
    // Transactions of 50,000 rows: the Writer's own batch size limit.
    for (std::size_t i = 0; i < rows.size(); i += 50'000) {
      db.exec("BEGIN");
      for (std::size_t j = i; j < std::min(rows.size(), i + 50'000); ++j) {
        const auto& s = rows[j];
        insert.bind(1, s.run_id).bind(2, s.index).bind(3, s.test_time_s).bind(4, s.unix_time_s);
        insert.bind(5, s.voltage_V).bind(6, s.current_A).bind(7, s.temperature_C).bind(8, s.cycle_index);
        insert.bind(9, s.step_index).bind(10, s.step_id).bind(11, s.step_capacity_Ah).bind(12, s.step_energy_Wh);
        insert.run();
      }
      db.exec("COMMIT");
    }
    state.PauseTiming();
    std::filesystem::remove(path);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kInsertRows);
}

// A database with one run of `kQueryRows` samples, recorded once through the Writer.
constexpr std::int64_t kQueryRows = 1'000'000;
std::pair<std::string, std::int64_t> million_run() {
  static const auto made = [] {
    const auto path = temp_dir() + "/million.sqlite";
    Writer writer(path);
    const auto run = new_run(writer);
    for (std::int64_t i = 0; i < kQueryRows; i += 10'000) {
      RecordBatch b;
      for (std::int64_t j = i; j < i + 10'000; ++j) b.samples.push_back(sample(run, j));
      while (!writer.submit(std::move(b)).accepted()) std::this_thread::yield();
    }
    writer.flush(std::chrono::seconds(120));
    return std::make_pair(path, run);
  }();
  return made;
}

void BM_DecimatedQuery2000(benchmark::State& state) {
  const auto [path, run] = million_run();
  Reader reader(path);
  std::size_t points = 0;
  for (auto _ : state) {
    const auto series = reader.samples(run, {}, 2000);
    points = series.rows.size();
    benchmark::DoNotOptimize(series.rows.data());
  }
  state.counters["points"] = static_cast<double>(points);
  state.SetItemsProcessed(state.iterations());
}

void BM_FullScan(benchmark::State& state) {
  const auto [path, run] = million_run();
  Reader reader(path);
  for (auto _ : state) {
    const auto series = reader.samples(run);
    if (series.rows.size() != static_cast<std::size_t>(kQueryRows)) state.SkipWithError("short scan");
    benchmark::DoNotOptimize(series.rows.data());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_WriterInsert)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BareInsert)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DecimatedQuery2000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FullScan)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // items: rows for the inserts, queries for the queries.
  cyclerd::bench::RatioReporter reporter({{"BM_WriterInsert/real_time", "BM_BareInsert/real_time"},
                                          {"BM_DecimatedQuery2000/real_time", "BM_FullScan/real_time"}},
                                         "items/s");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::error_code ec;
  std::filesystem::remove_all(temp_dir(), ec);
  benchmark::Shutdown();
  return 0;
}

// Recording throughput with and without the live analyzers, same run: the long-cycling protocol (1 s
// records) through runner + engine + sim, once with only the run totals subscribed and once with the
// AnalysisFeed (cycle table, rate table, dQ/dV, CV, GITT, EIS analyzers) as well.
// Goal (issue 5): the analyzers cost less than 10 % of the recording throughput.
// Figures: --benchmark_repetitions=N (best with --benchmark_enable_random_interleaving=true on a busy
// machine) prints, per pair, the median throughput of each side and their ratio.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/ratio_reporter.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"
#include "protocols/runner/analysis_feed.hpp"
#include "protocols/runner/run_totals.hpp"
#include "protocols/runner/simulated_channel.hpp"

namespace {

using namespace cyclerd;

constexpr double kMass_g = 1e-3;

void record_every_second(std::vector<Step>& steps) {
  for (auto& s : steps) {
    s.record = RecordConditions{};
    s.record.every_s = 1.0;
    if (auto* loop = std::get_if<Loop>(&s.body)) record_every_second(loop->steps);
  }
}

void run(benchmark::State& state, const char* protocol_name, std::vector<std::string> params, bool with_analysis) {
  std::int64_t records = 0;
  for (auto _ : state) {
    SimulatedChannel channel(SimulatedCell{"zns-znse", kMass_g, 1});
    Protocol p = resolve(*load_library_protocol(protocol_name, params).protocol, channel.cell_info());
    record_every_second(p.steps);
    RunTotals totals;
    AnalysisFeed feed(p, analysis::ChannelAnalysisOptions::for_cell(kMass_g, 0.01, 3.0),
                      [](std::string_view, const nlohmann::json& row) { benchmark::DoNotOptimize(row); });
    std::vector<RunConsumer*> consumers{&totals};
    if (with_analysis) consumers.push_back(&feed);
    channel.run(p, consumers);
    records += totals.records();
  }
  state.SetItemsProcessed(records);
}

void BM_LongCyclingRecordOnly(benchmark::State& s) { run(s, "long-cycling", {"cycles=300"}, false); }
void BM_LongCyclingWithAnalysis(benchmark::State& s) { run(s, "long-cycling", {"cycles=300"}, true); }
void BM_CvRecordOnly(benchmark::State& s) { run(s, "cv", {"cycles=5"}, false); }
void BM_CvWithAnalysis(benchmark::State& s) { run(s, "cv", {"cycles=5"}, true); }

BENCHMARK(BM_LongCyclingRecordOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LongCyclingWithAnalysis)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CvRecordOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CvWithAnalysis)->Unit(benchmark::kMillisecond);

// RatioReporter's figures, plus the median over repetitions of each side and the ratio of the medians
// (the single-run ratio on a shared machine swings by several points).
class MedianRatioReporter : public cyclerd::bench::RatioReporter {
 public:
  explicit MedianRatioReporter(std::vector<std::pair<std::string, std::string>> pairs)
      : RatioReporter(pairs, "records/s"), pairs_(std::move(pairs)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      const auto it = run.counters.find("items_per_second");
      if (it == run.counters.end()) continue;
      if (run.run_type == Run::RT_Iteration) rates_[run.run_name.function_name].push_back(it->second.value);
      // With --benchmark_report_aggregates_only the repetitions are not shown, only their median.
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        medians_[run.run_name.function_name] = {it->second.value, run.repetitions};
      }
    }
    RatioReporter::ReportRuns(runs);
  }

  void Finalize() override {
    RatioReporter::Finalize();
    for (const auto& [name, baseline] : pairs_) {
      const auto [m, runs] = median_of(name);
      const auto [b, base_runs] = median_of(baseline);
      if (runs < 2 || base_runs < 2) continue;
      std::printf("%s: median of %lld %.4g records/s; %s: median of %lld %.4g records/s; ratio %.3fx (cost %.1f %%)\n",
                  name.c_str(), static_cast<long long>(runs), m, baseline.c_str(), static_cast<long long>(base_runs), b,
                  m / b, 100 * (1 - m / b));
    }
  }

 private:
  // {median items/s, repetitions} of a benchmark: the reported aggregate, or the median of its repetitions.
  std::pair<double, std::int64_t> median_of(const std::string& name) {
    if (medians_.count(name)) return medians_[name];
    std::vector<double> v = rates_[name];
    if (v.empty()) return {0, 0};
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return {n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]), static_cast<std::int64_t>(n)};
  }
  std::vector<std::pair<std::string, std::string>> pairs_;
  std::map<std::string, std::vector<double>> rates_;
  std::map<std::string, std::pair<double, std::int64_t>> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  MedianRatioReporter reporter(
      {{"BM_LongCyclingWithAnalysis", "BM_LongCyclingRecordOnly"}, {"BM_CvWithAnalysis", "BM_CvRecordOnly"}});
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}

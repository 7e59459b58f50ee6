// Recording throughput with and without the live analyzers, same run: the long-cycling protocol (1 s
// records) through runner + engine + sim, once with only the run totals subscribed and once with the
// AnalysisFeed (cycle table, rate table, dQ/dV, CV, GITT, EIS analyzers) as well.
// Goal (issue 5): the analyzers cost less than 10 % of the recording throughput.
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

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  cyclerd::bench::RatioReporter reporter(
      {{"BM_LongCyclingWithAnalysis", "BM_LongCyclingRecordOnly"}, {"BM_CvWithAnalysis", "BM_CvRecordOnly"}},
      "records/s");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}

// The 1800-cycle long-cycling protocol with 1 s records through runner + engine + sim driver, against
// the sim model alone driven over the same current profile, side by side in one run.
// Acceptance: runner + engine + sim takes at most 1.25x the time of the sim alone.
#include <benchmark/benchmark.h>

#include "bench/ratio_reporter.hpp"
#include "drivers/sim/model/cell_model.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"
#include "protocols/runner/run_totals.hpp"
#include "protocols/runner/simulated_channel.hpp"

namespace {

using namespace cyclerd;

constexpr double kMass_g = 1e-3;
constexpr int kActivationCycles = 2, kLongCycles = 1800;
constexpr double kActivation_A_g = 0.05, kLong_A_g = 15.0, kVMin = 0.01, kVMax = 3.0;

// Every step records once per second (the protocol ships with 10 s records).
void record_every_second(std::vector<Step>& steps) {
  for (auto& s : steps) {
    s.record = RecordConditions{};
    s.record.every_s = 1.0;
    if (auto* loop = std::get_if<Loop>(&s.body)) record_every_second(loop->steps);
  }
}

void BM_LongCyclingThroughRunner(benchmark::State& state) {
  std::int64_t samples = 0, records = 0;
  for (auto _ : state) {
    SimulatedChannel channel(SimulatedCell{"zns-znse", kMass_g, 1});
    Protocol p = resolve(*load_library_protocol("long-cycling").protocol, channel.cell_info());
    record_every_second(p.steps);
    RunTotals totals;
    RunCheckpoint end;
    channel.run(p, {&totals}, std::nullopt, std::nullopt, &end);
    if (totals.cycles() != kActivationCycles + kLongCycles) state.SkipWithError("wrong cycle count");
    samples += end.samples;
    records += totals.records();
  }
  state.SetItemsProcessed(samples);
  state.counters["records"] = static_cast<double>(records);
}

// The same profile straight on the model: constant current to a limit, 1 s samples, no runner.
void BM_LongCyclingSimAlone(benchmark::State& state) {
  std::int64_t samples = 0;
  for (auto _ : state) {
    sim::CellModel cell(sim::load_preset("zns-znse"), kMass_g, 1);
    auto half = [&](double current_A) {
      Setpoint sp;
      sp.mode = Mode::current;
      sp.value = current_A;
      (current_A < 0 ? sp.stop_below_V : sp.stop_above_V) = current_A < 0 ? kVMin : kVMax;
      cell.apply(sp);
      for (;;) {
        const Sample s = cell.advance(1.0);
        ++samples;
        benchmark::DoNotOptimize(s);
        if (s.has(sample_flag::limit_reached)) return;
      }
    };
    for (int c = 0; c < kActivationCycles; ++c) half(-kActivation_A_g * kMass_g), half(kActivation_A_g * kMass_g);
    for (int c = 0; c < kLongCycles; ++c) half(-kLong_A_g * kMass_g), half(kLong_A_g * kMass_g);
  }
  state.SetItemsProcessed(samples);
}

// The same profile through the sim driver's asynchronous contract (Asio posts, virtual clock), no engine.
struct DriverLoop {
  SimDriver& driver;
  std::int64_t& samples;
  std::vector<double> currents;  // one entry per half
  std::size_t half = 0;
  void apply() {
    if (half == currents.size()) return;
    Setpoint sp;
    sp.mode = Mode::current;
    sp.value = currents[half];
    (sp.value < 0 ? sp.stop_below_V : sp.stop_above_V) = sp.value < 0 ? kVMin : kVMax;
    driver.async_apply(0, sp, [this](std::optional<Error>) { next(); });
  }
  void next() {
    driver.async_next_sample(0, [this](std::optional<Error>, Sample s) {
      ++samples;
      if (s.has(sample_flag::limit_reached)) {
        ++half;
        apply();
      } else {
        next();
      }
    });
  }
};

void BM_LongCyclingSimDriverAlone(benchmark::State& state) {
  std::int64_t samples = 0;
  for (auto _ : state) {
    SimulatedChannel channel(SimulatedCell{"zns-znse", kMass_g, 1});
    DriverLoop loop{channel.driver(), samples, {}};
    for (int c = 0; c < kActivationCycles; ++c) loop.currents.insert(loop.currents.end(), {-kActivation_A_g * kMass_g, kActivation_A_g * kMass_g});
    for (int c = 0; c < kLongCycles; ++c) loop.currents.insert(loop.currents.end(), {-kLong_A_g * kMass_g, kLong_A_g * kMass_g});
    loop.apply();
    channel.io().run();
  }
  state.SetItemsProcessed(samples);
}

BENCHMARK(BM_LongCyclingSimAlone)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_LongCyclingSimDriverAlone)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_LongCyclingThroughRunner)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // Throughput ratio (samples per second); the time ratio is its inverse.
  cyclerd::bench::RatioReporter reporter(std::vector<std::pair<std::string, std::string>>{
      {"BM_LongCyclingThroughRunner/iterations:3", "BM_LongCyclingSimAlone/iterations:3"},
      {"BM_LongCyclingThroughRunner/iterations:3", "BM_LongCyclingSimDriverAlone/iterations:3"},
      {"BM_LongCyclingSimDriverAlone/iterations:3", "BM_LongCyclingSimAlone/iterations:3"}});
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

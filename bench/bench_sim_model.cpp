// Speed of the simulated cell: internal model steps per second with 20 finite volumes, side by side with
// a bare 2-RC equivalent circuit driven by the same current profile in the same run.
//   build/bin/bench_sim_model [--benchmark_min_time=2]
#include <benchmark/benchmark.h>

#include "bench/ratio_reporter.hpp"
#include "drivers/sim/model/cell_model.hpp"
#include "drivers/sim/model/two_rc_model.hpp"

namespace {

using cyclerd::Mode;
using cyclerd::Setpoint;
using namespace cyclerd::sim;

constexpr double kMass_g = 1e-3;        // a 1 mg electrode, as in the paper
constexpr double kCurrent_A_g = 1.0;    // 1 A/g: about 48 min per half-cycle at ~800 mAh/g
constexpr double kStep_s = 0.1;         // internal step length
constexpr int kStepsPerHalf = 10000;    // 1000 s, well inside the voltage window

// The profile both models follow: constant current, reversed every kStepsPerHalf steps.
double current_at(long step) { return ((step / kStepsPerHalf) % 2 == 0 ? -1.0 : 1.0) * kCurrent_A_g * kMass_g; }

void BM_CellModelStep(benchmark::State& state) {
  CellParams p = load_preset("zns-znse");
  p.finite_volumes = 20;
  CellModel cell(p, kMass_g, 1);
  Setpoint sp;
  sp.mode = Mode::current;
  long n = 0;
  double applied = 0;
  for (auto _ : state) {
    const double i = current_at(n++);
    if (i != applied) {
      sp.value = applied = i;
      cell.apply(sp);
    }
    cell.step(kStep_s);
    benchmark::DoNotOptimize(cell.voltage_V());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CellModelStep);

void BM_TwoRcStep(benchmark::State& state) {
  const CellParams p = load_preset("zns-znse");
  TwoRcModel cell(p.ocv, p.bulk_capacity_mAh_g * 1e-3 * kMass_g, p.ohmic_resistance_ohm_g / kMass_g,
                  20.0, 1.0, 50.0, 50.0, 0.9);
  long n = 0;
  for (auto _ : state) {
    cell.step(kStep_s, current_at(n++));
    benchmark::DoNotOptimize(cell.voltage_V());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TwoRcStep);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  cyclerd::bench::RatioReporter reporter(
      std::vector<std::pair<std::string, std::string>>{{"BM_CellModelStep", "BM_TwoRcStep"}});
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

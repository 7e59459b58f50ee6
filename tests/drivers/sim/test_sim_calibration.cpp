// Calibration against the seed paper: each preset driven directly (constant current to the lower limit,
// then the upper one, five cycles per rate, the run's first cycle left out) reproduces its rate table.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "drivers/sim/model/cell_model.hpp"
#include "drivers/sim/rate_test.hpp"

namespace cyclerd::sim {
namespace {

constexpr double mass_g = 1.2e-3;
const std::vector<double> half_cell_rates = {0.1, 0.2, 0.5, 0.8, 1, 2, 5, 10, 20, 0.1};

std::vector<RateTestRow> half_cell_table(const char* preset) {
  RateTestOptions o;
  o.rates_A_g = half_cell_rates;
  return run_rate_test(load_preset(preset), mass_g, 1, o);
}

void print(const char* preset, const std::vector<RateTestRow>& rows, const std::vector<double>& paper) {
  for (std::size_t i = 0; i < rows.size(); ++i)
    std::printf("%-13s %6.2f A/g  model %6.1f mAh/g  paper %s  retention %.3f\n", preset,
                rows[i].current_density_A_g, rows[i].mean_discharge_capacity_mAh_g,
                i < paper.size() ? std::to_string(paper[i]).substr(0, 5).c_str() : "  -  ",
                rows[i].retention);
}

TEST(SimCalibration, ZnsZnseRateTableWithinFivePercent) {
  const std::vector<double> paper = {796, 795, 773, 756, 747, 743, 737, 727, 710, 815};
  const auto rows = half_cell_table("zns-znse");
  print("zns-znse", rows, paper);
  ASSERT_EQ(rows.size(), paper.size());
  EXPECT_EQ(rows[0].cycles, 4);  // formation left out
  EXPECT_EQ(rows[1].cycles, 5);
  for (std::size_t i = 0; i < rows.size(); ++i)
    EXPECT_NEAR(rows[i].mean_discharge_capacity_mAh_g / paper[i], 1.0, 0.05) << rows[i].current_density_A_g;
  EXPECT_NEAR(rows[8].retention, 0.893, 0.05);
}

TEST(SimCalibration, ZnsRetentionWithinFivePoints) {
  const auto rows = half_cell_table("zns");
  print("zns", rows, {});
  ASSERT_EQ(rows.size(), half_cell_rates.size());
  EXPECT_NEAR(rows[8].retention, 0.483, 0.05);
}

TEST(SimCalibration, ZnseRetentionWithinFivePoints) {
  const auto rows = half_cell_table("znse");
  print("znse", rows, {});
  ASSERT_EQ(rows.size(), half_cell_rates.size());
  EXPECT_NEAR(rows[8].retention, 0.497, 0.05);
}

TEST(SimCalibration, HeterostructureKeepsMoreThanEitherPhase) {
  // The paper's point: ZnS/ZnSe keeps far more of its capacity at 20 A/g than ZnS or ZnSe alone.
  const double hetero = half_cell_table("zns-znse")[8].retention;
  EXPECT_GT(hetero, half_cell_table("zns")[8].retention + 0.3);
  EXPECT_GT(hetero, half_cell_table("znse")[8].retention + 0.3);
}

TEST(SimCalibration, FullCellRateTableWithinTenPercent) {
  const std::vector<double> paper = {389, 382, 347, 283, 244, 224, 163, 125};
  RateTestOptions o;
  o.rates_A_g = {0.05, 0.1, 0.2, 0.5, 0.8, 1, 2, 3};
  o.v_min_V = 1.0;
  o.v_max_V = 4.0;
  o.discharge_first = false;
  const auto rows = run_rate_test(load_preset("nfm-zns-znse"), mass_g, 1, o);
  print("nfm-zns-znse", rows, paper);
  ASSERT_EQ(rows.size(), paper.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    EXPECT_NEAR(rows[i].mean_discharge_capacity_mAh_g / paper[i], 1.0, 0.10) << rows[i].current_density_A_g;
}

TEST(SimCalibration, FullCellFirstCycleEfficiencyIsAboutHalf) {
  CellModel cell(load_preset("nfm-zns-znse"), mass_g, 1);
  auto half = [&](double amps, double limit) {
    Setpoint sp;
    sp.mode = Mode::current;
    sp.value = amps;
    (amps > 0 ? sp.stop_above_V : sp.stop_below_V) = limit;
    cell.apply(sp);
    const double t0 = cell.time_s();
    while (!cell.advance(10).has(sample_flag::limit_reached)) {
    }
    return std::abs(amps) * (cell.time_s() - t0);
  };
  const double charge = half(0.05 * mass_g, 4.0), discharge = half(-0.05 * mass_g, 1.0);
  EXPECT_NEAR(discharge / charge, 0.5, 0.08);
}

struct Peaks {
  double reduction_V = 0, oxidation_V = 0;
};

// Cyclic voltammetry 3.0 -> 0.01 -> 3.0 V at 0.1 mV/s; the peaks of the third cycle between 0.1 and 2 V.
Peaks cv_peaks(const char* preset) {
  CellModel cell(load_preset(preset), mass_g, 1);
  Setpoint sp;
  sp.mode = Mode::sweep;
  sp.sweep = {3.0, {0.01, 3.0}, 1e-4, 3};
  cell.apply(sp);
  const double cycle_s = 2 * 2.99 / 1e-4;
  double i_min = 0, i_max = 0;
  Peaks p;
  while (!cell.sweep_finished()) {
    const Sample s = cell.advance(10);  // every 1 mV
    // Peaks are interior extrema: the tails at the vertices (bulk walls, SEI) are not peaks.
    if (s.t_s <= 2 * cycle_s || s.voltage_V < 0.1 || s.voltage_V > 2.0) continue;
    if (s.current_A < i_min) i_min = s.current_A, p.reduction_V = s.voltage_V;
    if (s.current_A > i_max) i_max = s.current_A, p.oxidation_V = s.voltage_V;
  }
  return p;
}

TEST(SimCalibration, RedoxPeaksAndSeparationsMatchThePaper) {
  const Peaks hetero = cv_peaks("zns-znse");
  std::printf("zns-znse CV peaks: %.3f V / %.3f V\n", hetero.reduction_V, hetero.oxidation_V);
  EXPECT_NEAR(hetero.reduction_V, 0.34, 0.05);
  EXPECT_NEAR(hetero.oxidation_V, 0.93, 0.05);
  EXPECT_NEAR(hetero.oxidation_V - hetero.reduction_V, 0.59, 0.05);
  const Peaks zns = cv_peaks("zns"), znse = cv_peaks("znse");
  std::printf("zns separation %.3f V, znse separation %.3f V\n", zns.oxidation_V - zns.reduction_V,
              znse.oxidation_V - znse.reduction_V);
  EXPECT_NEAR(zns.oxidation_V - zns.reduction_V, 0.73, 0.05);
  EXPECT_NEAR(znse.oxidation_V - znse.reduction_V, 0.62, 0.05);
}

}  // namespace
}  // namespace cyclerd::sim

// dQ/dV on a fixed grid: area equals the half-cycle capacity, plateaus become peaks, memory is the grid.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "analysis/dqdv.hpp"
#include "core/error.hpp"

using cyclerd::Sample;
using cyclerd::analysis::DqdvAccumulator;

namespace {

// A 1 A discharge of 3600 s (1 Ah): a third of the charge on a slope 1.5 -> 1.0 V, a third on a 10 mV
// plateau around 0.9 V, a third on a slope 0.8 -> 0.5 V (the jumps between them carry no charge).
double voltage_at(double t) {
  if (t < 1200) return 1.5 - 0.5 * t / 1200;          // 1.5 -> 1.0
  if (t < 2400) return 0.905 - 0.01 * (t - 1200) / 1200;  // 0.905 -> 0.895
  return 0.8 - 0.3 * (t - 2400) / 1200;                // 0.8 -> 0.5
}

DqdvAccumulator discharge(double dt) {
  DqdvAccumulator acc(0.4, 1.6, 240);  // 5 mV bins
  for (double t = 0; t <= 3600 + 1e-9; t += dt) acc.add(Sample{t, voltage_at(t), -1.0});
  return acc;
}

double area(const DqdvAccumulator& acc, double sigma) {
  const auto y = acc.dqdv_Ah_per_V(sigma);
  return std::accumulate(y.begin(), y.end(), 0.0) * (1.2 / 240);
}

TEST(Dqdv, AreaEqualsHalfCycleCapacityRawAndSmoothed) {
  const auto acc = discharge(1.0);
  EXPECT_NEAR(acc.capacity_Ah(), 1.0, 1e-9);
  EXPECT_NEAR(area(acc, 0), 1.0, 1e-9);
  EXPECT_NEAR(area(acc, 0.02), 1.0, 1e-9);
}

TEST(Dqdv, PlateauIsThePeakAtItsVoltage) {
  const auto acc = discharge(1.0);
  const auto y = acc.dqdv_Ah_per_V(0.005);
  const auto v = acc.voltage_V();
  const auto k = static_cast<std::size_t>(std::max_element(y.begin(), y.end()) - y.begin());
  EXPECT_NEAR(v[k], 0.9, 0.005);
  // Away from the plateau dQ/dV is (1/3 Ah)/(0.5 V) on the upper slope.
  EXPECT_NEAR(acc.dqdv_Ah_per_V()[static_cast<std::size_t>((1.25 - 0.4) / 0.005)], (1.0 / 3) / 0.5, 1e-6);
}

TEST(Dqdv, SamplingRateDoesNotChangeTheResult) {
  const auto fine = discharge(0.5).dqdv_Ah_per_V(0.01);
  const auto coarse = discharge(10.0).dqdv_Ah_per_V(0.01);
  for (std::size_t k = 0; k < fine.size(); ++k) EXPECT_NEAR(fine[k], coarse[k], 1e-3 * 670) << k;
}

TEST(Dqdv, ChargeOutsideTheGridStaysInTheArea) {
  DqdvAccumulator acc(0.8, 1.2, 40);
  for (int t = 0; t <= 100; ++t) acc.add(Sample{double(t), 0.5 + 0.01 * t, 2.0});
  const auto y = acc.dqdv_Ah_per_V(0.02);
  EXPECT_NEAR(std::accumulate(y.begin(), y.end(), 0.0) * (0.4 / 40), acc.capacity_Ah(), 1e-12);
}

TEST(Dqdv, ResetStartsAFreshHalfCycle) {
  auto acc = discharge(5.0);
  acc.reset();
  EXPECT_EQ(acc.capacity_Ah(), 0.0);
  acc.add(Sample{0, 1, 1});
  EXPECT_EQ(acc.capacity_Ah(), 0.0);
}

TEST(Dqdv, RejectsInvertedGridAndTimeGoingBack) {
  EXPECT_THROW(DqdvAccumulator(1.0, 0.5, 10), cyclerd::Error);
  DqdvAccumulator acc(0, 1, 10);
  acc.add(Sample{5, 0.5, 1});
  EXPECT_THROW(acc.add(Sample{4, 0.5, 1}), cyclerd::Error);
}

}  // namespace

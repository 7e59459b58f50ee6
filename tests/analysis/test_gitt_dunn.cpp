// GITT (Weppner-Huggins) and CV kinetics (Dunn, b-values) against the README's formula checks.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "analysis/dunn.hpp"
#include "analysis/gitt.hpp"
#include "core/error.hpp"

using namespace cyclerd::analysis;

namespace {

GittMaterial readme_material() {
  GittMaterial m;
  m.active_mass_g = 0.005;
  m.molar_mass_g_mol = 97.87;
  m.molar_volume_cm3_mol = 19.38;
  m.electrode_area_cm2 = 1.131;
  return m;
}

TEST(Gitt, WeppnerHugginsMatchesReadmeFormulaCheck) {
  const auto r = weppner_huggins({600, 0.005, 0.020, 0.8}, readme_material());
  EXPECT_NEAR(r.length_cm, 8.7541e-4, 1e-8);
  EXPECT_NEAR(r.diffusion_cm2_s, 1.01639e-10, 1e-5 * 1.01639e-10);
  // L^2/D = 7540 s, so a 600 s pulse satisfies tau <= 0.1 L^2/D.
  EXPECT_NEAR(r.diffusion_time_s, 7540, 2);
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(to_json(r)["valid"], true);
}

TEST(Gitt, FlagsPulsesTooLongForTheShortTimeSolution) {
  // dEs = dEt: the transient is as large as the whole step, D is 16x larger, L^2/D = 471 s < 10 tau.
  const auto r = weppner_huggins({600, 0.020, 0.020, 0.8}, readme_material());
  EXPECT_NEAR(r.diffusion_time_s, 7540.0 / 16.0, 0.2);
  EXPECT_FALSE(r.valid);
}

TEST(Gitt, NamesTheMissingMaterialQuantity) {
  auto m = readme_material();
  m.molar_volume_cm3_mol.reset();
  try {
    weppner_huggins({600, 0.005, 0.020, 0.8}, m);
    FAIL();
  } catch (const cyclerd::Error& e) {
    EXPECT_EQ(e.where(), "molar_volume_cm3_mol");
    EXPECT_NE(e.message().find("molar_volume_cm3_mol"), std::string::npos);
  }
  m = readme_material();
  m.electrode_area_cm2.reset();
  EXPECT_THROW(weppner_huggins({600, 0.005, 0.020, 0.8}, m), cyclerd::Error);
}

TEST(Gitt, ReadsPulseWithIrDropRemoved) {
  // Rest at 1.000 V, pulse: IR jump to 0.950 V then a 20 mV transient over 600 s, relax to 0.995 V.
  std::vector<cyclerd::Sample> s;
  s.push_back({0, 1.000, 0});
  s.push_back({10, 1.000, 0});
  for (int k = 0; k <= 60; ++k) s.push_back({10 + 10.0 * k + (k == 0 ? 0.001 : 0), 0.950 - 0.020 * k / 60.0, -1e-4});
  s.push_back({620, 0.990, 0});
  s.push_back({4000, 0.995, 0});
  const auto p = read_gitt_pulse(s);
  EXPECT_NEAR(p.duration_s, 600, 1e-9);
  EXPECT_NEAR(p.delta_et_V, -0.020, 1e-12);  // the 50 mV IR jump is not in dEt
  EXPECT_NEAR(p.delta_es_V, -0.005, 1e-12);
  const auto r = weppner_huggins(p, readme_material());
  EXPECT_NEAR(r.diffusion_cm2_s, 1.01639e-10, 1e-5 * 1.01639e-10);  // signs cancel in the square
}

TEST(Gitt, RejectsSamplesWithoutPulse) {
  std::vector<cyclerd::Sample> s{{0, 1, 0}, {1, 1, 0}};
  EXPECT_THROW(read_gitt_pulse(s), cyclerd::Error);
}

const std::vector<double> rates{1e-4, 2e-4, 5e-4, 1e-3, 2e-3};

TEST(Dunn, CapacitiveFractionMatchesReadmeFormulaCheck) {
  std::vector<double> i;
  for (double v : rates) i.push_back(0.5 * v + 0.02 * std::sqrt(v));
  const auto fit = fit_dunn(rates, i);
  EXPECT_NEAR(fit.k1, 0.5, 1e-9);
  EXPECT_NEAR(fit.k2, 0.02, 1e-11);
  const std::vector<double> want{0.2, 0.261204, 0.358570, 0.441518, 0.527864};
  for (std::size_t r = 0; r < rates.size(); ++r) EXPECT_NEAR(capacitive_fraction(fit, rates[r]), want[r], 1e-6) << r;
}

TEST(Dunn, ChargeShareOverPotentialsWeighsEachPotential) {
  // Two potentials: one purely capacitive (k2 = 0), one purely diffusive (k1 = 0), equal at v = 1e-3.
  std::vector<std::vector<double>> i(2);
  for (double v : rates) {
    i[0].push_back(1.0 * v);
    i[1].push_back(std::sqrt(1e-3) * std::sqrt(v));
  }
  const auto share = capacitive_fractions(rates, i);
  EXPECT_NEAR(share[3], 0.5, 1e-9);
  EXPECT_LT(share[0], share[4]);
}

TEST(Dunn, RejectsMismatchedLengths) {
  const std::vector<double> i{1, 2};
  EXPECT_THROW(fit_dunn(rates, i), cyclerd::Error);
}

TEST(BValue, PowerLawGivesExactExponentAndUnitRSquared) {
  std::vector<double> ip;
  for (double v : rates) ip.push_back(-3e-3 * std::pow(v, 0.73));  // cathodic peaks are negative
  const auto f = fit_b_value(rates, ip);
  EXPECT_NEAR(f.b, 0.73, 1e-12);
  EXPECT_NEAR(f.log10_a, std::log10(3e-3), 1e-12);
  EXPECT_NEAR(f.r_squared, 1.0, 1e-12);
}

TEST(BValue, DunnCurrentsGiveBBetweenHalfAndOneWithRSquaredBelowOne) {
  std::vector<double> ip;
  for (double v : rates) ip.push_back(0.5 * v + 0.02 * std::sqrt(v));
  const auto f = fit_b_value(rates, ip);
  EXPECT_GT(f.b, 0.5);
  EXPECT_LT(f.b, 1.0);
  EXPECT_LT(f.r_squared, 1.0);
  EXPECT_GT(f.r_squared, 0.99);
}

}  // namespace

// Equivalent-circuit fits reproduce impedance.py's results on its exampleData.csv (../shared/reference/README.md).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/circuit_fit.hpp"
#include "core/error.hpp"

using cyclerd::ImpedancePoint;
using cyclerd::analysis::Circuit;
using cyclerd::analysis::CircuitFitOptions;
using cyclerd::analysis::fit_circuit;

namespace {

// The peer's test data: bare "f, Re Z, Im Z" rows; like the peer we keep only Im Z < 0 (57 points).
std::vector<ImpedancePoint> example_data() {
  std::ifstream in(std::string(CYCLERD_REFERENCE_DIR) + "/impedance_py/exampleData.csv");
  EXPECT_TRUE(in.good());
  std::vector<ImpedancePoint> out;
  std::string line;
  while (std::getline(in, line)) {
    double f = 0, re = 0, im = 0;
    if (std::sscanf(line.c_str(), "%lf,%lf,%lf", &f, &re, &im) == 3 && im < 0) out.push_back({f, {re, im}});
  }
  return out;
}

void expect_relative(const std::vector<double>& got, const std::vector<double>& want, double rtol) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], rtol * std::abs(want[i])) << "parameter " << i;
  }
}

TEST(CircuitFit, ExampleDataHas57CapacitivePoints) { EXPECT_EQ(example_data().size(), 57u); }

TEST(CircuitFit, RandleWithOpenWarburgMatchesImpedancePy) {
  const auto data = example_data();
  const auto c = Circuit::parse("R0-p(R1-Wo1,C1)");
  const std::vector<double> guess{.01, .005, .01, 200, .1};
  const auto fit = fit_circuit(c, data, guess);
  EXPECT_TRUE(fit.converged) << fit.stop_reason;
  const std::vector<double> want{1.86235717e-2, 1.16804085e-2, 6.27121224e-2, 2.21232935e2, 1.17171440};
  const auto got = fit.values();
  // The peer asserts decimal=2, i.e. an absolute 0.005 on every parameter.
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 0.005) << c.parameter_names()[i];
  // and, much tighter, its prediction at 10 Hz.
  const auto z10 = c.impedance(got, 10.0);
  const std::complex<double> want10{0.0251618, -0.00601304};
  EXPECT_NEAR(z10.real(), want10.real(), 1e-5 * std::abs(want10.real()));
  EXPECT_NEAR(z10.imag(), want10.imag(), 1e-5 * std::abs(want10.imag()));
  // Standard errors exist and are small against the values for this well-determined fit.
  for (const auto& p : fit.parameters) {
    EXPECT_GT(p.stderr_, 0.0) << p.name;
    EXPECT_LT(p.stderr_, 0.2 * p.value) << p.name;
  }
  const auto json = cyclerd::analysis::to_json(fit);
  EXPECT_NEAR(json["parameters"]["Wo1_1"]["value"].get<double>(), got[3], 0.0);
  EXPECT_TRUE(json["parameters"]["R0"].contains("stderr"));
}

TEST(CircuitFit, TwoTimeConstantCircuitMatchesImpedancePy) {
  const auto data = example_data();
  const auto c = Circuit::parse("R0-p(R1,C1)-p(R2-Wo1,C2)");
  const std::vector<double> guess{.01, .01, 100, .01, .05, 100, 1};
  const auto fit = fit_circuit(c, data, guess);
  auto got = fit.values();
  // Disagreement with the peer on Wo1_1 (tau): we find 237.85, the peer 233 (2 %). The valley along tau is
  // flat (its stderr is ~17 s, so the two differ by 0.3 sigma) and scipy's TRF stops on its default
  // xtol = 1e-8 before reaching the bottom. The next test shows that 233 is not a minimum: with tau held at
  // 233 and every other parameter re-optimised, the sum of squares is higher than at ours. So we hold tau to
  // 3 % and the other six parameters to the peer's 1 %.
  EXPECT_NEAR(got[5], 2.33e2, 0.03 * 2.33e2);
  EXPECT_NEAR(got[5], 237.85, 0.01);
  got[5] = 2.33e2;
  expect_relative(got, {1.65e-2, 8.68e-3, 3.32, 5.39e-3, 6.31e-2, 2.33e2, 2.20e-1}, 1e-2);
}

TEST(CircuitFit, PeerTauOfTwoTimeConstantFitIsNotAMinimum) {
  const auto data = example_data();
  const auto c = Circuit::parse("R0-p(R1,C1)-p(R2-Wo1,C2)");
  const auto fit = fit_circuit(c, data, std::vector<double>{.01, .01, 100, .01, .05, 100, 1});
  const auto ssr = [&](const std::vector<double>& p) {
    double s = 0;
    for (const auto& pt : data) s += std::norm(c.impedance(p, pt.frequency_Hz) - pt.z_ohm);
    return s;
  };
  // Best sum of squares with tau fixed at the peer's 233: bounds lo = hi pin it.
  const std::vector<double> peer{1.65e-2, 8.68e-3, 3.32, 5.39e-3, 6.31e-2, 2.33e2, 2.20e-1};
  Eigen::VectorXd x0 = Eigen::Map<const Eigen::VectorXd>(peer.data(), 7);
  Eigen::VectorXd lo = Eigen::VectorXd::Zero(7), hi = Eigen::VectorXd::Constant(7, 1e300);
  lo[5] = hi[5] = 233.0;
  const auto pinned = cyclerd::analysis::solve_least_squares(
      [&](const Eigen::VectorXd& x) {
        Eigen::VectorXd r(2 * static_cast<Eigen::Index>(data.size()));
        const std::vector<double> p(x.data(), x.data() + 7);
        for (std::size_t i = 0; i < data.size(); ++i) {
          const auto dz = c.impedance(p, data[i].frequency_Hz) - data[i].z_ohm;
          r[static_cast<Eigen::Index>(i)] = dz.real();
          r[static_cast<Eigen::Index>(data.size() + i)] = dz.imag();
        }
        return r;
      },
      x0, lo, hi);
  const double ours = ssr(fit.values());
  EXPECT_LT(ours, 2.0 * pinned.cost);           // 1.942750e-5 < 1.942968e-5
  EXPECT_NEAR(ours, 1.942750e-5, 1e-10);
}

TEST(CircuitFit, ModulusWeightedFitMatchesImpedancePy) {
  const auto data = example_data();
  const auto c = Circuit::parse("R0-p(R1,C1)-p(R2-Wo1,C2)");
  const std::vector<double> guess{.01, .01, 100, .01, .05, 100, 1};
  CircuitFitOptions options;
  options.weight_by_modulus = true;
  const auto fit = fit_circuit(c, data, guess, options);
  expect_relative(fit.values(), {1.64e-2, 9.06e-3, 3.06, 5.29e-3, 1.45e-1, 1.32e3, 2.02e-1}, 1e-2);
}

TEST(CircuitFit, ConstantPhaseWithWarburgMatchesImpedancePy) {
  const auto data = example_data();
  const auto c = Circuit::parse("R0-p(R1,CPE1)-W1");
  const std::vector<double> guess{.01, .01, 1, .8, .001};
  const auto fit = fit_circuit(c, data, guess);
  expect_relative(fit.values(), {1.624169e-2, 1.521142e-2, 3.918433, 0.6250661, 2.725302e-3}, 1e-2);
  EXPECT_NEAR(fit.rmse_ohm, 7.14e-4, 0.01 * 7.14e-4);
}

TEST(CircuitFit, RecoversExactParametersOfNoiseFreeSpectrumWithinBounds) {
  const auto c = Circuit::parse("R0-p(R1,CPE1)");
  const std::vector<double> truth{2.0, 30.0, 1e-4, 0.9};
  std::vector<ImpedancePoint> data;
  for (int i = 0; i <= 40; ++i) {
    const double f = std::pow(10.0, 5.0 - 0.15 * i);
    data.push_back({f, c.impedance(truth, f)});
  }
  const std::vector<double> guess{1, 10, 1e-3, 1.0};  // alpha starts on its upper bound
  const auto fit = fit_circuit(c, data, guess);
  expect_relative(fit.values(), truth, 1e-6);
  EXPECT_LE(fit.values()[3], 1.0);
}

TEST(CircuitFit, RejectsGuessOfWrongLength) {
  const auto c = Circuit::parse("R0-p(R1,C1)");
  const std::vector<ImpedancePoint> data(10, ImpedancePoint{1.0, {1, -1}});
  const std::vector<double> guess{1, 2};
  EXPECT_THROW(fit_circuit(c, data, guess), cyclerd::Error);
}

TEST(CircuitFit, RejectsTooFewPoints) {
  const auto c = Circuit::parse("R0-p(R1,C1)");
  const std::vector<ImpedancePoint> data{{1.0, {1, -1}}};
  const std::vector<double> guess{1, 2, 3};
  EXPECT_THROW(fit_circuit(c, data, guess), cyclerd::Error);
}

}  // namespace

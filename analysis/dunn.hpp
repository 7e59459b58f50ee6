// Cyclic-voltammetry kinetics: Dunn decomposition i = k1 v + k2 v^0.5 and b-values i = a v^b.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <vector>

namespace cyclerd::analysis {

// k1 (capacitive, A s/V) and k2 (diffusive, A s^0.5/V^0.5) at one potential.
struct DunnFit {
  double k1 = 0;
  double k2 = 0;
};

// Least-squares k1, k2 from currents at one potential measured at several scan rates (V/s).
// Throws cyclerd::Error for fewer than two scan rates, mismatched lengths or non-positive rates.
DunnFit fit_dunn(std::span<const double> scan_rates_V_s, std::span<const double> currents_A);

// Capacitive share of the current at scan rate v: k1 v / (k1 v + k2 sqrt(v)).
double capacitive_fraction(const DunnFit& fit, double scan_rate_V_s);

// Capacitive share of the charge per scan rate: fits every potential of a CV (currents[p][r] at potential p,
// scan rate r), then share = sum |k1 v| / sum |k1 v + k2 sqrt(v)| over the potentials.
std::vector<double> capacitive_fractions(std::span<const double> scan_rates_V_s,
                                         std::span<const std::vector<double>> currents_A);

// log|i| = log a + b log v fitted by least squares, with its coefficient of determination.
struct BValueFit {
  double b = 0;
  double log10_a = 0;
  double r_squared = 0;
};

// b-value of a peak current across scan rates (b = 0.5 diffusion-limited, b = 1 capacitive).
BValueFit fit_b_value(std::span<const double> scan_rates_V_s, std::span<const double> peak_currents_A);

nlohmann::json to_json(const BValueFit& fit);

}  // namespace cyclerd::analysis

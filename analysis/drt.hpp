// Distribution of relaxation times by Gaussian RBF discretisation, Tikhonov regularisation and non-negativity.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "core/impedance.hpp"

namespace cyclerd::analysis {

// Which derivative of gamma(ln tau) the Tikhonov term penalises.
enum class DrtPenalty { first_derivative, second_derivative };

struct DrtOptions {
  double lambda = 1e-3;                         // regularisation weight (ignored when use_gcv)
  DrtPenalty penalty = DrtPenalty::first_derivative;
  bool fit_inductance = false;                  // add a series inductance L (Im Z += w L)
  double shape_coefficient = 0.5;               // eps = coefficient * FWHM coefficient / mean spacing of ln tau
  bool use_gcv = false;                         // choose lambda by generalised cross-validation instead
};

// A peak of gamma: where it is and the resistance under it (integral between the neighbouring minima).
struct DrtPeak {
  double tau_s = 0;
  double resistance_ohm = 0;
};

struct DrtResult {
  double r_inf_ohm = 0;
  double inductance_H = 0;
  double lambda = 0;                   // the lambda used (given or from GCV)
  double epsilon = 0;                  // RBF shape factor
  double polarisation_ohm = 0;         // integral of gamma d ln tau (exact for the RBF expansion)
  std::vector<double> tau_s;           // output grid: 10 points per datum, half a decade beyond the data
  std::vector<double> gamma_ohm;       // gamma on that grid
  std::vector<double> collocation_tau_s;  // RBF centres, tau = 1/f
  std::vector<double> weights_ohm;        // RBF coefficients (>= 0)
  std::vector<DrtPeak> peaks;          // by decreasing height
  std::vector<ImpedancePoint> fitted;  // the model's spectrum at the data frequencies (descending f)
};

// The DRT of a spectrum (any frequency order, >= 3 distinct frequencies). Throws cyclerd::Error otherwise.
DrtResult compute_drt(std::span<const ImpedancePoint> spectrum, const DrtOptions& options = {});

// Peaks of a sampled gamma(tau): local maxima with a prominence of at least 5 % of the highest, each with
// the area between the valleys that separate it from its neighbours; by decreasing height.
std::vector<DrtPeak> find_drt_peaks(std::span<const double> tau_s, std::span<const double> gamma_ohm);

// {"r_inf_ohm", "inductance_H", "lambda", "tau_s", "gamma_ohm", "peaks": [{"tau_s", "resistance_ohm"}]}.
nlohmann::json to_json(const DrtResult& result);

}  // namespace cyclerd::analysis

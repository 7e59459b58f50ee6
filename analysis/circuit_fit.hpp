// Complex non-linear least-squares fit of an equivalent circuit to an impedance spectrum (impedance.py style).
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "analysis/circuit_parser.hpp"
#include "analysis/least_squares.hpp"
#include "core/impedance.hpp"

namespace cyclerd::analysis {

struct CircuitFitOptions {
  // Divide each residual by |Z| (impedance.py's weight_by_modulus): small impedances count as much as large.
  bool weight_by_modulus = false;
  LeastSquaresOptions solver;
};

// One fitted parameter; stderr is one standard deviation from the Jacobian (curve_fit's pcov).
struct FittedParameter {
  std::string name;
  double value = 0;
  double stderr_ = 0;
};

struct CircuitFit {
  std::string circuit;
  std::vector<FittedParameter> parameters;  // in string order
  double rmse_ohm = 0;                      // sqrt(mean |Z_fit - Z|^2), unweighted, as impedance.py reports
  bool converged = false;
  int iterations = 0;
  std::string stop_reason;

  // The fitted values in parameter order, ready for Circuit::impedance.
  std::vector<double> values() const;
};

// Fits `circuit` to `data` from `initial_guess` (one value per parameter) with bounds [0, inf), CPE alpha <= 1,
// minimising the stacked [Re; Im] residuals. Throws cyclerd::Error for fewer points than parameters, a guess
// of the wrong length, or non-finite data.
CircuitFit fit_circuit(const Circuit& circuit, std::span<const ImpedancePoint> data,
                       std::span<const double> initial_guess, const CircuitFitOptions& options = {});

// {"circuit", "parameters": {"R0": {"value", "stderr"}, ...}, "rmse_ohm", "converged", "iterations"}.
nlohmann::json to_json(const CircuitFit& fit);

}  // namespace cyclerd::analysis

#include "analysis/circuit_fit.hpp"

#include <cmath>

#include "core/error.hpp"

namespace cyclerd::analysis {

std::vector<double> CircuitFit::values() const {
  std::vector<double> v;
  v.reserve(parameters.size());
  for (const auto& p : parameters) v.push_back(p.value);
  return v;
}

CircuitFit fit_circuit(const Circuit& circuit, std::span<const ImpedancePoint> data,
                       std::span<const double> initial_guess, const CircuitFitOptions& options) {
  const std::size_t n = circuit.parameter_count();
  if (initial_guess.size() != n) {
    throw Error(ErrorCode::invalid_input,
                "circuit " + circuit.text() + " has " + std::to_string(n) + " parameters but the initial guess has " +
                    std::to_string(initial_guess.size()) + " values",
                "initial_guess");
  }
  if (2 * data.size() <= n) {
    throw Error(ErrorCode::invalid_input,
                std::to_string(data.size()) + " impedance points cannot determine " + std::to_string(n) + " parameters",
                "data");
  }
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto& p = data[i];
    if (!std::isfinite(p.frequency_Hz) || p.frequency_Hz <= 0 || !std::isfinite(p.z_ohm.real()) ||
        !std::isfinite(p.z_ohm.imag())) {
      throw Error(ErrorCode::invalid_input, "impedance point " + std::to_string(i) + " is not finite or has f <= 0",
                  "data");
    }
  }
  const auto m = static_cast<Eigen::Index>(data.size());
  // Weights applied to both the real and the imaginary residual of a point.
  Eigen::VectorXd weight = Eigen::VectorXd::Ones(m);
  if (options.weight_by_modulus) {
    for (Eigen::Index i = 0; i < m; ++i) weight[i] = 1.0 / std::abs(data[static_cast<std::size_t>(i)].z_ohm);
  }
  const ResidualFunction residuals = [&](const Eigen::VectorXd& x) {
    Eigen::VectorXd r(2 * m);
    const std::span<const double> p(x.data(), static_cast<std::size_t>(x.size()));
    for (Eigen::Index i = 0; i < m; ++i) {
      const auto& pt = data[static_cast<std::size_t>(i)];
      const auto dz = circuit.impedance(p, pt.frequency_Hz) - pt.z_ohm;
      r[i] = dz.real() * weight[i];
      r[m + i] = dz.imag() * weight[i];
    }
    return r;
  };
  const auto nn = static_cast<Eigen::Index>(n);
  Eigen::VectorXd x0(nn), lo(nn), hi(nn);
  for (Eigen::Index i = 0; i < nn; ++i) {
    const auto k = static_cast<std::size_t>(i);
    x0[i] = initial_guess[k];
    lo[i] = circuit.lower_bounds()[k];
    hi[i] = circuit.upper_bounds()[k];
  }
  const auto result = solve_least_squares(residuals, x0, lo, hi, options.solver);
  const Eigen::MatrixXd cov = parameter_covariance(result);

  CircuitFit fit;
  fit.circuit = circuit.text();
  fit.converged = result.converged;
  fit.iterations = result.iterations;
  fit.stop_reason = result.reason;
  for (Eigen::Index i = 0; i < nn; ++i) {
    fit.parameters.push_back({circuit.parameter_names()[static_cast<std::size_t>(i)], result.x[i],
                              std::sqrt(std::max(0.0, cov(i, i)))});
  }
  double sum = 0;
  const auto values = fit.values();
  for (const auto& pt : data) sum += std::norm(circuit.impedance(values, pt.frequency_Hz) - pt.z_ohm);
  fit.rmse_ohm = std::sqrt(sum / static_cast<double>(data.size()));
  return fit;
}

nlohmann::json to_json(const CircuitFit& fit) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& p : fit.parameters) params[p.name] = {{"value", p.value}, {"stderr", p.stderr_}};
  return {{"circuit", fit.circuit},
          {"parameters", params},
          {"rmse_ohm", fit.rmse_ohm},
          {"converged", fit.converged},
          {"iterations", fit.iterations}};
}

}  // namespace cyclerd::analysis

#include "analysis/nnls.hpp"

#include <vector>

namespace cyclerd::analysis {
namespace {

// Least-squares solution restricted to the passive columns; zero elsewhere.
Eigen::VectorXd solve_passive(const Eigen::MatrixXd& a, const Eigen::VectorXd& b, const std::vector<bool>& passive) {
  std::vector<Eigen::Index> cols;
  for (Eigen::Index j = 0; j < a.cols(); ++j) {
    if (passive[static_cast<std::size_t>(j)]) cols.push_back(j);
  }
  Eigen::MatrixXd sub(a.rows(), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t k = 0; k < cols.size(); ++k) sub.col(static_cast<Eigen::Index>(k)) = a.col(cols[k]);
  const Eigen::VectorXd z_sub = sub.colPivHouseholderQr().solve(b);
  Eigen::VectorXd z = Eigen::VectorXd::Zero(a.cols());
  for (std::size_t k = 0; k < cols.size(); ++k) z[cols[k]] = z_sub[static_cast<Eigen::Index>(k)];
  return z;
}

}  // namespace

NnlsResult solve_nnls(const Eigen::MatrixXd& a, const Eigen::VectorXd& b, int max_iterations) {
  const Eigen::Index n = a.cols();
  if (max_iterations <= 0) max_iterations = static_cast<int>(30 * n + 100);
  NnlsResult out;
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(static_cast<std::size_t>(n), false);
  // Tolerance on the dual (gradient) relative to the problem's scale, so that rounding cannot cycle.
  const double tol = 1e-12 * (a.cwiseAbs().maxCoeff() * (b.cwiseAbs().maxCoeff() + 1e-300)) * static_cast<double>(n);
  while (out.iterations < max_iterations) {
    const Eigen::VectorXd w = a.transpose() * (b - a * x);
    Eigen::Index best = -1;
    double best_w = tol;
    for (Eigen::Index j = 0; j < n; ++j) {
      if (!passive[static_cast<std::size_t>(j)] && w[j] > best_w) {
        best_w = w[j];
        best = j;
      }
    }
    if (best < 0) {
      out.converged = true;
      break;
    }
    passive[static_cast<std::size_t>(best)] = true;
    // Inner loop: move towards the unconstrained passive solution, dropping variables that would go negative.
    while (out.iterations < max_iterations) {
      ++out.iterations;
      const Eigen::VectorXd z = solve_passive(a, b, passive);
      double alpha = 1.0;
      bool feasible = true;
      for (Eigen::Index j = 0; j < n; ++j) {
        if (passive[static_cast<std::size_t>(j)] && z[j] <= 0) {
          feasible = false;
          const double denom = x[j] - z[j];
          if (denom > 0) alpha = std::min(alpha, x[j] / denom);
        }
      }
      if (feasible) {
        x = z;
        break;
      }
      x += alpha * (z - x);
      for (Eigen::Index j = 0; j < n; ++j) {
        if (passive[static_cast<std::size_t>(j)] && x[j] <= 1e-15 * (1.0 + std::abs(z[j]))) {
          passive[static_cast<std::size_t>(j)] = false;
          x[j] = 0;
        }
      }
    }
  }
  out.x = x.cwiseMax(0.0);
  return out;
}

}  // namespace cyclerd::analysis

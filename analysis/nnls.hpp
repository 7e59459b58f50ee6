// Non-negative least squares (Lawson-Hanson active set) on Eigen matrices.
#pragma once

#include <Eigen/Dense>

namespace cyclerd::analysis {

struct NnlsResult {
  Eigen::VectorXd x;   // the minimiser, every entry >= 0
  int iterations = 0;
  bool converged = false;
};

// Minimises |A x - b|^2 subject to x >= 0. Each passive-set subproblem is solved by column-pivoted QR of A's
// columns rather than through normal equations, because DRT systems are ill-conditioned (overlapping RBFs).
NnlsResult solve_nnls(const Eigen::MatrixXd& a, const Eigen::VectorXd& b, int max_iterations = 0);

}  // namespace cyclerd::analysis

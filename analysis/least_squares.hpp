// Bounded non-linear least squares (Levenberg-Marquardt with box constraints) on Eigen vectors.
#pragma once

#include <Eigen/Dense>
#include <functional>
#include <string>

namespace cyclerd::analysis {

// r(x): the residual vector whose squared norm is minimised; must keep its length.
using ResidualFunction = std::function<Eigen::VectorXd(const Eigen::VectorXd& x)>;

struct LeastSquaresOptions {
  int max_evaluations = 100000;  // impedance.py's maxfev
  double ftol = 1e-13;           // relative reduction of the cost below which we stop (impedance.py's ftol)
  double xtol = 1e-13;           // relative step size below which we stop
  double gtol = 1e-14;           // scaled gradient below which we stop
};

struct LeastSquaresResult {
  Eigen::VectorXd x;          // the minimiser, inside the bounds
  Eigen::VectorXd residuals;  // r(x)
  Eigen::MatrixXd jacobian;   // dr/dx at x (finite differences)
  double cost = 0;            // 0.5 * |r|^2, scipy's convention
  int iterations = 0;
  int evaluations = 0;
  bool converged = false;
  std::string reason;         // why it stopped, for logs and results
};

// Minimises |r(x)|^2 subject to lower <= x <= upper (entries may be +-inf), starting from x0 (clamped into
// the box). Projected Levenberg-Marquardt: Marquardt column scaling, variables held at a bound whose gradient
// points outward are frozen for the step, the trial point is projected back into the box.
LeastSquaresResult solve_least_squares(const ResidualFunction& residuals, Eigen::VectorXd x0,
                                       const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                                       const LeastSquaresOptions& options = {});

// Finite-difference Jacobian of r at x (central where the box allows, one-sided second order otherwise).
Eigen::MatrixXd numeric_jacobian(const ResidualFunction& residuals, const Eigen::VectorXd& x,
                                 const Eigen::VectorXd& r0, const Eigen::VectorXd& lower,
                                 const Eigen::VectorXd& upper, int& evaluations);

// Parameter covariance as scipy's curve_fit reports it: pinv(J^T J) * |r|^2 / (m - n).
Eigen::MatrixXd parameter_covariance(const LeastSquaresResult& result);

}  // namespace cyclerd::analysis

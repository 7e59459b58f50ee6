#include "analysis/least_squares.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cyclerd::analysis {

Eigen::MatrixXd numeric_jacobian(const ResidualFunction& residuals, const Eigen::VectorXd& x,
                                 const Eigen::VectorXd& r0, const Eigen::VectorXd& lower,
                                 const Eigen::VectorXd& upper, int& evaluations) {
  const Eigen::Index n = x.size();
  Eigen::MatrixXd jac(r0.size(), n);
  // eps^(1/3) balances truncation and rounding error for central differences.
  const double rel = std::cbrt(std::numeric_limits<double>::epsilon());
  for (Eigen::Index j = 0; j < n; ++j) {
    const double h = x[j] != 0.0 ? rel * std::abs(x[j]) : rel * 1e-3;
    Eigen::VectorXd xp = x;
    if (x[j] - h >= lower[j] && x[j] + h <= upper[j]) {
      Eigen::VectorXd xm = x;
      xp[j] = x[j] + h;
      xm[j] = x[j] - h;
      jac.col(j) = (residuals(xp) - residuals(xm)) / (2.0 * h);
      evaluations += 2;
    } else {
      // At a bound: step inward, second-order one-sided formula.
      const double s = (x[j] + 2.0 * h <= upper[j]) ? h : -h;
      Eigen::VectorXd x2 = x;
      xp[j] = x[j] + s;
      x2[j] = x[j] + 2.0 * s;
      jac.col(j) = (-3.0 * r0 + 4.0 * residuals(xp) - residuals(x2)) / (2.0 * s);
      evaluations += 2;
    }
  }
  return jac;
}

LeastSquaresResult solve_least_squares(const ResidualFunction& residuals, Eigen::VectorXd x0,
                                       const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                                       const LeastSquaresOptions& options) {
  const Eigen::Index n = x0.size();
  LeastSquaresResult out;
  Eigen::VectorXd x = x0.cwiseMax(lower).cwiseMin(upper);
  Eigen::VectorXd r = residuals(x);
  out.evaluations = 1;
  double cost = 0.5 * r.squaredNorm();
  Eigen::VectorXd scale = Eigen::VectorXd::Zero(n);
  double mu = 1e-3;  // damping in the column-scaled variables, where J's columns have unit norm
  double nu = 2.0;
  bool need_jacobian = true;
  Eigen::MatrixXd jac;
  Eigen::VectorXd grad;

  while (out.evaluations < options.max_evaluations) {
    if (need_jacobian) {
      jac = numeric_jacobian(residuals, x, r, lower, upper, out.evaluations);
      grad = jac.transpose() * r;
      // Marquardt scaling, never decreasing (as MINPACK does) so that the trust region cannot oscillate.
      for (Eigen::Index j = 0; j < n; ++j) scale[j] = std::max(scale[j], jac.col(j).norm());
      need_jacobian = false;
    }
    // Free variables: not held at a bound by a gradient that points out of the box.
    std::vector<Eigen::Index> free;
    for (Eigen::Index j = 0; j < n; ++j) {
      const bool held = (x[j] <= lower[j] && grad[j] > 0) || (x[j] >= upper[j] && grad[j] < 0);
      if (!held && scale[j] > 0) free.push_back(j);
    }
    double gmax = 0;
    for (auto j : free) gmax = std::max(gmax, std::abs(grad[j]) / (scale[j] * std::max(r.norm(), 1e-300)));
    if (free.empty() || gmax <= options.gtol) {
      out.converged = true;
      out.reason = "gradient below gtol";
      break;
    }
    const auto nf = static_cast<Eigen::Index>(free.size());
    // Solve min |J_F D^-1 y + r|^2 + mu |y|^2 by QR of the augmented matrix (better conditioned than the
    // normal equations when parameters span many decades, as circuit parameters do).
    Eigen::MatrixXd aug = Eigen::MatrixXd::Zero(r.size() + nf, nf);
    for (Eigen::Index k = 0; k < nf; ++k) aug.col(k).head(r.size()) = jac.col(free[static_cast<std::size_t>(k)]) / scale[free[static_cast<std::size_t>(k)]];
    const double sqrt_mu = std::sqrt(mu);
    for (Eigen::Index k = 0; k < nf; ++k) aug(r.size() + k, k) = sqrt_mu;
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(r.size() + nf);
    rhs.head(r.size()) = -r;
    const Eigen::VectorXd y = aug.colPivHouseholderQr().solve(rhs);
    Eigen::VectorXd x_new = x;
    for (Eigen::Index k = 0; k < nf; ++k) {
      const auto j = free[static_cast<std::size_t>(k)];
      x_new[j] += y[k] / scale[j];
    }
    // A component that would cross its bound stops short of it (at 99.5 % of the way, like scipy's
    // trust-region-reflective): landing exactly on 0 freezes a resistance there and traps the fit in a
    // poor local minimum (seen on impedance.py's modulus-weighted example).
    for (Eigen::Index j = 0; j < n; ++j) {
      if (x_new[j] < lower[j]) x_new[j] = x[j] + 0.995 * (lower[j] - x[j]);
      if (x_new[j] > upper[j]) x_new[j] = x[j] + 0.995 * (upper[j] - x[j]);
    }
    const Eigen::VectorXd step = x_new - x;
    const Eigen::VectorXd r_new = residuals(x_new);
    ++out.evaluations;
    const double cost_new = 0.5 * r_new.squaredNorm();
    const double predicted = cost - 0.5 * (r + jac * step).squaredNorm();
    const double actual = cost - cost_new;
    const double rho = predicted > 0 ? actual / predicted : -1.0;
    ++out.iterations;
    const double scaled_step = (scale.asDiagonal() * step).norm();
    const double scaled_x = (scale.asDiagonal() * x).norm();
    if (rho > 1e-4 && std::isfinite(cost_new)) {
      x = x_new;
      r = r_new;
      const double old_cost = cost;
      cost = cost_new;
      need_jacobian = true;
      mu *= std::max(1.0 / 3.0, 1.0 - std::pow(2.0 * rho - 1.0, 3));
      nu = 2.0;
      if (actual <= options.ftol * old_cost && predicted <= options.ftol * old_cost) {
        out.converged = true;
        out.reason = "cost reduction below ftol";
        break;
      }
    } else {
      mu *= nu;
      nu *= 2.0;
      if (mu > 1e30) {
        out.converged = true;
        out.reason = "no further reduction possible";
        break;
      }
    }
    if (scaled_step <= options.xtol * (scaled_x + options.xtol)) {
      out.converged = true;
      out.reason = "step below xtol";
      break;
    }
  }
  if (!out.converged) out.reason = "maximum number of evaluations reached";
  out.x = x;
  out.residuals = r;
  out.cost = cost;
  out.jacobian = numeric_jacobian(residuals, x, r, lower, upper, out.evaluations);
  return out;
}

Eigen::MatrixXd parameter_covariance(const LeastSquaresResult& result) {
  const auto& jac = result.jacobian;
  const Eigen::Index m = jac.rows();
  const Eigen::Index n = jac.cols();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (m <= n) return Eigen::MatrixXd::Constant(n, n, nan);
  // Pseudo-inverse through the SVD, dropping singular values below eps * max(m, n) * s_max as scipy does.
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(jac, Eigen::ComputeThinV);
  const auto& s = svd.singularValues();
  const double threshold = std::numeric_limits<double>::epsilon() * static_cast<double>(std::max(m, n)) * s[0];
  Eigen::VectorXd inv_s2 = Eigen::VectorXd::Zero(s.size());
  for (Eigen::Index i = 0; i < s.size(); ++i) {
    if (s[i] > threshold) inv_s2[i] = 1.0 / (s[i] * s[i]);
  }
  const Eigen::MatrixXd& v = svd.matrixV();
  const double s_sq = result.residuals.squaredNorm() / static_cast<double>(m - n);
  return v * inv_s2.asDiagonal() * v.transpose() * s_sq;
}

}  // namespace cyclerd::analysis

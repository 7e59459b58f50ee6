#include "analysis/drt.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "analysis/nnls.hpp"
#include "core/error.hpp"

namespace cyclerd::analysis {
namespace {

constexpr double pi = 3.14159265358979323846;

// Re and Im kernels of one RBF centred at tau_m, seen at angular frequency w: integrals over x = ln(tau/tau_m)
// of phi(x)/(1 + (w tau_m e^x)^2) and -phi(x) w tau_m e^x/(1 + (w tau_m e^x)^2), phi(x) = exp(-(eps x)^2).
// phi vanishes (< 1e-28) beyond |eps x| = 8, and the trapezoid rule on a smooth, Gaussian-damped integrand
// converges geometrically, so 321 nodes are far more than enough.
std::pair<double, double> rbf_kernel(double w_tau, double eps) {
  constexpr int nodes = 321;
  const double half = 8.0 / eps;
  const double h = 2.0 * half / (nodes - 1);
  double re = 0, im = 0;
  for (int i = 0; i < nodes; ++i) {
    const double x = -half + h * i;
    const double phi = std::exp(-(eps * x) * (eps * x));
    const double a = w_tau * std::exp(x);
    const double weight = (i == 0 || i == nodes - 1) ? 0.5 : 1.0;
    re += weight * phi / (1.0 + a * a);
    im -= weight * phi * a / (1.0 + a * a);
  }
  return {re * h, im * h};
}

// Gram matrix of the penalised derivative of two Gaussian RBFs a distance d apart in ln tau (closed forms).
double penalty_entry(double d, double eps, DrtPenalty penalty) {
  const double u2 = (eps * d) * (eps * d);
  const double g = std::exp(-u2 / 2.0) * std::sqrt(pi / 2.0);
  if (penalty == DrtPenalty::first_derivative) return eps * (1.0 - u2) * g;
  return eps * eps * eps * (3.0 - 6.0 * u2 + u2 * u2) * g;
}

struct System {
  Eigen::MatrixXd a;  // stacked [A_re; A_im], columns [L?, R_inf, rbf...]
  Eigen::VectorXd b;  // stacked [Re Z; Im Z]
  Eigen::MatrixXd m;  // penalty, zero on L and R_inf
};

// Square root of the PSD penalty through its eigen-decomposition (tiny negative eigenvalues from rounding
// clipped), so the regularised problem is an ordinary stacked least squares for the NNLS solver.
Eigen::MatrixXd penalty_root(const Eigen::MatrixXd& m) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m);
  const Eigen::VectorXd s = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return s.asDiagonal() * es.eigenvectors().transpose();
}

Eigen::VectorXd solve_regularised(const System& sys, const Eigen::MatrixXd& root, double lambda) {
  Eigen::MatrixXd stacked(sys.a.rows() + root.rows(), sys.a.cols());
  stacked << sys.a, std::sqrt(lambda) * root;
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(stacked.rows());
  rhs.head(sys.b.size()) = sys.b;
  return solve_nnls(stacked, rhs).x;
}

// GCV score of the unconstrained ridge problem: n |r|^2 / tr(I - K)^2 with K the influence matrix.
double gcv_score(const System& sys, double lambda) {
  const Eigen::MatrixXd h = sys.a.transpose() * sys.a + lambda * sys.m;
  const Eigen::MatrixXd k = sys.a * h.ldlt().solve(sys.a.transpose());
  const Eigen::VectorXd r = sys.b - k * sys.b;
  const double n = static_cast<double>(sys.b.size());
  const double tr = n - k.trace();
  return n * r.squaredNorm() / (tr * tr);
}

}  // namespace

DrtResult compute_drt(std::span<const ImpedancePoint> spectrum, const DrtOptions& options) {
  std::vector<ImpedancePoint> pts(spectrum.begin(), spectrum.end());
  // Descending frequency makes delta ln(1/f) positive: the peer's eps turns negative otherwise.
  std::sort(pts.begin(), pts.end(), [](const auto& x, const auto& y) { return x.frequency_Hz > y.frequency_Hz; });
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (!(pts[i].frequency_Hz > 0) || !std::isfinite(pts[i].frequency_Hz) || !std::isfinite(pts[i].z_ohm.real()) ||
        !std::isfinite(pts[i].z_ohm.imag())) {
      throw Error(ErrorCode::invalid_input, "DRT needs finite impedances at positive frequencies", "spectrum");
    }
    if (i > 0 && pts[i].frequency_Hz == pts[i - 1].frequency_Hz) {
      throw Error(ErrorCode::invalid_input, "duplicate frequency " + std::to_string(pts[i].frequency_Hz) + " Hz", "spectrum");
    }
  }
  if (pts.size() < 3) throw Error(ErrorCode::invalid_input, "DRT needs at least three frequencies", "spectrum");
  if (!(options.lambda > 0) && !options.use_gcv) throw Error(ErrorCode::invalid_input, "lambda must be > 0", "lambda");

  const auto nf = static_cast<Eigen::Index>(pts.size());
  DrtResult out;
  // RBF width from the FWHM of the Gaussian, 2 sqrt(ln 2), and the mean spacing of ln tau.
  const double fwhm = 2.0 * std::sqrt(std::log(2.0));
  const double spacing = std::log(pts.front().frequency_Hz / pts.back().frequency_Hz) / static_cast<double>(nf - 1);
  const double eps = options.shape_coefficient * fwhm / spacing;
  out.epsilon = eps;
  for (const auto& p : pts) out.collocation_tau_s.push_back(1.0 / p.frequency_Hz);

  const Eigen::Index extra = options.fit_inductance ? 2 : 1;
  const Eigen::Index r_col = extra - 1;  // R_inf column; L (if any) is column 0
  System sys;
  sys.a = Eigen::MatrixXd::Zero(2 * nf, nf + extra);
  sys.b.resize(2 * nf);
  sys.m = Eigen::MatrixXd::Zero(nf + extra, nf + extra);
  for (Eigen::Index i = 0; i < nf; ++i) {
    const double w = 2.0 * pi * pts[static_cast<std::size_t>(i)].frequency_Hz;
    sys.b[i] = pts[static_cast<std::size_t>(i)].z_ohm.real();
    sys.b[nf + i] = pts[static_cast<std::size_t>(i)].z_ohm.imag();
    sys.a(i, r_col) = 1.0;
    if (options.fit_inductance) sys.a(nf + i, 0) = w;
    for (Eigen::Index m = 0; m < nf; ++m) {
      const auto [re, im] = rbf_kernel(w * out.collocation_tau_s[static_cast<std::size_t>(m)], eps);
      sys.a(i, extra + m) = re;
      sys.a(nf + i, extra + m) = im;
    }
  }
  for (Eigen::Index i = 0; i < nf; ++i) {
    for (Eigen::Index m = 0; m < nf; ++m) {
      const double d = std::log(out.collocation_tau_s[static_cast<std::size_t>(i)] / out.collocation_tau_s[static_cast<std::size_t>(m)]);
      sys.m(extra + i, extra + m) = penalty_entry(d, eps, options.penalty);
    }
  }

  double lambda = options.lambda;
  if (options.use_gcv) {
    // Golden-section search of log10(lambda) over [-10, 0]: GCV is smooth and usually unimodal there.
    double lo = -10, hi = 0;
    const double g = (std::sqrt(5.0) - 1) / 2;
    double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
    double fc = gcv_score(sys, std::pow(10.0, c)), fd = gcv_score(sys, std::pow(10.0, d));
    for (int it = 0; it < 40; ++it) {
      if (fc < fd) {
        hi = d; d = c; fd = fc; c = hi - g * (hi - lo); fc = gcv_score(sys, std::pow(10.0, c));
      } else {
        lo = c; c = d; fc = fd; d = lo + g * (hi - lo); fd = gcv_score(sys, std::pow(10.0, d));
      }
    }
    lambda = std::pow(10.0, (lo + hi) / 2);
  }
  out.lambda = lambda;
  const Eigen::VectorXd x = solve_regularised(sys, penalty_root(sys.m), lambda);
  out.r_inf_ohm = x[r_col];
  out.inductance_H = options.fit_inductance ? x[0] : 0.0;
  out.weights_ohm.assign(x.data() + extra, x.data() + x.size());
  // Each Gaussian integrates to sqrt(pi)/eps over ln tau.
  out.polarisation_ohm = x.tail(nf).sum() * std::sqrt(pi) / eps;

  const Eigen::VectorXd model = sys.a * x;
  for (Eigen::Index i = 0; i < nf; ++i) out.fitted.push_back({pts[static_cast<std::size_t>(i)].frequency_Hz, {model[i], model[nf + i]}});

  // Output grid as the peer draws it: 10 points per datum, half a decade beyond the collocation points.
  const double lg_min = std::log10(out.collocation_tau_s.front()) - 0.5;
  const double lg_max = std::log10(out.collocation_tau_s.back()) + 0.5;
  const std::size_t n_out = 10 * pts.size();
  for (std::size_t k = 0; k < n_out; ++k) {
    const double tau = std::pow(10.0, lg_min + (lg_max - lg_min) * static_cast<double>(k) / static_cast<double>(n_out - 1));
    double gamma = 0;
    for (std::size_t m = 0; m < out.weights_ohm.size(); ++m) {
      const double u = eps * std::log(tau / out.collocation_tau_s[m]);
      gamma += out.weights_ohm[m] * std::exp(-u * u);
    }
    out.tau_s.push_back(tau);
    out.gamma_ohm.push_back(gamma);
  }
  out.peaks = find_drt_peaks(out.tau_s, out.gamma_ohm);
  return out;
}

std::vector<DrtPeak> find_drt_peaks(std::span<const double> tau_s, std::span<const double> gamma_ohm) {
  std::vector<DrtPeak> peaks;
  const std::size_t n = gamma_ohm.size();
  if (n < 3) return peaks;
  const double top = *std::max_element(gamma_ohm.begin(), gamma_ohm.end());
  if (!(top > 0)) return peaks;
  // Local maxima whose prominence (scipy's definition: height above the higher of the two lowest points
  // reached before meeting a higher value on each side) is at least 5 % of the highest: regularised DRTs
  // ripple in their tails, and those ripples are not processes.
  std::vector<std::size_t> at;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (!(gamma_ohm[i] > gamma_ohm[i - 1] && gamma_ohm[i] >= gamma_ohm[i + 1])) continue;
    double left = gamma_ohm[i], right = gamma_ohm[i];
    for (std::size_t k = i; k-- > 0 && gamma_ohm[k] <= gamma_ohm[i];) left = std::min(left, gamma_ohm[k]);
    for (std::size_t k = i + 1; k < n && gamma_ohm[k] <= gamma_ohm[i]; ++k) right = std::min(right, gamma_ohm[k]);
    if (gamma_ohm[i] - std::max(left, right) >= 0.05 * top) at.push_back(i);
  }
  // Each peak owns the area (trapezoid in ln tau) up to the lowest point between it and its neighbour
  // peaks; the outermost peaks extend to the ends of the grid, so the areas add up to the whole.
  std::vector<std::size_t> cut{0};
  for (std::size_t p = 0; p + 1 < at.size(); ++p) {
    cut.push_back(static_cast<std::size_t>(
        std::min_element(gamma_ohm.begin() + static_cast<std::ptrdiff_t>(at[p]),
                         gamma_ohm.begin() + static_cast<std::ptrdiff_t>(at[p + 1])) - gamma_ohm.begin()));
  }
  cut.push_back(n - 1);
  std::vector<std::pair<double, DrtPeak>> found;
  for (std::size_t p = 0; p < at.size(); ++p) {
    double area = 0;
    for (std::size_t k = cut[p]; k < cut[p + 1]; ++k) {
      area += 0.5 * (gamma_ohm[k] + gamma_ohm[k + 1]) * std::log(tau_s[k + 1] / tau_s[k]);
    }
    found.push_back({gamma_ohm[at[p]], {tau_s[at[p]], area}});
  }
  std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  for (const auto& f : found) peaks.push_back(f.second);
  return peaks;
}

nlohmann::json to_json(const DrtResult& r) {
  nlohmann::json peaks = nlohmann::json::array();
  for (const auto& p : r.peaks) peaks.push_back({{"tau_s", p.tau_s}, {"resistance_ohm", p.resistance_ohm}});
  return {{"r_inf_ohm", r.r_inf_ohm}, {"inductance_H", r.inductance_H}, {"lambda", r.lambda},
          {"polarisation_ohm", r.polarisation_ohm}, {"tau_s", r.tau_s}, {"gamma_ohm", r.gamma_ohm},
          {"peaks", peaks}};
}

}  // namespace cyclerd::analysis

#include "analysis/dunn.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace cyclerd::analysis {
namespace {

void check(std::span<const double> v, std::span<const double> i, const char* what) {
  if (v.size() != i.size()) {
    throw Error(ErrorCode::invalid_input,
                std::to_string(v.size()) + " scan rates but " + std::to_string(i.size()) + " currents", what);
  }
  if (v.size() < 2) throw Error(ErrorCode::invalid_input, "needs at least two scan rates", what);
  for (double x : v) {
    if (!(x > 0) || !std::isfinite(x)) throw Error(ErrorCode::invalid_input, "scan rates must be positive", what);
  }
}

}  // namespace

DunnFit fit_dunn(std::span<const double> v, std::span<const double> i) {
  check(v, i, "dunn");
  const auto n = static_cast<Eigen::Index>(v.size());
  Eigen::MatrixXd a(n, 2);
  Eigen::VectorXd b(n);
  for (Eigen::Index k = 0; k < n; ++k) {
    a(k, 0) = v[static_cast<std::size_t>(k)];
    a(k, 1) = std::sqrt(v[static_cast<std::size_t>(k)]);
    b[k] = i[static_cast<std::size_t>(k)];
  }
  // QR rather than normal equations: v and sqrt(v) are strongly collinear over a narrow range of rates.
  const Eigen::Vector2d k = a.colPivHouseholderQr().solve(b);
  return {k[0], k[1]};
}

double capacitive_fraction(const DunnFit& f, double v) {
  const double cap = f.k1 * v;
  return cap / (cap + f.k2 * std::sqrt(v));
}

std::vector<double> capacitive_fractions(std::span<const double> v, std::span<const std::vector<double>> currents) {
  std::vector<double> cap(v.size(), 0.0), total(v.size(), 0.0);
  for (const auto& at_potential : currents) {
    const auto fit = fit_dunn(v, at_potential);
    for (std::size_t r = 0; r < v.size(); ++r) {
      cap[r] += std::abs(fit.k1 * v[r]);
      total[r] += std::abs(fit.k1 * v[r] + fit.k2 * std::sqrt(v[r]));
    }
  }
  std::vector<double> share(v.size());
  for (std::size_t r = 0; r < v.size(); ++r) share[r] = total[r] > 0 ? cap[r] / total[r] : 0.0;
  return share;
}

BValueFit fit_b_value(std::span<const double> v, std::span<const double> ip) {
  check(v, ip, "b_value");
  const auto n = static_cast<double>(v.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (ip[k] == 0) throw Error(ErrorCode::invalid_input, "a peak current of zero has no logarithm", "b_value");
    const double x = std::log10(v[k]), y = std::log10(std::abs(ip[k]));
    sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y;
  }
  const double sxx_c = sxx - sx * sx / n, sxy_c = sxy - sx * sy / n, syy_c = syy - sy * sy / n;
  BValueFit f;
  f.b = sxy_c / sxx_c;
  f.log10_a = (sy - f.b * sx) / n;
  f.r_squared = syy_c > 0 ? (sxy_c * sxy_c) / (sxx_c * syy_c) : 1.0;
  return f;
}

nlohmann::json to_json(const BValueFit& f) {
  return {{"b", f.b}, {"log10_a", f.log10_a}, {"r_squared", f.r_squared}};
}

}  // namespace cyclerd::analysis

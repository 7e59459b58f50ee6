#include "drivers/sim/model/diffusion.hpp"

#include <cmath>

namespace cyclerd::sim {

void Diffusion::configure(Geometry geometry, int n, double ratio) {
  const std::size_t count = static_cast<std::size_t>(n);
  std::vector<double> faces(count + 1, 0.0), centres(count, 0.0);
  // Widths w0 * ratio^i from the centre (or back wall) out to the surface, summing to 1.
  double total = 0, w = 1;
  for (std::size_t i = 0; i < count; ++i, w *= ratio) total += w;
  w = 1 / total;
  for (std::size_t i = 0; i < count; ++i, w *= ratio) faces[i + 1] = faces[i] + w;
  faces[count] = 1;
  const bool sphere = geometry == Geometry::sphere;
  area_ = sphere ? 3 : 1;
  weight_.assign(count, 0.0);
  for (std::size_t i = 0; i < count; ++i) {
    centres[i] = 0.5 * (faces[i] + faces[i + 1]);
    weight_[i] = sphere ? std::pow(faces[i + 1], 3) - std::pow(faces[i], 3) : faces[i + 1] - faces[i];
  }
  face_g_.assign(count > 0 ? count - 1 : 0, 0.0);
  for (std::size_t i = 0; i + 1 < count; ++i) {
    const double a = sphere ? 3 * faces[i + 1] * faces[i + 1] : 1.0;
    face_g_[i] = a / (centres[i + 1] - centres[i]);
  }
  edge_ = 1 - centres[count - 1];
  x_.assign(count, 0.0);
  y0_.assign(count, 0.0);
  y1_.assign(count, 0.0);
  cprime_.assign(count, 0.0);
}

void Diffusion::fill(double x0) {
  for (auto& v : x_) v = x0;
}

void Diffusion::prepare(double rate_1_s, double dt_s, double capacity_C) {
  // Row i: (w_i/dt) x_i - rate * sum_f g_f (x_j - x_i) = (w_i/dt) x_i_old + [i = last] I_f / Q.
  // Forward elimination on both right-hand sides at once, then back substitution.
  const std::size_t n = x_.size();
  const double inv_dt = 1 / dt_s;
  double prev_c = 0, prev_d0 = 0, prev_d1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double lower = i > 0 ? -rate_1_s * face_g_[i - 1] : 0.0;
    const double upper = i + 1 < n ? -rate_1_s * face_g_[i] : 0.0;
    const double diag = weight_[i] * inv_dt - lower - upper;
    const double rhs0 = weight_[i] * inv_dt * x_[i];
    const double rhs1 = i + 1 == n ? 1 / capacity_C : 0.0;
    const double denom = diag - lower * prev_c;
    prev_c = upper / denom;
    prev_d0 = (rhs0 - lower * prev_d0) / denom;
    prev_d1 = (rhs1 - lower * prev_d1) / denom;
    cprime_[i] = prev_c;
    y0_[i] = prev_d0;
    y1_[i] = prev_d1;
  }
  for (std::size_t i = n - 1; i-- > 0;) {
    y0_[i] -= cprime_[i] * y0_[i + 1];
    y1_[i] -= cprime_[i] * y1_[i + 1];
  }
  // The surface sits half a volume beyond the last centre; the flux there sets the gradient.
  const double grad_per_A = 1 / (rate_1_s * area_ * capacity_C);
  s0_ = y0_[n - 1];
  s1_ = y1_[n - 1] + edge_ * grad_per_A;
}

void Diffusion::commit(double faradaic_A) {
  for (std::size_t i = 0; i < x_.size(); ++i) x_[i] = y0_[i] + faradaic_A * y1_[i];
}

double Diffusion::mean() const {
  double m = 0;
  for (std::size_t i = 0; i < x_.size(); ++i) m += weight_[i] * x_[i];
  return m;
}

double Diffusion::surface(double faradaic_A, double rate_1_s, double capacity_C) const {
  return x_.back() + edge_ * faradaic_A / (rate_1_s * area_ * capacity_C);
}

}  // namespace cyclerd::sim

#include "drivers/sim/model/ocv.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cyclerd::sim {

namespace {
// The walls act only within wall_x of the ends, so the table alone shapes the useful range. They grow
// as 1/x rather than ln x: a logarithm gains only ~1 V before x runs out of double precision, which is
// not enough to push the interface to an upper limit far above the table.
constexpr double wall_x = 0.001;
constexpr double wall_V = 0.0257;
}  // namespace

void Ocv::configure(const CellParams& p) {
  x_.clear();
  v_.clear();
  for (const auto& pt : p.ocv) {
    x_.push_back(pt.x);
    v_.push_back(pt.voltage_V);
  }
  nernst_V_ = p.ocv_nernst_V;
  half_gap_V_ = 0.5 * p.hysteresis_V;
  const std::size_t n = x_.size();
  slope_.assign(n, 0.0);
  if (n < 2) return;
  // Fritsch-Carlson monotone slopes: a plateau in the table stays a plateau (no overshoot).
  std::vector<double> d(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i) d[i] = (v_[i + 1] - v_[i]) / (x_[i + 1] - x_[i]);
  slope_[0] = d[0];
  slope_[n - 1] = d[n - 2];
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (d[i - 1] * d[i] <= 0) {
      slope_[i] = 0;
    } else {
      const double w1 = 2 * (x_[i + 1] - x_[i]) + (x_[i] - x_[i - 1]);
      const double w2 = (x_[i + 1] - x_[i]) + 2 * (x_[i] - x_[i - 1]);
      slope_[i] = (w1 + w2) / (w1 / d[i - 1] + w2 / d[i]);
    }
  }
}

double Ocv::potential_V(double x, double h, double& dU_dx) const {
  double u = 0;
  dU_dx = 0;
  const std::size_t n = x_.size();
  if (!(x > 0 && x < 1)) {  // on or past a wall: infinitely far from equilibrium
    dU_dx = std::numeric_limits<double>::infinity();
    return x <= 0 ? -dU_dx : dU_dx;
  }
  if (n == 1) {
    u = v_[0];
  } else if (n >= 2) {
    if (x <= x_[0]) {
      u = v_[0] + slope_[0] * (x - x_[0]);
      dU_dx = slope_[0];
    } else if (x >= x_[n - 1]) {
      u = v_[n - 1] + slope_[n - 1] * (x - x_[n - 1]);
      dU_dx = slope_[n - 1];
    } else {
      const auto it = std::upper_bound(x_.begin(), x_.end(), x);
      const std::size_t i = static_cast<std::size_t>(it - x_.begin()) - 1;
      const double hx = x_[i + 1] - x_[i];
      const double t = (x - x_[i]) / hx;
      const double t2 = t * t, t3 = t2 * t;
      const double h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2,
                   h11 = t3 - t2;
      u = h00 * v_[i] + h10 * hx * slope_[i] + h01 * v_[i + 1] + h11 * hx * slope_[i + 1];
      const double d00 = 6 * t2 - 6 * t, d10 = 3 * t2 - 4 * t + 1, d01 = -6 * t2 + 6 * t,
                   d11 = 3 * t2 - 2 * t;
      dU_dx = (d00 * v_[i] + d01 * v_[i + 1]) / hx + d10 * slope_[i] + d11 * slope_[i + 1];
    }
  }
  if (nernst_V_ != 0) {
    u += nernst_V_ * std::log(x / (1 - x));
    dU_dx += nernst_V_ / (x * (1 - x));
  }
  if (x < wall_x) {
    u -= wall_V * (wall_x / x - 1);
    dU_dx += wall_V * wall_x / (x * x);
  } else if (x > 1 - wall_x) {
    const double y = 1 - x;
    u += wall_V * (wall_x / y - 1);
    dU_dx += wall_V * wall_x / (y * y);
  }
  return u + h * half_gap_V_;
}

}  // namespace cyclerd::sim

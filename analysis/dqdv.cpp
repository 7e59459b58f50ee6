#include "analysis/dqdv.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace cyclerd::analysis {

DqdvAccumulator::DqdvAccumulator(double v_min_V, double v_max_V, std::size_t bins)
    : v_min_(v_min_V), v_max_(v_max_V), width_(0), charge_Ah_(bins, 0.0) {
  if (bins == 0 || !(v_max_V > v_min_V)) {
    throw Error(ErrorCode::invalid_input, "dQ/dV grid needs v_max > v_min and at least one bin", "dqdv");
  }
  width_ = (v_max_ - v_min_) / static_cast<double>(bins);
}

void DqdvAccumulator::reset() {
  std::fill(charge_Ah_.begin(), charge_Ah_.end(), 0.0);
  capacity_Ah_ = 0;
  last_.reset();
}

std::size_t DqdvAccumulator::bin_of(double v) const {
  const double k = std::floor((v - v_min_) / width_);
  return static_cast<std::size_t>(std::clamp(k, 0.0, static_cast<double>(charge_Ah_.size() - 1)));
}

void DqdvAccumulator::deposit(double a, double b, double q) {
  if (a > b) std::swap(a, b);
  const double lo = std::clamp(a, v_min_, v_max_), hi = std::clamp(b, v_min_, v_max_);
  if (hi - lo <= 0) {
    // A plateau, or a segment wholly outside the grid: all of it goes to one (edge) bin.
    charge_Ah_[bin_of(0.5 * (a + b))] += q;
    return;
  }
  // Share of the segment outside the grid goes to the edge bins; the inside share is spread by overlap.
  const double span = b - a;
  charge_Ah_.front() += q * (lo - a) / span;
  charge_Ah_.back() += q * (b - hi) / span;
  const double inside = q * (hi - lo) / span;
  for (std::size_t k = bin_of(lo); k <= bin_of(hi); ++k) {
    const double b_lo = v_min_ + width_ * static_cast<double>(k), b_hi = b_lo + width_;
    const double overlap = std::min(hi, b_hi) - std::max(lo, b_lo);
    if (overlap > 0) charge_Ah_[k] += inside * overlap / (hi - lo);
  }
}

void DqdvAccumulator::add(const Sample& s) {
  if (last_) {
    const double dt = s.t_s - last_->t_s;
    if (dt < 0) throw Error(ErrorCode::invalid_input, "samples go back in time", "dqdv");
    const double q = 0.5 * (std::abs(s.current_A) + std::abs(last_->current_A)) * dt / 3600.0;
    if (q > 0 && std::isfinite(q)) {
      deposit(last_->voltage_V, s.voltage_V, q);
      capacity_Ah_ += q;
    }
  }
  last_ = s;
}

std::vector<double> DqdvAccumulator::voltage_V() const {
  std::vector<double> v(charge_Ah_.size());
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = v_min_ + width_ * (static_cast<double>(k) + 0.5);
  return v;
}

std::vector<double> DqdvAccumulator::dqdv_Ah_per_V(double sigma_V) const {
  const std::size_t n = charge_Ah_.size();
  std::vector<double> out(n, 0.0);
  if (!(sigma_V > 0)) {
    for (std::size_t k = 0; k < n; ++k) out[k] = charge_Ah_[k] / width_;
    return out;
  }
  const double s_bins = sigma_V / width_;
  const auto reach = static_cast<std::ptrdiff_t>(std::ceil(4.0 * s_bins));
  // The kernel depends only on the offset: evaluate it once per call, not once per bin pair (this runs at
  // the end of every half cycle of a live run).
  std::vector<double> kernel(static_cast<std::size_t>(2 * reach + 1));
  for (std::ptrdiff_t d = -reach; d <= reach; ++d) {
    const double x = static_cast<double>(d) / s_bins;
    kernel[static_cast<std::size_t>(d + reach)] = std::exp(-0.5 * x * x);
  }
  for (std::size_t k = 0; k < n; ++k) {
    if (charge_Ah_[k] == 0) continue;
    const auto lo = std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(k) - reach);
    const auto hi = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(n) - 1, static_cast<std::ptrdiff_t>(k) + reach);
    const auto centre = static_cast<std::ptrdiff_t>(k) - reach;  // kernel index = m - centre
    double norm = 0;
    for (auto m = lo; m <= hi; ++m) norm += kernel[static_cast<std::size_t>(m - centre)];
    const double scale = charge_Ah_[k] / norm / width_;
    for (auto m = lo; m <= hi; ++m) out[static_cast<std::size_t>(m)] += scale * kernel[static_cast<std::size_t>(m - centre)];
  }
  return out;
}

}  // namespace cyclerd::analysis

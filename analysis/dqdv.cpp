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
  // floor() clamped to the grid, without the library calls (this runs twice per record): inside the grid
  // truncation is floor, and both ends are clamped explicitly.
  const double k = (v - v_min_) / width_;
  const auto last = charge_Ah_.size() - 1;
  if (!(k > 0)) return 0;
  if (k >= static_cast<double>(last)) return last;
  return static_cast<std::size_t>(k);
}

void DqdvAccumulator::deposit(double a, double b, double q) {
  if (a > b) std::swap(a, b);
  const double lo = std::clamp(a, v_min_, v_max_), hi = std::clamp(b, v_min_, v_max_);
  if (hi - lo <= 0) {
    // A plateau, or a segment wholly outside the grid: all of it goes to one (edge) bin.
    charge_Ah_[bin_of(0.5 * (a + b))] += q;
    return;
  }
  const std::size_t first = bin_of(lo), last = bin_of(hi);
  if (first == last && lo == a && hi == b) {
    // The common case in a live run (one record moves the voltage by less than a bin): all of it here.
    charge_Ah_[first] += q;
    return;
  }
  // Share of the segment outside the grid goes to the edge bins; the inside share is spread by overlap.
  const double span = b - a;
  charge_Ah_.front() += q * (lo - a) / span;
  charge_Ah_.back() += q * (b - hi) / span;
  const double inside = q * (hi - lo) / span;
  for (std::size_t k = first; k <= last; ++k) {
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

std::vector<double> DqdvAccumulator::smoothing_kernel(double sigma_V) const {
  if (!(sigma_V > 0)) return {1.0};
  const double s_bins = sigma_V / width_;
  const auto reach = static_cast<std::ptrdiff_t>(std::ceil(4.0 * s_bins));
  std::vector<double> kernel(static_cast<std::size_t>(2 * reach + 1));
  for (std::ptrdiff_t d = -reach; d <= reach; ++d) {
    const double x = static_cast<double>(d) / s_bins;
    kernel[static_cast<std::size_t>(d + reach)] = std::exp(-0.5 * x * x);
  }
  return kernel;
}

std::vector<double> DqdvAccumulator::dqdv_Ah_per_V(double sigma_V) const {
  std::vector<double> out;
  dqdv_Ah_per_V(out, smoothing_kernel(sigma_V));
  return out;
}

void DqdvAccumulator::dqdv_Ah_per_V(std::vector<double>& out, std::span<const double> kernel) const {
  const std::size_t n = charge_Ah_.size();
  out.assign(n, 0.0);
  const auto reach = static_cast<std::ptrdiff_t>(kernel.size() / 2);
  double whole = 0;
  for (double w : kernel) whole += w;
  // Each bin's charge is spread over its neighbours, the weights renormalised to the part of the kernel
  // inside the grid (so nothing leaks out at the edges and the area stays the capacity).
  for (std::size_t k = 0; k < n; ++k) {
    if (charge_Ah_[k] == 0) continue;
    const auto lo = std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(k) - reach);
    const auto hi = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(n) - 1, static_cast<std::ptrdiff_t>(k) + reach);
    const auto centre = static_cast<std::ptrdiff_t>(k) - reach;  // kernel index = m - centre
    // Away from the edges the whole kernel is inside: its sum, added in the same order, is the norm.
    double norm = 0;
    if (hi - lo == 2 * reach) {
      norm = whole;
    } else {
      for (auto m = lo; m <= hi; ++m) norm += kernel[static_cast<std::size_t>(m - centre)];
    }
    const double scale = charge_Ah_[k] / norm / width_;
    for (auto m = lo; m <= hi; ++m) out[static_cast<std::size_t>(m)] += scale * kernel[static_cast<std::size_t>(m - centre)];
  }
}

}  // namespace cyclerd::analysis

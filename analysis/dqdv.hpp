// Incremental capacity dQ/dV accumulated onto a fixed voltage grid as samples arrive (memory bounded).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "core/sample.hpp"

namespace cyclerd::analysis {

// Accumulates one half cycle: each pair of consecutive samples moves charge |I| dt (trapezoid), spread evenly
// over the voltage interval it swept; charge outside [v_min, v_max] goes to the edge bins so that the area
// under dQ/dV is always the half cycle's capacity. Memory is the grid only, whatever the half cycle's length.
class DqdvAccumulator {
 public:
  // A uniform grid of `bins` bins over [v_min_V, v_max_V]; throws cyclerd::Error if empty or inverted.
  DqdvAccumulator(double v_min_V, double v_max_V, std::size_t bins);

  // Adds the next sample of the half cycle (time must not go backwards).
  void add(const Sample& sample);
  // Starts a new half cycle (keeps the grid).
  void reset();

  // Charge accumulated so far, Ah.
  double capacity_Ah() const { return capacity_Ah_; }
  // Bin centres, V.
  std::vector<double> voltage_V() const;
  // dQ/dV per bin in Ah/V, smoothed by a Gaussian of standard deviation sigma_V (0: raw). The smoothing
  // redistributes each bin's charge over its neighbours with weights renormalised inside the grid, so the
  // area sum(dqdv) * bin_width equals capacity_Ah() exactly.
  std::vector<double> dqdv_Ah_per_V(double sigma_V = 0) const;
  // The Gaussian weights by bin offset (-reach..reach) that dqdv_Ah_per_V(sigma_V) smooths with; {1} for
  // sigma_V <= 0. For callers that smooth every half cycle alike: compute it once.
  std::vector<double> smoothing_kernel(double sigma_V) const;
  // The same curve as dqdv_Ah_per_V(sigma_V) with that sigma's kernel, written into `out` (resized to the
  // grid; no allocation when its capacity suffices).
  void dqdv_Ah_per_V(std::vector<double>& out, std::span<const double> kernel) const;
  std::size_t bins() const { return charge_Ah_.size(); }

 private:
  void deposit(double v_from, double v_to, double charge_Ah);
  std::size_t bin_of(double v) const;

  double v_min_, v_max_, width_;
  std::vector<double> charge_Ah_;
  double capacity_Ah_ = 0;
  std::optional<Sample> last_;
};

}  // namespace cyclerd::analysis

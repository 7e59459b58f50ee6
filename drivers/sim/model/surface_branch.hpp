// The surface branch in parallel with the faradaic one: double layer plus pseudocapacitive redox peaks,
// and the one-way side reaction (SEI) behind the first-cycle irreversible loss.
#pragma once

#include <vector>

#include "drivers/sim/model/cell_params.hpp"

namespace cyclerd::sim {

class SurfaceBranch {
 public:
  // Scales the per-gram capacities to the cell's mass.
  void configure(const CellParams& p, double mass_g);
  // Charge (Ah) held at interface potential phi on hysteresis state h, times the capacity factor m;
  // writes dq/dphi (Ah/V). The peaks sit at their reduction potential for h = -1, oxidation for h = +1.
  double charge_Ah(double phi_V, double h, double m, double& dq_dphi) const;
  bool enabled() const { return enabled_; }

  // The side reaction is a ratchet on the most extreme interface potential reached in the direction of
  // the first half: its charge follows that extreme and never returns.
  // Returns the side-reaction charge change (Ah) for moving the extreme from `extreme_V` to follow phi;
  // writes d/dphi and the new extreme.
  double side_charge_change_Ah(double phi_V, double extreme_V, double& dq_dphi,
                               double& new_extreme_V) const;
  // Direction of the first half: -1 discharge, +1 charge.
  double side_direction() const { return direction_; }

 private:
  struct Peak {
    double mid_V, half_gap_V, width_V, capacity_Ah;
  };
  std::vector<Peak> peaks_;
  double dl_Ah_V_ = 0;
  bool enabled_ = false;
  double side_Ah_ = 0, side_V_ = 0, side_width_V_ = 0.1, direction_ = -1;
};

}  // namespace cyclerd::sim

// A plain two-RC equivalent-circuit cell (OCV table, R0, two RC pairs, coulomb counting): the baseline the
// benchmark compares the physics model's step cost with. No diffusion, no hysteresis, no noise.
#pragma once

#include <vector>

#include "drivers/sim/model/cell_params.hpp"

namespace cyclerd::sim {

class TwoRcModel {
 public:
  // Capacity in Ah; the OCV table is linear between points (x = state of charge).
  TwoRcModel(std::vector<OcvPoint> ocv, double capacity_Ah, double r0_ohm, double r1_ohm, double c1_F,
             double r2_ohm, double c2_F, double soc);
  // Advances dt_s at the given current (> 0 charges) with exact exponential RC updates.
  void step(double dt_s, double current_A);
  double voltage_V() const { return voltage_V_; }
  double soc() const { return soc_; }

 private:
  double ocv_V(double x) const;
  std::vector<OcvPoint> ocv_;
  double capacity_Ah_, r0_, r1_, c1_, r2_, c2_;
  double soc_, v1_ = 0, v2_ = 0, voltage_V_ = 0;
};

}  // namespace cyclerd::sim

#include "drivers/sim/model/surface_branch.hpp"

#include <cmath>

namespace cyclerd::sim {

namespace {
// Logistic occupancy and its derivative; written with exp(-|z|) so it never overflows.
inline double logistic(double z, double& dz) {
  const double e = std::exp(-std::abs(z));
  const double s = 1 / (1 + e);
  dz = e * s * s;
  return z >= 0 ? s : 1 - s;
}
}  // namespace

void SurfaceBranch::configure(const CellParams& p, double mass_g) {
  dl_Ah_V_ = p.double_layer_F_g * mass_g / 3600.0;
  peaks_.clear();
  for (const auto& pk : p.surface_peaks) {
    if (pk.capacity_mAh_g <= 0) continue;
    peaks_.push_back({0.5 * (pk.reduction_V + pk.oxidation_V), 0.5 * (pk.oxidation_V - pk.reduction_V),
                      pk.width_V, pk.capacity_mAh_g * 1e-3 * mass_g});
  }
  enabled_ = dl_Ah_V_ > 0 || !peaks_.empty();
  side_Ah_ = p.side_reaction_capacity_mAh_g * 1e-3 * mass_g;
  side_V_ = p.side_reaction_V;
  side_width_V_ = p.side_reaction_width_V;
  direction_ = p.discharge_first ? -1.0 : 1.0;
}

double SurfaceBranch::charge_Ah(double phi_V, double h, double m, double& dq_dphi) const {
  double q = dl_Ah_V_ * phi_V;
  double dq = dl_Ah_V_;
  for (const auto& pk : peaks_) {
    double dz = 0;
    const double occ = logistic((phi_V - pk.mid_V - h * pk.half_gap_V) / pk.width_V, dz);
    q += pk.capacity_Ah * occ;
    dq += pk.capacity_Ah * dz / pk.width_V;
  }
  dq_dphi = m * dq;
  return m * q;
}

double SurfaceBranch::side_charge_change_Ah(double phi_V, double extreme_V, double& dq_dphi,
                                            double& new_extreme_V) const {
  dq_dphi = 0;
  new_extreme_V = extreme_V;
  if (side_Ah_ <= 0) return 0;
  // Formation happens only beyond the extreme already reached, in the first half's direction.
  if ((phi_V - extreme_V) * direction_ <= 0) return 0;
  new_extreme_V = phi_V;
  double d_new = 0, d_old = 0;
  const double f_new = logistic((phi_V - side_V_) / side_width_V_, d_new);
  const double f_old = logistic((extreme_V - side_V_) / side_width_V_, d_old);
  // Charge moves with the potential: both directions give dq/dphi >= 0, keeping the step monotone.
  dq_dphi = side_Ah_ * d_new / side_width_V_;
  return side_Ah_ * (f_new - f_old);
}

}  // namespace cyclerd::sim

#include "drivers/sim/model/two_rc_model.hpp"

#include <algorithm>
#include <cmath>

namespace cyclerd::sim {

TwoRcModel::TwoRcModel(std::vector<OcvPoint> ocv, double capacity_Ah, double r0_ohm, double r1_ohm,
                       double c1_F, double r2_ohm, double c2_F, double soc)
    : ocv_(std::move(ocv)), capacity_Ah_(capacity_Ah), r0_(r0_ohm), r1_(r1_ohm), c1_(c1_F), r2_(r2_ohm),
      c2_(c2_F), soc_(soc) {
  voltage_V_ = ocv_V(soc_);
}

double TwoRcModel::ocv_V(double x) const {
  if (ocv_.empty()) return 0;
  if (x <= ocv_.front().x) return ocv_.front().voltage_V;
  if (x >= ocv_.back().x) return ocv_.back().voltage_V;
  const auto it = std::upper_bound(ocv_.begin(), ocv_.end(), x,
                                   [](double v, const OcvPoint& p) { return v < p.x; });
  const auto& a = *(it - 1);
  const auto& b = *it;
  return a.voltage_V + (b.voltage_V - a.voltage_V) * (x - a.x) / (b.x - a.x);
}

void TwoRcModel::step(double dt_s, double current_A) {
  soc_ += current_A * dt_s / 3600.0 / capacity_Ah_;
  const double e1 = std::exp(-dt_s / (r1_ * c1_)), e2 = std::exp(-dt_s / (r2_ * c2_));
  v1_ = current_A * r1_ + (v1_ - current_A * r1_) * e1;
  v2_ = current_A * r2_ + (v2_ - current_A * r2_) * e2;
  voltage_V_ = ocv_V(soc_) + current_A * r0_ + v1_ + v2_;
}

}  // namespace cyclerd::sim

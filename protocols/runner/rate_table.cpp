#include "protocols/runner/rate_table.hpp"

#include <cmath>

namespace cyclerd {
namespace {
// Densities computed from the same setpoint agree to rounding; different rates differ by far more.
bool same_rate(double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(std::abs(a), std::abs(b)); }
}  // namespace

std::vector<RateRow> rate_table(const std::vector<CycleSummary>& cycles) {
  std::vector<RateRow> rows;
  for (std::size_t i = 1; i < cycles.size(); ++i) {
    const auto& c = cycles[i];
    if (!c.current_density_A_g) continue;
    if (rows.empty() || !same_rate(rows.back().current_density_A_g, *c.current_density_A_g)) {
      rows.push_back(RateRow{*c.current_density_A_g, 0, 0, 0, 0});
    }
    RateRow& r = rows.back();
    r.cycles += 1;
    r.mean_discharge_capacity_mAh_g += c.discharge_capacity_mAh_g;
    r.mean_charge_capacity_mAh_g += c.charge_capacity_mAh_g;
  }
  for (auto& r : rows) {
    r.mean_discharge_capacity_mAh_g /= r.cycles;
    r.mean_charge_capacity_mAh_g /= r.cycles;
  }
  for (auto& r : rows) {
    const double first = rows.front().mean_discharge_capacity_mAh_g;
    r.retention = first > 0 ? r.mean_discharge_capacity_mAh_g / first : 0;
  }
  return rows;
}

nlohmann::json to_json(const RateRow& r) {
  return {{"current_density_A_g", r.current_density_A_g},
          {"cycles", r.cycles},
          {"mean_discharge_capacity_mAh_g", r.mean_discharge_capacity_mAh_g},
          {"mean_charge_capacity_mAh_g", r.mean_charge_capacity_mAh_g},
          {"retention", r.retention}};
}

}  // namespace cyclerd

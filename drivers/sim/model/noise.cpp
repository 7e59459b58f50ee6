// Seeded measurement noise on what the instrument reports; the cell's state never sees it.
#include <cmath>
#include <numbers>

#include "drivers/sim/model/cell_model.hpp"

namespace cyclerd::sim {

double CellModel::gaussian() {
  // Box-Muller on two 53-bit uniforms drawn here, with nothing cached between calls, so the generator's
  // state alone determines what comes next (std::normal_distribution keeps a spare value).
  const double u1 = (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53;
  const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
}

Sample CellModel::make_sample(std::uint32_t flags) {
  Sample s;
  s.t_s = time_s_;
  s.voltage_V = voltage_V_;
  s.current_A = current_A_;
  s.temperature_C = temperature_C_;
  if (setpoint_fresh_) flags |= sample_flag::setpoint_start;
  setpoint_fresh_ = false;
  s.flags = flags;
  if (params_.noise_voltage_V > 0 && !(flags & sample_flag::limit_reached))
    s.voltage_V += params_.noise_voltage_V * gaussian();
  if (params_.noise_current_A > 0) s.current_A += params_.noise_current_A * gaussian();
  if (params_.noise_temperature_C > 0) s.temperature_C += params_.noise_temperature_C * gaussian();
  return s;
}

}  // namespace cyclerd::sim

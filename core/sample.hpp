// One measurement of a channel: the unit every driver delivers and every consumer reads.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace cyclerd {

// Bits of Sample::flags.
namespace sample_flag {
inline constexpr std::uint32_t limit_reached = 1u << 0;  // the driver landed exactly on a setpoint's stop limit
inline constexpr std::uint32_t corrupt = 1u << 1;        // the reading failed a plausibility check
inline constexpr std::uint32_t compliance = 1u << 2;     // the instrument hit its compliance limit
inline constexpr std::uint32_t setpoint_start = 1u << 3; // first sample after a new setpoint was applied
}  // namespace sample_flag

struct Sample {
  double t_s = 0;                // channel time (the driver's clock), seconds
  double voltage_V = 0;          // terminal voltage
  double current_A = 0;          // > 0 charges the cell
  double temperature_C = std::numeric_limits<double>::quiet_NaN();  // NaN when not measured
  std::uint32_t flags = 0;

  bool has(std::uint32_t flag) const noexcept { return (flags & flag) != 0; }
  bool has_temperature() const noexcept { return !std::isnan(temperature_C); }
};

}  // namespace cyclerd

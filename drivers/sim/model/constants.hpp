// Physical constants shared by the model's files.
#pragma once

namespace cyclerd::sim::constants {
inline constexpr double faraday_C_mol = 96485.33212;
inline constexpr double gas_J_mol_K = 8.314462618;
inline constexpr double kelvin_offset = 273.15;
inline constexpr double reference_K = 298.15;  // temperature at which i0 and D are given
inline constexpr double seconds_per_hour = 3600.0;
}  // namespace cyclerd::sim::constants

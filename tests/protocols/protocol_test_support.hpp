// What the protocol tests share: a simulated channel's capabilities and a small anode cell.
#pragma once

#include <string>
#include <vector>

#include "protocols/validate.hpp"

namespace cyclerd::test {

// The simulated channel of the acceptance criteria: -0.5..5 V, 1 A, every mode.
inline Capabilities sim_channel() {
  Capabilities caps;
  caps.modes = {Mode::rest, Mode::current, Mode::voltage, Mode::sweep, Mode::eis};
  caps.v_min_V = -0.5;
  caps.v_max_V = 5.0;
  caps.i_max_A = 1.0;
  caps.min_sample_period_s = 0.01;
  return caps;
}

// A 1 mg anode with a nominal capacity of 0.5 mAh.
inline CellInfo small_cell() { return CellInfo{1e-3, 0.5e-3}; }

inline ValidationContext sim_context() { return ValidationContext{sim_channel(), small_cell()}; }

// "pointer: message" lines, for readable failure output.
inline std::string describe(const std::vector<ValidationError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "  " + e.pointer + ": " + e.message + "\n";
  return out;
}

}  // namespace cyclerd::test

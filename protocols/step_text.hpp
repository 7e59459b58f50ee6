// The one-line step grammar, in the style of PyBaMM experiments (see protocols/README.md):
//   "Discharge at 0.05 A/g until 0.01 V", "Rest for 1 hour", "Hold at 3.0 V until 0.01 A/g",
//   "Sweep 3.0 V to 0.01 V to 3.0 V at 2 mV/s, 100 cycles", "EIS 100 kHz to 10 mHz, 5 mV, 10 per decade".
#pragma once

#include <string>
#include <string_view>

#include "protocols/protocol.hpp"

namespace cyclerd {

// Parses one line into a step (its record conditions are left for the caller to fill in).
// Throws Error(where = pointer) whose message quotes the fragment that is wrong.
Step parse_step_text(std::string_view line, const std::string& pointer);

}  // namespace cyclerd

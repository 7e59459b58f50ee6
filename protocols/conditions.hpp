// The grammar of "until" clauses, for steps and for loops (see protocols/README.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/quantity.hpp"
#include "protocols/protocol.hpp"

namespace cyclerd {

// Which way a step drives the voltage; it tells which side a bare voltage clause ("0.01 V") means.
enum class Direction { none, down, up };

// A discharge (I < 0) drives the voltage down, a charge up; zero has no direction.
Direction direction_of(const CurrentSpec& current);

// A current quantity (A, A/g or C-rate) as a CurrentSpec; throws Error(unit_mismatch) otherwise.
CurrentSpec current_from(const Quantity& quantity, std::string_view text, const std::string& pointer);

// Parses OR-ed step clauses, e.g. "0.01 V or 2 hours or dV/dt < 0.1 mV/h".
// Throws Error(where = pointer) quoting the clause that is wrong and saying what would be right.
std::vector<EndCondition> parse_end_conditions(std::string_view text, Direction direction,
                                               const std::string& pointer);

// Parses OR-ed loop clauses, e.g. "discharge capacity below 80 % of cycle 3".
// Throws Error(where = pointer) like parse_end_conditions.
std::vector<LoopCondition> parse_loop_conditions(std::string_view text, const std::string& pointer);

}  // namespace cyclerd

// Turns the currents of a protocol into amperes for one cell, once, before a run.
#pragma once

#include <string>

#include "protocols/protocol.hpp"

namespace cyclerd {

// The current in amperes for `cell`: A/g needs its active mass, a C-rate its nominal capacity.
// Throws Error(invalid_input, where = pointer) naming what the cell lacks.
double to_amperes(const CurrentSpec& current, const CellInfo& cell, const std::string& pointer);

// A copy of `protocol` where every CurrentSpec is in amperes and every mAh/g loop condition in Ah,
// so the engine never sees a cell-relative unit. Throws like to_amperes(); validate() first to get
// every problem at once.
Protocol resolve(const Protocol& protocol, const CellInfo& cell);

}  // namespace cyclerd

// The potential programme of a sweep step as the engine sees it: how long it lasts and which way it
// drives the cell at a moment (a falling potential discharges, a rising one charges).
#pragma once

#include "core/setpoint.hpp"

namespace cyclerd {

// Seconds from the start to the last vertex of the last cycle (later cycles start from the last vertex).
double sweep_duration_s(const SweepParams& sweep);
// -1 while the potential falls, +1 while it rises, 0 after the end, at `t_s` since the sweep started.
int sweep_direction(const SweepParams& sweep, double t_s);

}  // namespace cyclerd

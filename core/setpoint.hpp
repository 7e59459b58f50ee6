// What a channel is told to do: a mode, its value, and the limits at which the driver should stop.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace cyclerd {

enum class Mode {
  rest,     // open circuit: no current flows, voltage is measured
  current,  // constant current (A), voltage follows
  voltage,  // constant voltage (V), current follows
  sweep,    // potential sweep (cyclic voltammetry) between vertices at a scan rate
  eis,      // impedance spectrum around the present state
};

std::string_view to_string(Mode mode);

// A potential sweep: from the start potential through each vertex in turn, repeated `cycles` times.
struct SweepParams {
  double start_V = 0;
  std::vector<double> vertices_V;  // e.g. {0.01, 3.0} for 3.0 -> 0.01 -> 3.0 when start is 3.0
  double scan_rate_V_s = 0;        // > 0
  int cycles = 1;
};

// An impedance spectrum from f_start to f_end, logarithmically spaced.
struct EisParams {
  double f_start_Hz = 1e5;
  double f_end_Hz = 1e-2;
  int points_per_decade = 10;
  double amplitude_V = 5e-3;  // rms of the potentiostatic perturbation
};

struct Setpoint {
  Mode mode = Mode::rest;
  double value = 0;  // A for current, V for voltage; unused for rest, sweep and eis
  SweepParams sweep;
  EisParams eis;
  // Stop limits: a driver that can land exactly on them (Capabilities::lands_on_limits) ends the
  // setpoint on the limit, flags that sample limit_reached and goes to rest until the next setpoint.
  std::optional<double> stop_below_V;
  std::optional<double> stop_above_V;
  double sample_period_s = 1.0;  // how often the driver delivers a sample
};

}  // namespace cyclerd

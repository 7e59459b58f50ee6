// Protocol setpoints as MethodSCRIPT: each setpoint becomes one script that the instrument runs by itself.
//
// rest -> meas_loop_ocp with the cell off (open-circuit potential); current -> meas_loop_cp
// (chronopotentiometry); voltage -> meas_loop_ca (chronoamperometry, a potential hold); sweep -> the
// first pass as meas_loop_lsv segments, later passes as one meas_loop_cv with nscans, then a hold at the
// last vertex (the engine ends the step by time, so the cell must not float meanwhile); an impedance
// spectrum -> a short meas_loop_ocp whose last value is the DC potential of meas_loop_eis.
// Every package carries the script's timer (`eb`, seconds since the script started) so that a lost
// line never shifts the time axis, then the potential and the current. Every script ends with
// `on_finished: cell_off`, which the instrument runs when the script ends and when it is aborted.
// Each loop that drives the cell tests the value it just sent against the channel's safety limits and
// leaves with `breakloop` past one (limits.hpp): the script then ends and on_finished switches the cell
// off, with or without a host.
#pragma once

#include <string>
#include <vector>

#include "core/setpoint.hpp"
#include "drivers/methodscript/limits.hpp"
#include "drivers/methodscript/models.hpp"

namespace cyclerd::methodscript {

// How long a setpoint's loop runs if nobody replaces it; the driver restarts it if it ever ends.
inline constexpr double hold_run_time_s = 1e6;

// A script as lines (without terminators); the first is `e`, the last line is not the empty line.
struct Script {
  std::vector<std::string> lines;
  // The whole text as sent: every line with "\n", then the empty line that ends the script.
  std::string text() const;
};

// A number as a MethodSCRIPT literal: an integer with an SI prefix, e.g. 0.05 -> "50m", -2e-6 ->
// "-2u", 1e6 -> "1M"; as many significant digits as the value needs (up to 9).
std::string literal(double value);

// The script that runs `setpoint` on an instrument of `model`, leaving its loops past `limits`. Throws
// Error(out_of_range or invalid_state) when the model cannot (constant current without a galvanostat,
// outside the window).
Script setpoint_script(const Setpoint& setpoint, const ModelRow& model, const ScriptLimits& limits);
// The same within the model's own limits (model_limits).
Script setpoint_script(const Setpoint& setpoint, const ModelRow& model);

// The script that measures an impedance spectrum at open circuit.
Script impedance_script(const EisParams& params, const ModelRow& model);

// The number of frequencies of a spectrum: points_per_decade over the decades, both ends included.
int impedance_points(const EisParams& params);

}  // namespace cyclerd::methodscript

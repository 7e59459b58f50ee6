// The channel's safety limits as the instrument itself tests them, inside each measurement loop of a
// setpoint's script: a host that dies must not leave the cell driven past them for the loop's run time.
#pragma once

#include <optional>
#include <string>

#include "core/setpoint.hpp"
#include "drivers/methodscript/models.hpp"

namespace cyclerd::methodscript {

struct ScriptLimits {
  // Tested under constant current, where the potential is what the cell answers with.
  double v_min_V = 0, v_max_V = 0;
  // Tested as |I| under a potential hold or sweep, where the current is the answer; none: no test
  // (a reading cannot exceed the model's own range, so a test at it would never fire).
  std::optional<double> i_max_A;
};

// What a channel without configured limits gets: the model's window, no current test. A galvanostat
// driving a cell that no longer takes its current (open, dried out) runs the potential to the window.
ScriptLimits model_limits(const ModelRow& model);

// `configured` (from the channel's limits or URI keys; absent parts from model_limits) checked against
// the model: throws Error(invalid_input) when v_min >= v_max, or either is outside the window, or
// i_max is not in (0, the model's largest current].
ScriptLimits resolve_limits(std::optional<double> v_min_V, std::optional<double> v_max_V,
                            std::optional<double> i_max_A, const ModelRow& model, const std::string& where);

// Which limit a reading under `mode` passed, the way the script's test sees it ("potential 3.2051 V
// above v_max 3.2 V"), or nullopt when it passed none (rest and impedance test nothing).
std::optional<std::string> limit_passed(Mode mode, double voltage_V, double current_A, const ScriptLimits& limits);

}  // namespace cyclerd::methodscript

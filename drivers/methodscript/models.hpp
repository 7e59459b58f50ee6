// The instruments the `methodscript` driver knows: one table row per model, quirks as fields.
#pragma once

#include <span>
#include <string_view>

namespace cyclerd::methodscript {

struct ModelRow {
  std::string_view name;             // the configuration's `model` ("emstat4-hr")
  std::string_view firmware_prefix;  // how the answer to `t` starts ("es4_hr")
  double v_min_V = 0, v_max_V = 0;   // applied and measured potential window
  double i_max_A = 0;                // largest current
  double i_min_range_A = 0;          // smallest current range (the low end of autoranging)
  bool galvanostat = false;          // has meas_loop_cp (constant current)
  int dc_mode = 2;                   // set_pgstat_mode for DC techniques (low speed)
  int eis_mode = 3;                  // set_pgstat_mode for impedance (high speed)
  int galvanostat_mode = 0;          // set_pgstat_mode for chronopotentiometry
  bool potential_range = false;      // accepts `set_range ab` (fixed measured-potential range)
  double f_max_Hz = 0;               // highest impedance frequency
};

// Every known model; the first is the default.
std::span<const ModelRow> model_table();
// The row named `name`; throws Error(invalid_input) naming the known models.
const ModelRow& find_model(std::string_view name, std::string_view where);

}  // namespace cyclerd::methodscript

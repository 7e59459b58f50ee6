// The source-measure units the scpi-smu driver knows: one row per model, its quirks as fields.
//
// Every command is the model's own SCPI spelling (short form); "{}" stands for a number. The driver
// never asks which model it drives: it reads the row. The emulator answers from the same rows, so a
// dialect mistake shows as -113 "Undefined header" in a test rather than on a bench.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cyclerd {

// Where V, I and the instrument's time stand in one reading, for one source function.
struct ReadingLayout {
  int voltage = 0;  // field index
  int current = 1;
  int time = -1;    // -1: the reading has no timestamp (the host clock is used)
  int fields = 2;   // fields per reading
};

// The model's own voltage list sweep: the SMU steps through the levels on its own trigger timing,
// stores one reading per level (with its timestamp) and the host fetches them when the list is done.
// A sweep step runs as a series of such lists ("segments"), each starting at the level the last ended on.
struct ListSweep {
  std::vector<std::string_view> enter;           // once, before the first segment: list mode, trigger source
  std::vector<std::string_view> before_segment;  // before each segment's levels (e.g. clear the buffer)
  std::string_view levels;         // "{}" is the comma-separated list of levels in V
  std::string_view append;         // adds levels to the list ("{}" as above)
  int levels_per_command = 100;    // levels one command may carry
  int max_points = 2500;           // levels one list may hold
  std::string_view count;          // "{}" is the number of levels (an integer), "" if the list sets it
  std::string_view timing;         // "{}" in s: the trigger period, or the delay before each measurement
  bool timing_is_period = false;   // true: a point lasts `timing`; false: `timing` + the aperture
  std::string_view aperture;       // the measurement's integration time; "{}" in units of aperture_unit_s
  double aperture_unit_s = 1;      // 1/60 for a number of power-line cycles (60 Hz mains)
  double max_aperture_s = 0;       // the longest integration the model offers
  double normal_aperture = 1;      // restored when the sweep ends (units of aperture_unit_s)
  std::string_view start;          // starts the list ("" when the fetch starts it)
  std::string_view fetch;          // answers every reading of the list once it is done ("{}": the count)
  std::vector<std::string_view> exit;  // back to a fixed level with single readings
};

struct SmuModel {
  std::string_view name;         // the configuration's "model": "keithley-2400"
  std::string_view idn_match;    // *IDN? must contain this ("MODEL 2400")
  std::string_view description;
  double v_range_V = 0;          // largest |voltage| the model sources
  double i_range_A = 0;          // largest |current|
  double min_sample_period_s = 0;  // one reading round trip at the usual integration time and link

  std::vector<std::string_view> setup;  // sent at open, after *CLS: off mode, reading format, sensing
  std::string_view source_current;      // select the current source
  std::string_view source_voltage;
  std::string_view measure_for_current_source;  // measure function while sourcing current ("" if concurrent)
  std::string_view measure_for_voltage_source;
  std::string_view voltage_compliance;  // voltage limit while sourcing current: "{}" is a magnitude in V
  std::string_view current_compliance;  // current limit while sourcing voltage: "{}" is a magnitude in A
  std::string_view current_level;
  std::string_view voltage_level;
  std::string_view output_on;
  std::string_view output_off;
  std::string_view read;                // one reading
  ReadingLayout current_source_layout;  // the reading's fields while sourcing current
  ReadingLayout voltage_source_layout;
  double overflow_V = 9.9e37;           // the value the model reports for an overflowed measurement
  std::string_view error_query = ":SYST:ERR?";
  ListSweep list;                       // the instrument-paced sweep
};

// Every known model, in the order errors list them.
std::span<const SmuModel> smu_models();
// The row named `name`; throws Error(invalid_input) naming the known models.
const SmuModel& smu_model(std::string_view name, const std::string& where);
// A command with its "{}" replaced by `value` in SCPI's exponent form ("3.200000E+00").
std::string scpi_command(std::string_view pattern, double value);
// A command with its "{}" replaced by the values, comma-separated, each as in scpi_command.
std::string scpi_list_command(std::string_view pattern, const std::vector<double>& values);
// A command with its "{}" replaced by the integer `count`.
std::string scpi_count_command(std::string_view pattern, long count);

}  // namespace cyclerd

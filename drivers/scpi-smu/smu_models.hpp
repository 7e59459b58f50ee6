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
};

// Every known model, in the order errors list them.
std::span<const SmuModel> smu_models();
// The row named `name`; throws Error(invalid_input) naming the known models.
const SmuModel& smu_model(std::string_view name, const std::string& where);
// A command with its "{}" replaced by `value` in SCPI's exponent form ("3.200000E+00").
std::string scpi_command(std::string_view pattern, double value);

}  // namespace cyclerd

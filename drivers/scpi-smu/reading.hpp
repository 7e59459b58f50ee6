// Parsing what an SMU says: one reading (comma-separated numbers) and one error-queue entry.
// Every refusal is an Error(instrument_fault) quoting the text and saying what was wrong.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "drivers/scpi-smu/smu_models.hpp"

namespace cyclerd {

// One reading in SI units; `time_s` when the model stamps its readings.
struct SmuReading {
  double voltage_V = 0;
  double current_A = 0;
  std::optional<double> time_s;
};

// Parses `line` by `layout`; refuses a wrong field count, a field that is not a finite number (NaN,
// "9.91E37" overflow, a prompt, a truncated number), or a value beyond 1.5x the model's range.
SmuReading parse_reading(std::string_view line, const ReadingLayout& layout, const SmuModel& model);
// Parses a buffer of readings (a list sweep's fetch: `layout.fields` fields per reading, all on one
// line), each checked as parse_reading does; refuses a field count that is not `expected` readings.
std::vector<SmuReading> parse_readings(std::string_view line, const ReadingLayout& layout, const SmuModel& model,
                                       std::size_t expected);

// One entry of the error queue ("-113,\"Undefined header\"", "0,\"No error\"", 2450's
// "-113,\"Undefined header;1;...\""): code 0 is no error.
struct InstrumentError {
  int code = 0;
  std::string message;
};
InstrumentError parse_error_entry(std::string_view line);

}  // namespace cyclerd

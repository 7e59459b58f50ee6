#include "drivers/scpi-smu/reading.hpp"

#include <cmath>
#include <cstdlib>
#include <vector>

#include "drivers/transport/line_framer.hpp"

namespace cyclerd {

namespace {

Error bad_reading(std::string_view line, const std::string& why) {
  return Error(ErrorCode::instrument_fault, "bad reading \"" + printable(line, 120) + "\": " + why, "scpi-smu");
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t at = text.find(sep, start);
    parts.emplace_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  std::size_t first = s.find_first_not_of(" \t");
  return first == std::string::npos ? std::string() : s.substr(first);
}

}  // namespace

SmuReading parse_reading(std::string_view line, const ReadingLayout& layout, const SmuModel& model) {
  std::vector<std::string> fields = split(line, ',');
  if (static_cast<int>(fields.size()) != layout.fields) {
    throw bad_reading(line, std::to_string(fields.size()) + " fields where " + std::to_string(layout.fields) +
                                " were expected (truncated or another command's reply)");
  }
  std::vector<double> values;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    std::string text = trimmed(fields[k]);
    char* end = nullptr;
    double x = text.empty() ? NAN : std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) {
      throw bad_reading(line, "field " + std::to_string(k + 1) + " \"" + printable(text, 40) + "\" is not a number");
    }
    if (!std::isfinite(x)) throw bad_reading(line, "field " + std::to_string(k + 1) + " is not finite");
    if (std::abs(x) >= model.overflow_V * 0.99) {
      throw bad_reading(line, "field " + std::to_string(k + 1) + " is the overflow marker (measurement out of range)");
    }
    values.push_back(x);
  }
  SmuReading r;
  r.voltage_V = values[layout.voltage];
  r.current_A = values[layout.current];
  if (layout.time >= 0) r.time_s = values[layout.time];
  if (std::abs(r.voltage_V) > 1.5 * model.v_range_V) {
    throw bad_reading(line, "voltage " + std::to_string(r.voltage_V) + " V is beyond the model's range");
  }
  if (std::abs(r.current_A) > 1.5 * model.i_range_A) {
    throw bad_reading(line, "current " + std::to_string(r.current_A) + " A is beyond the model's range");
  }
  if (r.time_s && *r.time_s < 0) throw bad_reading(line, "negative timestamp");
  return r;
}

std::vector<SmuReading> parse_readings(std::string_view line, const ReadingLayout& layout, const SmuModel& model,
                                       std::size_t expected) {
  const std::size_t per = static_cast<std::size_t>(layout.fields);
  std::vector<std::string> fields = split(line, ',');
  if (fields.size() != expected * per) {
    throw bad_reading(line, std::to_string(fields.size()) + " fields where " + std::to_string(expected) +
                                " readings of " + std::to_string(per) + " were expected (truncated or cut short)");
  }
  std::vector<SmuReading> readings;
  readings.reserve(expected);
  std::string one;
  for (std::size_t r = 0; r < expected; ++r) {
    one.clear();
    for (std::size_t k = 0; k < per; ++k) one += (k ? "," : "") + fields[r * per + k];
    try {
      readings.push_back(parse_reading(one, layout, model));
    } catch (const Error& bad) {
      throw Error(ErrorCode::instrument_fault, "reading " + std::to_string(r + 1) + " of " + std::to_string(expected) +
                                                   ": " + bad.message(), "scpi-smu");
    }
  }
  return readings;
}

InstrumentError parse_error_entry(std::string_view line) {
  std::size_t comma = line.find(',');
  std::string code_text = trimmed(std::string(line.substr(0, comma)));
  char* end = nullptr;
  long code = std::strtol(code_text.c_str(), &end, 10);
  if (code_text.empty() || end != code_text.c_str() + code_text.size() || comma == std::string_view::npos) {
    throw Error(ErrorCode::instrument_fault,
                "error queue entry \"" + printable(line, 120) + "\" is not CODE,\"MESSAGE\"", "scpi-smu");
  }
  InstrumentError e;
  e.code = static_cast<int>(code);
  std::string message = trimmed(std::string(line.substr(comma + 1)));
  if (message.size() >= 2 && message.front() == '"' && message.back() == '"') message = message.substr(1, message.size() - 2);
  e.message = message;
  return e;
}

}  // namespace cyclerd

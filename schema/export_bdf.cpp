#include "schema/export_bdf.hpp"

#include <charconv>
#include <istream>
#include <map>
#include <ostream>

#include "core/error.hpp"
#include "schema/export_samples.hpp"
#include "schema/reader.hpp"

namespace cyclerd::store {

namespace {
// BDF labels, in the order we write them. "Step Count / 1" is BDF's running step count (our step_index);
// "Step Index / 1" is the step's place in the program (our step_id).
enum Column { test_time, unix_time, voltage, current, temperature, cycle, step_count, step_number, capacity, energy };
constexpr const char* kLabels[] = {"Test Time / s", "Unix Time / s", "Voltage / V", "Current / A",
                                   "Temperature T1 / degC", "Cycle Count / 1", "Step Count / 1",
                                   "Step Index / 1", "Step Capacity / Ah", "Step Energy / Wh"};
constexpr int kColumnCount = 10;

// Older or neighbouring BDF spellings of the same quantity, accepted when reading.
const std::map<std::string, Column>& read_labels() {
  static const std::map<std::string, Column> labels = [] {
    std::map<std::string, Column> m;
    for (int i = 0; i < kColumnCount; ++i) m[kLabels[i]] = static_cast<Column>(i);
    m["Surface Temperature T1 / degC"] = temperature;
    return m;
  }();
  return labels;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (const char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(std::move(field));
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  out.push_back(std::move(field));
  return out;
}

double parse_double(const std::string& text, const std::string& where) {
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
    throw Error(ErrorCode::invalid_input, "\"" + text + "\" is not a number", where);
  }
  return value;
}
}  // namespace

void write_bdf(Reader& reader, std::int64_t run_id, std::ostream& out) {
  for (int i = 0; i < kColumnCount; ++i) out << (i ? "," : "") << kLabels[i];
  out << '\n';
  reader.for_each_chunk(run_id, {}, [&](const std::vector<SampleRow>& rows) {
    for (const auto& s : rows) {
      out << format_number(s.test_time_s) << ',' << format_number(s.unix_time_s) << ','
          << format_number(s.voltage_V) << ',' << format_number(s.current_A) << ','
          << (s.temperature_C ? format_number(*s.temperature_C) : "") << ',' << s.cycle_index << ','
          << s.step_index << ',' << s.step_id << ',' << format_number(s.step_capacity_Ah) << ','
          << format_number(s.step_energy_Wh) << '\n';
    }
  });
}

std::vector<SampleRow> read_bdf(std::istream& in, const std::string& source, std::int64_t run_id) {
  std::string line;
  if (!std::getline(in, line)) throw Error(ErrorCode::invalid_input, "empty file: no BDF header", source);
  std::vector<int> column_of;  // per field: our Column, or -1 to ignore
  bool seen[kColumnCount] = {};
  for (const auto& label : split(line)) {
    const auto it = read_labels().find(label);
    column_of.push_back(it == read_labels().end() ? -1 : it->second);
    if (it != read_labels().end()) seen[it->second] = true;
  }
  for (const Column required : {test_time, voltage, current}) {
    if (!seen[required]) {
      throw Error(ErrorCode::invalid_input, std::string("the BDF column \"") + kLabels[required] + "\" is missing",
                  source + ":1");
    }
  }
  std::vector<SampleRow> rows;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty() || line == "\r") continue;
    const auto fields = split(line);
    const std::string where = source + ":" + std::to_string(number);
    if (fields.size() != column_of.size()) {
      throw Error(ErrorCode::invalid_input, std::to_string(fields.size()) + " fields where the header has " +
                                                std::to_string(column_of.size()), where);
    }
    SampleRow s;
    s.run_id = run_id;
    s.index = static_cast<std::int64_t>(rows.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (column_of[i] < 0) continue;
      const auto& f = fields[i];
      if (f.empty()) {
        if (column_of[i] == temperature) continue;
        throw Error(ErrorCode::invalid_input, std::string("empty \"") + kLabels[column_of[i]] + "\"", where);
      }
      const double v = parse_double(f, where);
      switch (static_cast<Column>(column_of[i])) {
        case test_time: s.test_time_s = v; break;
        case unix_time: s.unix_time_s = v; break;
        case voltage: s.voltage_V = v; break;
        case current: s.current_A = v; break;
        case temperature: s.temperature_C = v; break;
        case cycle: s.cycle_index = static_cast<std::int64_t>(v); break;
        case step_count: s.step_index = static_cast<std::int64_t>(v); break;
        case step_number: s.step_id = static_cast<std::int64_t>(v); break;
        case capacity: s.step_capacity_Ah = v; break;
        case energy: s.step_energy_Wh = v; break;
      }
    }
    rows.push_back(s);
  }
  return rows;
}

}  // namespace cyclerd::store

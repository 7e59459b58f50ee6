#include "analysis/sample_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/biologic_import.hpp"
#include "analysis/text_fields.hpp"
#include "core/error.hpp"

namespace cyclerd::analysis {
namespace {

using text::fail;
using text::split;
using text::to_number;
using text::trim;

// Our names first, then BDF's; the first one present wins.
const std::map<std::string, std::vector<std::string>>& default_names() {
  static const std::map<std::string, std::vector<std::string>> names = {
      {"time", {"test_time_s", "Test Time / s", "time/s", "time_s"}},
      {"voltage", {"voltage_V", "Voltage / V", "Ecell/V", "Ewe/V"}},
      {"current", {"current_A", "Current / A"}},
      {"cycle", {"cycle_index", "Cycle Count / 1"}},
  };
  return names;
}

std::string list(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "'" : ", '") + n + "'";
  return s;
}

// The column index of a quantity: the mapped name, or the first default name present.
std::optional<std::size_t> find_column(const std::vector<std::string>& header, const std::string& quantity,
                                       const ColumnMapping& mapping, std::string_view source, bool required) {
  const auto mapped = mapping.find(quantity);
  std::vector<std::string> wanted = mapped != mapping.end() ? std::vector<std::string>{mapped->second}
                                                            : default_names().at(quantity);
  for (const auto& w : wanted) {
    const auto it = std::find(header.begin(), header.end(), w);
    if (it != header.end()) return static_cast<std::size_t>(it - header.begin());
  }
  if (!required && mapped == mapping.end()) return std::nullopt;
  fail(source, 1,
       "no column " + list(wanted) + " for " + quantity + (mapped != mapping.end() ? " (from --map)" : "") +
           "; the file's columns are " + list(header));
}

void check(SampleFile& f, std::string_view source) {
  if (f.records.size() < 2) {
    fail(source, 0, f.records.empty() ? "no samples: the file is empty" : "only one sample; analysis needs at least two");
  }
}

AnalysisRecord make_record(double t, double v, double i, std::optional<double> cycle, std::string_view source,
                           std::size_t line, double last_t) {
  const std::pair<const char*, double> values[] = {{"time", t}, {"voltage", v}, {"current", i}};
  for (const auto& [name, x] : values) {
    if (!std::isfinite(x)) fail(source, line, std::string(name) + " is not a finite number");
  }
  if (t < last_t) fail(source, line, "time goes backwards (" + std::to_string(t) + " s after " + std::to_string(last_t) + " s)");
  AnalysisRecord r;
  r.sample.t_s = t, r.sample.voltage_V = v, r.sample.current_A = i;
  if (cycle && !(*cycle >= 0 && *cycle <= 1e9 && *cycle == std::floor(*cycle))) {
    // Checked before the conversion: a double beyond int's range does not convert to any int.
    fail(source, line, "cycle index " + std::to_string(*cycle) + " is not a whole number from 0 to 1000000000");
  }
  r.cycle_index = cycle ? static_cast<int>(*cycle) : 0;
  return r;
}

SampleFile parse_json(std::string_view text, std::string_view source, const ColumnMapping& mapping) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // bad syntax, and numbers beyond a double (out_of_range.406)
    fail(source, 0, std::string("not JSON: ") + e.what());
  }
  const nlohmann::json& cols = doc.contains("columns") ? doc["columns"] : doc;
  if (!cols.is_object()) fail(source, 0, "expected an object of column arrays under \"columns\"");
  std::vector<std::string> header;
  for (const auto& [k, v] : cols.items()) header.push_back(k);
  const auto t = find_column(header, "time", mapping, source, true), v = find_column(header, "voltage", mapping, source, true),
             i = find_column(header, "current", mapping, source, true), c = find_column(header, "cycle", mapping, source, false);
  auto column = [&](std::size_t k) -> const nlohmann::json& { return cols[header[k]]; };
  for (const auto& k : {t, v, i, c}) {
    if (k && !column(*k).is_array()) fail(source, 0, "column '" + header[*k] + "' is not an array of numbers");
  }
  const std::size_t n = column(*t).size();
  SampleFile f;
  f.format = "json";
  f.has_cycle_numbers = c.has_value();
  double last_t = -INFINITY;
  auto num = [&](std::size_t col, std::size_t row) {
    const auto& x = column(col);
    if (row >= x.size()) fail(source, 0, "column '" + header[col] + "' is shorter than '" + header[*t] + "'");
    return x[row].is_number() ? x[row].get<double>() : NAN;  // null reads as NaN and is refused below
  };
  for (std::size_t row = 0; row < n; ++row) {
    std::optional<double> cyc;
    if (c) cyc = num(*c, row);
    try {
      f.records.push_back(make_record(num(*t, row), num(*v, row), num(*i, row), cyc, source, 0, last_t));
    } catch (const Error& e) {
      fail(source, 0, "row " + std::to_string(row) + ": " + e.message());
    }
    last_t = f.records.back().sample.t_s;
  }
  check(f, source);
  return f;
}

SampleFile parse_csv(std::string_view text, std::string_view source, const ColumnMapping& mapping) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::size_t first = 0;
  while (first < lines.size() && trim(lines[first]).empty()) ++first;
  if (first == lines.size()) fail(source, 0, "no samples: the file is empty");
  const char sep = lines[first].find(';') != std::string_view::npos ? ';'
                   : lines[first].find('\t') != std::string_view::npos ? '\t' : ',';
  std::vector<std::string> header;
  for (auto h : split(lines[first], sep)) header.emplace_back(h);
  const auto t = find_column(header, "time", mapping, source, true), v = find_column(header, "voltage", mapping, source, true),
             i = find_column(header, "current", mapping, source, true), c = find_column(header, "cycle", mapping, source, false);
  SampleFile f;
  f.format = "csv";
  f.has_cycle_numbers = c.has_value();
  double last_t = -INFINITY;
  for (std::size_t k = first + 1; k < lines.size(); ++k) {
    if (trim(lines[k]).empty()) continue;
    const auto cells = split(lines[k], sep);
    auto num = [&](std::size_t col) {
      if (col >= cells.size()) fail(source, k + 1, "missing column '" + header[col] + "'");
      const auto x = to_number(cells[col]);
      if (!x || !std::isfinite(*x)) fail(source, k + 1, "'" + header[col] + "' is not a finite number: '" + std::string(cells[col]) + "'");
      return *x;
    };
    std::optional<double> cyc;
    if (c) cyc = num(*c);
    f.records.push_back(make_record(num(*t), num(*v), num(*i), cyc, source, k + 1, last_t));
    last_t = f.records.back().sample.t_s;
  }
  check(f, source);
  return f;
}

bool looks_biologic(std::string_view text) {
  return text.starts_with("EC-Lab ASCII FILE") || text.substr(0, text.find('\n')).find("time/s") != std::string_view::npos;
}

SampleFile from_biologic(std::string_view text, std::string_view source) {
  const BiologicExport data = parse_biologic_text(text, source);
  SampleFile f;
  f.format = "biologic";
  f.has_cycle_numbers = true;
  for (const auto& row : data.rows) {
    AnalysisRecord r;
    r.sample.t_s = row.time_s, r.sample.voltage_V = row.voltage_V, r.sample.current_A = row.current_A;
    r.cycle_index = row.cycle_number + 1;  // EC-Lab counts from 0, we from 1
    if (std::isfinite(r.sample.current_A) && std::isfinite(r.sample.voltage_V)) f.records.push_back(r);
  }
  check(f, source);
  return f;
}

}  // namespace

SampleFile parse_sample_text(std::string_view text, std::string_view source, const ColumnMapping& mapping) {
  std::size_t lead = 0;
  while (lead < text.size() && std::isspace(static_cast<unsigned char>(text[lead]))) ++lead;
  if (lead == text.size()) fail(source, 0, "no samples: the file is empty");
  if (text[lead] == '{') return parse_json(text, source, mapping);
  if (mapping.empty() && looks_biologic(text)) return from_biologic(text, source);
  return parse_csv(text, source, mapping);
}

SampleFile read_sample_file(const std::filesystem::path& file, const ColumnMapping& mapping) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::not_found, "cannot open the file", file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_sample_text(text.str(), file.string(), mapping);
}

}  // namespace cyclerd::analysis

#include "analysis/biologic_import.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "core/error.hpp"

namespace cyclerd::analysis {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void fail(std::string_view source, std::size_t line, const std::string& why) {
  throw Error(ErrorCode::invalid_input, why, std::string(source) + ":" + std::to_string(line));
}

std::vector<std::string_view> split(std::string_view line, char sep) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = line.find(sep, start);
    out.push_back(line.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

// A number, accepting the decimal comma that French-locale EC-Lab writes; nullopt for an empty cell.
std::optional<double> number(std::string_view s, std::string_view source, std::size_t line, std::string_view column) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  std::string buf(s);
  std::replace(buf.begin(), buf.end(), ',', '.');
  double v = 0;
  const auto [end, ec] = std::from_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc{} || end != buf.data() + buf.size()) {
    fail(source, line, "'" + std::string(s) + "' in column " + std::string(column) + " is not a number");
  }
  return v;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
long days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "MM/DD/YYYY HH:MM:SS.fff" (EC-Lab's absolute time) as seconds since 1970, or nullopt if not that shape.
std::optional<double> date_time(std::string_view s) {
  int mo = 0, d = 0, y = 0, h = 0, mi = 0;
  double sec = 0;
  const std::string buf(s);
  if (std::sscanf(buf.c_str(), "%d/%d/%d %d:%d:%lf", &mo, &d, &y, &h, &mi, &sec) != 6) return std::nullopt;
  return static_cast<double>(days_from_civil(y, mo, d)) * 86400.0 + h * 3600.0 + mi * 60.0 + sec;
}

std::optional<std::size_t> find_column(const std::vector<std::string>& cols, std::initializer_list<std::string_view> names) {
  for (auto name : names) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (cols[i] == name) return i;
    }
  }
  return std::nullopt;
}

}  // namespace

BiologicExport parse_biologic_text(std::string_view text, std::string_view source) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size();) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (lines.empty()) fail(source, 1, "the BioLogic export is empty");
  std::size_t header = 0;
  if (lines[0].starts_with("EC-Lab ASCII FILE")) {
    // The header block says how many lines it has, the column names being its last line.
    for (std::size_t i = 1; i < std::min<std::size_t>(lines.size(), 5); ++i) {
      int n = 0;
      const std::string l(lines[i]);
      if (std::sscanf(l.c_str(), "Nb header lines : %d", &n) == 1 && n > 0) header = static_cast<std::size_t>(n - 1);
    }
  }
  if (header >= lines.size()) fail(source, lines.size(), "the header block is longer than the file");
  const char sep = lines[header].find(';') != std::string_view::npos ? ';' : '\t';
  BiologicExport out;
  for (auto c : split(lines[header], sep)) out.columns.emplace_back(c);

  const auto need = [&](std::initializer_list<std::string_view> names) {
    const auto c = find_column(out.columns, names);
    if (!c) fail(source, header + 1, "no column " + std::string(*names.begin()) + " in the BioLogic export");
    return *c;
  };
  const std::size_t c_time = need({"time/s"});
  const std::size_t c_v = need({"Ecell/V", "Ewe/V"});
  const std::size_t c_i = need({"I/mA", "<I>/mA"});
  const std::size_t c_cycle = need({"cycle number"});
  const std::size_t c_qc = need({"Q charge/mA.h"});
  const std::size_t c_qd = need({"Q discharge/mA.h"});
  const std::size_t width = std::max({c_time, c_v, c_i, c_cycle, c_qc, c_qd}) + 1;

  std::optional<double> t0;
  for (std::size_t li = header + 1; li < lines.size(); ++li) {
    const auto line_no = li + 1;
    if (lines[li].empty() || lines[li] == "\r") continue;
    const auto f = split(lines[li], sep);
    if (f.size() < width) fail(source, line_no, "expected " + std::to_string(out.columns.size()) + " columns, found " + std::to_string(f.size()));
    auto t = date_time(f[c_time]);
    if (!t) t = number(f[c_time], source, line_no, "time/s");
    if (!t) fail(source, line_no, "time/s is empty");
    if (!t0) t0 = *t;
    BiologicRow r;
    r.time_s = *t - *t0;
    r.voltage_V = number(f[c_v], source, line_no, out.columns[c_v]).value_or(nan);
    r.current_A = number(f[c_i], source, line_no, out.columns[c_i]).value_or(nan) * 1e-3;
    r.charge_capacity_Ah = number(f[c_qc], source, line_no, "Q charge/mA.h").value_or(nan) * 1e-3;
    r.discharge_capacity_Ah = number(f[c_qd], source, line_no, "Q discharge/mA.h").value_or(nan) * 1e-3;
    const auto cyc = number(f[c_cycle], source, line_no, "cycle number");
    if (!cyc) fail(source, line_no, "cycle number is empty");
    if (!(*cyc >= 0 && *cyc <= 1e9)) fail(source, line_no, "cycle number " + std::to_string(*cyc) + " is not from 0 to 1000000000");
    r.cycle_number = static_cast<int>(std::lround(*cyc));
    out.rows.push_back(r);
  }
  if (out.rows.empty()) fail(source, header + 1, "the BioLogic export has no data rows");
  return out;
}

BiologicExport read_biologic_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::not_found, "cannot open the BioLogic export", file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_biologic_text(text.str(), file.string());
}

std::vector<BiologicCycle> biologic_cycle_capacities(const BiologicExport& data) {
  std::vector<BiologicCycle> out;
  for (const auto& r : data.rows) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& c) { return c.cycle_number == r.cycle_number; });
    if (it == out.end()) {
      out.push_back({r.cycle_number, 0, 0, 0});
      it = out.end() - 1;
    }
    // The columns count up within a cycle (and reset at its start), so the maximum is the cycle's total.
    if (std::isfinite(r.charge_capacity_Ah)) it->charge_capacity_Ah = std::max(it->charge_capacity_Ah, r.charge_capacity_Ah);
    if (std::isfinite(r.discharge_capacity_Ah)) it->discharge_capacity_Ah = std::max(it->discharge_capacity_Ah, r.discharge_capacity_Ah);
  }
  for (auto& c : out) c.coulombic_efficiency = c.charge_capacity_Ah > 0 ? c.discharge_capacity_Ah / c.charge_capacity_Ah : 0.0;
  return out;
}

}  // namespace cyclerd::analysis

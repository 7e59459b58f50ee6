#include "analysis/impedance_csv.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "analysis/text_fields.hpp"
#include "core/error.hpp"

namespace cyclerd::analysis {
namespace {

using text::fail;
using text::split;
using text::to_number;
using text::trim;

// Header names, lower-cased with spaces removed, and what they hold. Sign -1: the column is -Im Z.
enum class Column { frequency, real, imaginary };
struct HeaderName {
  std::string_view name;
  Column column;
  double sign;
};
constexpr std::array<HeaderName, 30> header_names{{
    {"f", Column::frequency, 1},        {"freq", Column::frequency, 1},      {"frequency", Column::frequency, 1},
    {"f/hz", Column::frequency, 1},     {"freq/hz", Column::frequency, 1},   {"frequency/hz", Column::frequency, 1},
    {"f[hz]", Column::frequency, 1},    {"frequency(hz)", Column::frequency, 1},
    {"rez", Column::real, 1},           {"real", Column::real, 1},           {"re(z)", Column::real, 1},
    {"re(z)/ohm", Column::real, 1},     {"rez[ohm]", Column::real, 1},       {"z'", Column::real, 1},
    {"zreal", Column::real, 1},         {"z_re", Column::real, 1},
    {"imz", Column::imaginary, 1},      {"imag", Column::imaginary, 1},      {"im(z)", Column::imaginary, 1},
    {"im(z)/ohm", Column::imaginary, 1}, {"imz[ohm]", Column::imaginary, 1}, {"z''", Column::imaginary, 1},
    {"zimag", Column::imaginary, 1},    {"z_im", Column::imaginary, 1},
    {"-imz", Column::imaginary, -1},    {"-imag", Column::imaginary, -1},    {"-im(z)", Column::imaginary, -1},
    {"-im(z)/ohm", Column::imaginary, -1}, {"-imz[ohm]", Column::imaginary, -1}, {"-z''", Column::imaginary, -1},
}};

std::string normalise(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c != ' ') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

char detect_separator(std::string_view line) {
  if (line.find(';') != std::string_view::npos) return ';';
  if (line.find(',') != std::string_view::npos) return ',';
  return '\t';
}

}  // namespace

std::vector<ImpedancePoint> parse_impedance_csv(std::string_view text, std::string_view source) {
  std::vector<std::pair<std::size_t, std::string_view>> lines;  // (1-based line number, text) of non-blank lines
  std::size_t number = 0, start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    const auto line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    ++number;
    if (!trim(line).empty()) lines.emplace_back(number, line);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (lines.empty()) fail(source, 0, "the impedance file is empty");

  const char sep = detect_separator(lines.front().second);
  const auto first = split(lines.front().second, sep);
  std::array<std::size_t, 3> index{0, 1, 2};
  double im_sign = 1.0;
  std::size_t first_data = 0;
  const bool has_header = !std::all_of(first.begin(), first.end(), [](auto f) { return to_number(f).has_value(); });
  if (has_header) {
    std::array<bool, 3> found{false, false, false};
    for (std::size_t c = 0; c < first.size(); ++c) {
      const auto name = normalise(first[c]);
      for (const auto& h : header_names) {
        if (h.name != name) continue;
        const auto k = static_cast<std::size_t>(h.column);
        if (found[k]) fail(source, lines.front().first, "two columns hold the same quantity: '" + std::string(first[c]) + "'");
        found[k] = true;
        index[k] = c;
        if (h.column == Column::imaginary) im_sign = h.sign;
      }
    }
    const std::array<const char*, 3> what{"frequency (f, freq, Freq)", "real part (Re Z, Real, Re(Z)/Ohm)",
                                          "imaginary part (Im Z, Imag, -Im(Z)/Ohm)"};
    for (std::size_t k = 0; k < 3; ++k) {
      if (!found[k]) fail(source, lines.front().first, std::string("no column for the ") + what[k] + " in the header");
    }
    first_data = 1;
  } else if (first.size() != 3) {
    fail(source, lines.front().first,
         "a file without a header needs exactly three columns f, Re Z, Im Z; this one has " + std::to_string(first.size()));
  }

  std::vector<ImpedancePoint> points;
  std::map<double, std::size_t> seen;  // frequency -> line, to name both lines of a duplicate
  const std::size_t needed = *std::max_element(index.begin(), index.end()) + 1;
  for (std::size_t i = first_data; i < lines.size(); ++i) {
    const auto [line_no, line] = lines[i];
    const auto fields = split(line, sep);
    if (fields.size() < needed) {
      fail(source, line_no, "expected at least " + std::to_string(needed) + " columns, found " + std::to_string(fields.size()));
    }
    std::array<double, 3> v{};
    for (std::size_t k = 0; k < 3; ++k) {
      const auto n = to_number(fields[index[k]]);
      if (!n) fail(source, line_no, "'" + std::string(fields[index[k]]) + "' is not a number");
      if (!std::isfinite(*n)) fail(source, line_no, "'" + std::string(fields[index[k]]) + "' is not a finite number");
      v[k] = *n;
    }
    if (v[0] <= 0) fail(source, line_no, "frequency " + std::string(fields[index[0]]) + " must be > 0");
    if (const auto [it, fresh] = seen.emplace(v[0], line_no); !fresh) {
      fail(source, line_no, "frequency " + std::string(fields[index[0]]) + " Hz repeats line " + std::to_string(it->second));
    }
    points.push_back({v[0], {v[1], im_sign * v[2]}});
  }
  if (points.size() < 2) {
    fail(source, 0, "an impedance spectrum needs at least two points, found " + std::to_string(points.size()));
  }
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.frequency_Hz > b.frequency_Hz; });
  return points;
}

std::vector<ImpedancePoint> read_impedance_csv(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::not_found, "cannot open the impedance file", file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_impedance_csv(text.str(), file.string());
}

}  // namespace cyclerd::analysis

// Small text helpers shared by the file readers of analysis/ (impedance CSV, sample files): one place for
// how a field is trimmed, how a line is split and how a number is read, and one error shape ("file:line").
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/error.hpp"

namespace cyclerd::analysis::text {

// Throws Error(invalid_input) located at "source:line" (just "source" when line is 0).
[[noreturn]] inline void fail(std::string_view source, std::size_t line, const std::string& why) {
  throw Error(ErrorCode::invalid_input, why,
              std::string(source) + (line > 0 ? ":" + std::to_string(line) : std::string{}));
}

// Strips blanks, quotes and a carriage return from both ends of a field.
inline std::string_view trim(std::string_view s) {
  constexpr std::string_view strip = " \t\"\r";
  while (!s.empty() && strip.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && strip.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

// The trimmed fields of a line separated by `sep` (an empty line gives one empty field).
inline std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const auto pos = line.find(sep, start);
    out.push_back(trim(line.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start)));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

// A whole field as a number (a leading '+' allowed); nullopt when it is empty or not entirely a number.
inline std::optional<double> to_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace cyclerd::analysis::text

#include "drivers/methodscript/device_reply.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <utility>

namespace cyclerd::methodscript {

namespace {

// The codes of the MethodSCRIPT manual's error table, in our words.
constexpr std::array<std::pair<unsigned, std::string_view>, 33> meanings{{
    {0x0001, "unspecified error"},
    {0x0002, "invalid value type"},
    {0x0003, "unknown command"},
    {0x0006, "not possible in this communication mode (no script running)"},
    {0x0007, "argument has an unexpected value"},
    {0x0008, "command too long"},
    {0x0009, "command timed out"},
    {0x000A, "variable identifier out of range"},
    {0x000B, "out of variable memory"},
    {0x000C, "no script loaded"},
    {0x000D, "invalid time value"},
    {0x000E, "overflow while averaging a measurement"},
    {0x000F, "invalid potential"},
    {0x0010, "a variable became NaN or infinite"},
    {0x0011, "invalid frequency"},
    {0x0012, "invalid amplitude"},
    {0x0014, "open-circuit measurement not allowed with the cell on"},
    {0x0016, "flash read/write error"},
    {0x0018, "device settings corrupt"},
    {0x001B, "not supported by this device"},
    {0x001C, "negative step potential"},
    {0x001F, "technique not licensed"},
    {0x0021, "unsupported potentiostat mode"},
    {0x0023, "invalid for the selected potentiostat mode"},
    {0x4000, "script syntax error"},
    {0x4001, "unknown script command"},
    {0x4002, "invalid argument"},
    {0x4003, "argument out of range"},
    {0x4004, "unexpected character"},
    {0x4005, "script too large for the script memory"},
    {0x4006, "unknown variable type"},
    {0x4007, "variable not declared"},
    {0x7FFF, "fatal error: the device must be reset"},
}};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool all_hex(std::string_view s) {
  for (char c : s) {
    if (hex_digit(c) < 0) return false;
  }
  return true;
}

// Reads the integer after `label` in `text`, if present.
std::optional<int> number_after(std::string_view text, std::string_view label) {
  auto at = text.find(label);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = text.data() + at + label.size();
  const char* last = text.data() + text.size();
  while (first < last && *first == ' ') ++first;
  int value = 0;
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || end == first) return std::nullopt;
  return value;
}

}  // namespace

std::string_view error_meaning(unsigned code) {
  for (const auto& [c, meaning] : meanings) {
    if (c == code) return meaning;
  }
  return "unknown error code";
}

std::string DeviceError::describe() const {
  char hex[8];
  std::snprintf(hex, sizeof hex, "%04X", code);
  std::string out = "device error 0x" + std::string(hex) + " (" + std::string(error_meaning(code)) + ")";
  if (command) out += std::string(" answering '") + command + "'";
  if (line) out += " at script line " + std::to_string(*line);
  if (column) out += ", column " + std::to_string(*column);
  return out;
}

std::optional<DeviceError> parse_device_error(std::string_view line) {
  DeviceError error;
  std::size_t bang = 0;
  if (!line.empty() && line[0] != '!') {
    if (line.size() < 2 || line[1] != '!') return std::nullopt;
    error.command = line[0];
    bang = 1;
  }
  if (line.size() < bang + 5 || line[bang] != '!' || !all_hex(line.substr(bang + 1, 4))) return std::nullopt;
  for (char c : line.substr(bang + 1, 4)) error.code = error.code * 16 + static_cast<unsigned>(hex_digit(c));
  std::string_view rest = line.substr(bang + 5);
  error.line = number_after(rest, "Line");
  error.column = number_after(rest, "Col");
  return error;
}

LineKind classify(std::string_view line, DeviceError* error) {
  if (line.empty()) return LineKind::script_end;
  if (auto e = parse_device_error(line)) {
    if (error) *error = *e;
    return LineKind::error;
  }
  switch (line[0]) {
    case 'P': return LineKind::package;
    case 'M':
      if (line.size() == 5 && all_hex(line.substr(1))) return LineKind::loop_start;
      break;
    case 'C':
      if (line.size() == 5 && all_hex(line.substr(1))) return LineKind::scan_start;
      break;
    case '*':
      if (line.size() == 1) return LineKind::loop_end;
      break;
    case 'L':
      if (line.size() == 1) return LineKind::plain_loop_start;
      break;
    case '+':
      if (line.size() == 1) return LineKind::plain_loop_end;
      break;
    case '-':
      if (line.size() == 1) return LineKind::scan_end;
      break;
    case 'T': return LineKind::text;
    default: break;
  }
  return LineKind::echo;
}

}  // namespace cyclerd::methodscript

#include "drivers/methodscript/package.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.hpp"

namespace cyclerd::methodscript {

namespace {

constexpr std::int64_t offset = std::int64_t{1} << 27;  // the device adds it so that every value is positive
constexpr std::size_t digits = 7;
constexpr std::string_view nan_text = "     nan";  // what replaces digits and prefix when there is no value

struct Prefix {
  char symbol;
  double factor;
};
// Smallest first: the encoder takes the first one that fits, which keeps the most digits.
constexpr std::array<Prefix, 13> prefixes{{{'a', 1e-18}, {'f', 1e-15}, {'p', 1e-12}, {'n', 1e-9}, {'u', 1e-6},
                                           {'m', 1e-3}, {' ', 1.0}, {'k', 1e3}, {'M', 1e6}, {'G', 1e9},
                                           {'T', 1e12}, {'P', 1e15}, {'E', 1e18}}};

[[noreturn]] void bad(std::string_view line, std::size_t column, const std::string& what) {
  std::string shown(line.substr(0, 120));
  if (line.size() > 120) shown += "...";
  throw Error(ErrorCode::instrument_fault,
              "bad data package \"" + shown + "\" at column " + std::to_string(column + 1) + ": " + what,
              "methodscript package");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_type_letter(char c) { return c >= 'a' && c <= 'z'; }

// Parses the metadata items after a variable (each starts after a comma).
void parse_metadata(std::string_view line, std::size_t at, std::string_view text, Variable& var) {
  if (text.empty()) bad(line, at, "a comma with no metadata after it");
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t comma = text.find(',', pos);
    std::string_view item = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    std::size_t column = at + pos;
    if (item.empty()) bad(line, column, "empty metadata item (two commas in a row)");
    unsigned value = 0;
    for (std::size_t i = 1; i < item.size(); ++i) {
      int d = hex_digit(item[i]);
      if (d < 0) bad(line, column + i, "metadata \"" + std::string(item) + "\" is not hexadecimal");
      value = value * 16 + static_cast<unsigned>(d);
    }
    if (item[0] == '1' && item.size() == 2) {
      var.status = value;
    } else if (item[0] == '2' && item.size() == 3) {
      var.range = value;
    }
    // Other metadata kinds are documented as optional and may grow: skipping them keeps old drivers working.
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
    if (pos == text.size()) bad(line, at + pos, "a comma with no metadata after it");
  }
}

Variable parse_variable(std::string_view line, std::size_t at, std::string_view text) {
  std::size_t comma = text.find(',');
  std::string_view head = text.substr(0, comma);
  if (head.size() < 2 + digits + 1) {
    bad(line, at, "variable \"" + std::string(head) + "\" is truncated (expected a 2-letter type, " +
                      std::to_string(digits) + " hex digits and an SI prefix)");
  }
  if (!is_type_letter(head[0]) || !is_type_letter(head[1])) {
    bad(line, at, "variable type \"" + std::string(head.substr(0, 2)) + "\" is not two lower-case letters");
  }
  Variable var;
  var.type = std::string(head.substr(0, 2));
  std::string_view body = head.substr(2);
  if (body.size() != digits + 1) {
    bad(line, at + 2, "variable \"" + std::string(head) + "\" has " + std::to_string(body.size()) +
                          " characters after its type (expected " + std::to_string(digits + 1) + ")");
  }
  if (body == nan_text) {
    var.value = std::numeric_limits<double>::quiet_NaN();
  } else {
    std::int64_t raw = 0;
    for (std::size_t i = 0; i < digits; ++i) {
      int d = hex_digit(body[i]);
      if (d < 0) bad(line, at + 2 + i, std::string("'") + body[i] + "' is not a hexadecimal digit");
      raw = raw * 16 + d;
    }
    auto factor = si_prefix_factor(body[digits]);
    if (!factor) bad(line, at + 2 + digits, std::string("'") + body[digits] + "' is not an SI prefix");
    var.value = static_cast<double>(raw - offset) * *factor;
  }
  if (comma != std::string_view::npos) parse_metadata(line, at + comma + 1, text.substr(comma + 1), var);
  return var;
}

}  // namespace

const Variable* Package::find(std::string_view type) const {
  for (const auto& v : variables) {
    if (v.type == type) return &v;
  }
  return nullptr;
}

std::optional<double> si_prefix_factor(char prefix) {
  if (prefix == 'i') return 1.0;  // an integer: no scaling
  for (const auto& p : prefixes) {
    if (p.symbol == prefix) return p.factor;
  }
  return std::nullopt;
}

Package parse_package(std::string_view line) {
  if (line.empty() || line[0] != 'P') bad(line, 0, "a package starts with 'P'");
  if (line.size() == 1) bad(line, 1, "the package holds no variable");
  Package package;
  std::size_t pos = 1;
  while (true) {
    std::size_t semi = line.find(';', pos);
    std::string_view text = line.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos);
    if (text.empty()) bad(line, pos, "empty variable (two separators in a row, or one at the end)");
    package.variables.push_back(parse_variable(line, pos, text));
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return package;
}

std::string encode_variable(std::string_view type, double value) {
  std::string out(type);
  if (std::isnan(value)) return out + std::string(nan_text);
  for (const auto& p : prefixes) {
    double scaled = std::round(value / p.factor);
    if (std::abs(scaled) > static_cast<double>(max_raw)) continue;
    char hex[16];
    std::snprintf(hex, sizeof hex, "%07llX", static_cast<unsigned long long>(static_cast<std::int64_t>(scaled) + offset));
    return out + hex + p.symbol;
  }
  // Beyond exa: the largest value the format can carry, as a real device saturates.
  char hex[16];
  std::snprintf(hex, sizeof hex, "%07llX", static_cast<unsigned long long>(std::copysign(max_raw, value) + offset));
  return out + hex + 'E';
}

}  // namespace cyclerd::methodscript

#include "core/quantity.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

#include "core/error.hpp"

namespace cyclerd {

namespace {

// One accepted spelling of a unit and its factor to the canonical unit of its dimension.
struct UnitRow {
  std::string_view symbol;
  Dimension dimension;
  double factor;
};

// Every unit cyclerd accepts. Symbols are case-sensitive ("mA" is not "MA").
constexpr std::array kUnits{
    UnitRow{"V", Dimension::voltage, 1.0},
    UnitRow{"mV", Dimension::voltage, 1e-3},
    UnitRow{"uV", Dimension::voltage, 1e-6},
    UnitRow{"µV", Dimension::voltage, 1e-6},
    UnitRow{"A", Dimension::current, 1.0},
    UnitRow{"mA", Dimension::current, 1e-3},
    UnitRow{"uA", Dimension::current, 1e-6},
    UnitRow{"µA", Dimension::current, 1e-6},
    UnitRow{"nA", Dimension::current, 1e-9},
    UnitRow{"s", Dimension::time, 1.0},
    UnitRow{"ms", Dimension::time, 1e-3},
    UnitRow{"sec", Dimension::time, 1.0},
    UnitRow{"second", Dimension::time, 1.0},
    UnitRow{"seconds", Dimension::time, 1.0},
    UnitRow{"min", Dimension::time, 60.0},
    UnitRow{"minute", Dimension::time, 60.0},
    UnitRow{"minutes", Dimension::time, 60.0},
    UnitRow{"h", Dimension::time, 3600.0},
    UnitRow{"hour", Dimension::time, 3600.0},
    UnitRow{"hours", Dimension::time, 3600.0},
    UnitRow{"d", Dimension::time, 86400.0},
    UnitRow{"day", Dimension::time, 86400.0},
    UnitRow{"days", Dimension::time, 86400.0},
    UnitRow{"Ah", Dimension::charge, 1.0},
    UnitRow{"A.h", Dimension::charge, 1.0},
    UnitRow{"mAh", Dimension::charge, 1e-3},
    UnitRow{"mA.h", Dimension::charge, 1e-3},
    UnitRow{"uAh", Dimension::charge, 1e-6},
    UnitRow{"µAh", Dimension::charge, 1e-6},
    UnitRow{"Wh", Dimension::energy, 1.0},
    UnitRow{"mWh", Dimension::energy, 1e-3},
    UnitRow{"uWh", Dimension::energy, 1e-6},
    UnitRow{"J", Dimension::energy, 1.0 / 3600.0},
    UnitRow{"g", Dimension::mass, 1.0},
    UnitRow{"kg", Dimension::mass, 1e3},
    UnitRow{"mg", Dimension::mass, 1e-3},
    UnitRow{"ug", Dimension::mass, 1e-6},
    UnitRow{"µg", Dimension::mass, 1e-6},
    UnitRow{"A/g", Dimension::specific_current, 1.0},
    UnitRow{"mA/g", Dimension::specific_current, 1e-3},
    UnitRow{"mA/mg", Dimension::specific_current, 1.0},
    UnitRow{"A/kg", Dimension::specific_current, 1e-3},
    UnitRow{"V/s", Dimension::voltage_rate, 1.0},
    UnitRow{"mV/s", Dimension::voltage_rate, 1e-3},
    UnitRow{"uV/s", Dimension::voltage_rate, 1e-6},
    UnitRow{"µV/s", Dimension::voltage_rate, 1e-6},
    UnitRow{"V/min", Dimension::voltage_rate, 1.0 / 60.0},
    UnitRow{"mV/min", Dimension::voltage_rate, 1e-3 / 60.0},
    UnitRow{"V/h", Dimension::voltage_rate, 1.0 / 3600.0},
    UnitRow{"mV/h", Dimension::voltage_rate, 1e-3 / 3600.0},
    UnitRow{"A/s", Dimension::current_rate, 1.0},
    UnitRow{"mA/s", Dimension::current_rate, 1e-3},
    UnitRow{"mA/min", Dimension::current_rate, 1e-3 / 60.0},
    UnitRow{"mA/h", Dimension::current_rate, 1e-3 / 3600.0},
    UnitRow{"Hz", Dimension::frequency, 1.0},
    UnitRow{"mHz", Dimension::frequency, 1e-3},
    UnitRow{"uHz", Dimension::frequency, 1e-6},
    UnitRow{"µHz", Dimension::frequency, 1e-6},
    UnitRow{"kHz", Dimension::frequency, 1e3},
    UnitRow{"MHz", Dimension::frequency, 1e6},
    UnitRow{"Ohm", Dimension::resistance, 1.0},
    UnitRow{"ohm", Dimension::resistance, 1.0},
    UnitRow{"Ω", Dimension::resistance, 1.0},
    UnitRow{"mOhm", Dimension::resistance, 1e-3},
    UnitRow{"mΩ", Dimension::resistance, 1e-3},
    UnitRow{"kOhm", Dimension::resistance, 1e3},
    UnitRow{"kΩ", Dimension::resistance, 1e3},
    UnitRow{"F", Dimension::capacitance, 1.0},
    UnitRow{"mF", Dimension::capacitance, 1e-3},
    UnitRow{"uF", Dimension::capacitance, 1e-6},
    UnitRow{"µF", Dimension::capacitance, 1e-6},
    UnitRow{"nF", Dimension::capacitance, 1e-9},
    UnitRow{"degC", Dimension::temperature, 1.0},
    UnitRow{"°C", Dimension::temperature, 1.0},
    UnitRow{"cm2", Dimension::area, 1.0},
    UnitRow{"cm^2", Dimension::area, 1.0},
    UnitRow{"mm2", Dimension::area, 1e-2},
    UnitRow{"mm^2", Dimension::area, 1e-2},
    UnitRow{"mAh/g", Dimension::specific_capacity, 1.0},
    UnitRow{"Ah/g", Dimension::specific_capacity, 1e3},
    UnitRow{"Ah/kg", Dimension::specific_capacity, 1.0},
    UnitRow{"%", Dimension::fraction, 1e-2},
};

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Reads a leading decimal number; returns the number of characters used (0 if none).
std::size_t read_number(std::string_view s, double& out) {
  const char* first = s.data();
  if (!s.empty() && s.front() == '+') ++first;  // from_chars does not accept a leading '+'
  const auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), out);
  if (ec != std::errc{}) return 0;
  return static_cast<std::size_t>(ptr - s.data());
}

std::string known_units_of(Dimension d) {
  std::string out;
  for (const auto& row : kUnits) {
    if (row.dimension != d) continue;
    if (!out.empty()) out += ", ";
    out += row.symbol;
  }
  if (d == Dimension::c_rate) out = "C/10, 2C, 0.5 C";
  if (d == Dimension::dimensionless) out = "a bare number";
  return out;
}

std::string describe(Dimension d) {
  return std::string(to_string(d)) + " (" + known_units_of(d) + ")";
}

[[noreturn]] void fail(std::string_view text, const std::string& why, std::string_view where) {
  throw Error(ErrorCode::invalid_input, quoted(text) + " is not a quantity: " + why, std::string(where));
}

// "C/10", "C", "2C", "0.5 C", "C/2.5" -> multiples of the nominal capacity per hour.
bool parse_c_rate(std::string_view s, double& rate, std::string_view text, std::string_view where) {
  if (s == "C") {
    rate = 1.0;
    return true;
  }
  if (s.size() > 2 && s[0] == 'C' && s[1] == '/') {
    double divisor = 0;
    const std::string_view rest = trim(s.substr(2));
    if (read_number(rest, divisor) != rest.size() || !(divisor > 0) || !std::isfinite(divisor)) {
      fail(text, "a C-rate is written C/N with N > 0, e.g. C/10", where);
    }
    rate = 1.0 / divisor;
    return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(Dimension dimension) {
  switch (dimension) {
    case Dimension::voltage: return "voltage";
    case Dimension::current: return "current";
    case Dimension::time: return "time";
    case Dimension::charge: return "charge";
    case Dimension::energy: return "energy";
    case Dimension::mass: return "mass";
    case Dimension::specific_current: return "specific current";
    case Dimension::c_rate: return "C-rate";
    case Dimension::voltage_rate: return "voltage rate";
    case Dimension::current_rate: return "current rate";
    case Dimension::frequency: return "frequency";
    case Dimension::resistance: return "resistance";
    case Dimension::capacitance: return "capacitance";
    case Dimension::temperature: return "temperature";
    case Dimension::area: return "area";
    case Dimension::specific_capacity: return "specific capacity";
    case Dimension::fraction: return "fraction";
    case Dimension::dimensionless: return "number";
  }
  return "unknown";
}

std::string_view canonical_unit(Dimension dimension) {
  switch (dimension) {
    case Dimension::voltage: return "V";
    case Dimension::current: return "A";
    case Dimension::time: return "s";
    case Dimension::charge: return "Ah";
    case Dimension::energy: return "Wh";
    case Dimension::mass: return "g";
    case Dimension::specific_current: return "A/g";
    case Dimension::c_rate: return "C";
    case Dimension::voltage_rate: return "V/s";
    case Dimension::current_rate: return "A/s";
    case Dimension::frequency: return "Hz";
    case Dimension::resistance: return "Ohm";
    case Dimension::capacitance: return "F";
    case Dimension::temperature: return "degC";
    case Dimension::area: return "cm2";
    case Dimension::specific_capacity: return "mAh/g";
    case Dimension::fraction: return "";
    case Dimension::dimensionless: return "";
  }
  return "";
}

Quantity parse_quantity(std::string_view text, std::string_view where) {
  const std::string_view s = trim(text);
  if (s.empty()) fail(text, "the text is empty; write a number with its unit, e.g. '3.0 V'", where);
  if (s.size() > 64) fail(text.substr(0, 64), "the text is too long for a quantity", where);

  double rate = 0;
  if (parse_c_rate(s, rate, text, where)) return {rate, Dimension::c_rate};

  double value = 0;
  const std::size_t used = read_number(s, value);
  if (used == 0) fail(text, "it does not start with a number; write e.g. '0.05 A/g' or 'C/10'", where);
  if (!std::isfinite(value)) fail(text, "the number is not finite", where);

  const std::string_view unit = trim(s.substr(used));
  if (unit.empty()) return {value, Dimension::dimensionless};
  if (unit == "C") return {value, Dimension::c_rate};
  for (const auto& row : kUnits) {
    if (row.symbol == unit) return {value * row.factor, row.dimension};
  }
  fail(text, "unknown unit " + quoted(unit) + " (units are case-sensitive: V, mV, A, mA, A/g, s, min, h, " +
                 "mAh, Wh, mg, mV/s, Hz, kHz, Ohm, %, C/10 ...)",
       where);
}

Quantity parse_quantity(std::string_view text, std::initializer_list<Dimension> expected,
                        std::string_view where) {
  Quantity q = parse_quantity(text, where);
  const bool bare_ok = std::any_of(expected.begin(), expected.end(), [](Dimension d) {
    return d == Dimension::dimensionless || d == Dimension::fraction;
  });
  if (q.dimension == Dimension::dimensionless && bare_ok) {
    const bool wants_number = std::find(expected.begin(), expected.end(), Dimension::dimensionless) != expected.end();
    q.dimension = wants_number ? Dimension::dimensionless : Dimension::fraction;
    return q;
  }
  if (std::find(expected.begin(), expected.end(), q.dimension) != expected.end()) return q;

  std::string wanted;
  std::size_t i = 0;
  for (Dimension d : expected) {
    if (i > 0) wanted += (i + 1 == expected.size()) ? " or " : ", ";
    wanted += "a " + describe(d);
    ++i;
  }
  std::string got = q.dimension == Dimension::dimensionless
                        ? std::string("a bare number without a unit")
                        : "a " + std::string(to_string(q.dimension));
  throw Error(ErrorCode::unit_mismatch, quoted(trim(text)) + " is " + got + "; expected " + wanted,
              std::string(where));
}

double parse_value(std::string_view text, Dimension expected, std::string_view where) {
  return parse_quantity(text, {expected}, where).value;
}

std::string format_quantity(const Quantity& quantity) {
  std::array<char, 32> buf{};
  const auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), quantity.value);
  std::string number(buf.data(), ec == std::errc{} ? ptr : buf.data());
  if (quantity.dimension == Dimension::fraction) {
    const auto [p2, e2] = std::to_chars(buf.data(), buf.data() + buf.size(), quantity.value * 100.0);
    return std::string(buf.data(), e2 == std::errc{} ? p2 : buf.data()) + " %";
  }
  const std::string_view unit = canonical_unit(quantity.dimension);
  if (unit.empty()) return number;
  return number + " " + std::string(unit);
}

}  // namespace cyclerd

// Physical quantities with units, parsed once at the edge ("0.05 A/g", "C/10", "4800 s").
//
// Inside cyclerd every quantity is a double in the canonical unit of its dimension (below); the unit is
// carried in variable and field names (voltage_V, mass_g). Parsing is the only place units are seen.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace cyclerd {

// Each dimension and its canonical unit.
enum class Dimension {
  voltage,            // V
  current,            // A
  time,               // s
  charge,             // Ah
  energy,             // Wh
  mass,               // g
  specific_current,   // A/g
  c_rate,             // multiples of the nominal capacity per hour ("C/10" = 0.1, "2C" = 2)
  voltage_rate,       // V/s (scan rates and dV/dt)
  current_rate,       // A/s (dI/dt)
  frequency,          // Hz
  resistance,         // Ohm
  capacitance,        // F
  temperature,        // degC
  area,               // cm2
  specific_capacity,  // mAh/g
  fraction,           // 1 ("80 %" = 0.8)
  dimensionless,      // a bare number
};

struct Quantity {
  double value = 0;  // in the canonical unit of `dimension`
  Dimension dimension = Dimension::dimensionless;
};

// "voltage", "current", ...
std::string_view to_string(Dimension dimension);
// "V", "A", "s", "Ah", ...
std::string_view canonical_unit(Dimension dimension);

// Parses "<number> <unit>" (the space is optional) or a C-rate ("C/10", "2C", "0.5 C").
// Throws Error(invalid_input) quoting the text when it is not a number with a known unit.
Quantity parse_quantity(std::string_view text, std::string_view where = {});

// Parses and checks the dimension; throws Error(unit_mismatch) naming what was expected.
// A bare number is accepted only when `dimensionless` or `fraction` is among the expected.
Quantity parse_quantity(std::string_view text, std::initializer_list<Dimension> expected,
                        std::string_view where = {});

// Parses a quantity of exactly one dimension and returns its canonical value.
double parse_value(std::string_view text, Dimension expected, std::string_view where = {});

// "0.05 A/g", "3 V", "4800 s": the canonical value with its unit (shortest exact form).
std::string format_quantity(const Quantity& quantity);

}  // namespace cyclerd

// MethodSCRIPT data packages: the `P...` lines a script prints while it measures.
//
// A package is `P` followed by variables separated by `;`. A variable is a two-letter type code
// (`da` applied potential, `ba` WE current, `eb` time, `dc` frequency, `cc`/`cd` Z real/imaginary...),
// seven hexadecimal digits holding the value plus 2^27 (so negative values fit), and one SI prefix
// character (`a f p n u m` space `k M G T P E`, or `i` for an integer). A value the device could not
// measure is sent as the text `     nan` in place of digits and prefix. Metadata may follow a variable
// after commas: `1X` a status bit mask (timing error, overload, underload, overload warning), `2XX` the
// current or potential range index. Conversion to SI doubles happens here, once, at the edge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cyclerd::methodscript {

// Status bits of a variable's metadata.
namespace status_bit {
inline constexpr unsigned timing_error = 0x1;
inline constexpr unsigned overload = 0x2;
inline constexpr unsigned underload = 0x4;
inline constexpr unsigned overload_warning = 0x8;
}  // namespace status_bit

// One variable of a package, in SI units.
struct Variable {
  std::string type;                 // the two-letter type code, e.g. "ba"
  double value = 0;                 // SI (A, V, s, Hz, ohm); NaN when the device sent nan
  std::optional<unsigned> status;   // metadata `1X`
  std::optional<unsigned> range;    // metadata `2XX`
};

struct Package {
  std::vector<Variable> variables;

  // The first variable of that type, if any.
  const Variable* find(std::string_view type) const;
};

// Parses one package line (without its line terminator). Throws Error(instrument_fault) that quotes
// the line and says which variable, at which column, was wrong and what was expected.
Package parse_package(std::string_view line);

// The factor of an SI prefix character, or nullopt for a character that is not one.
std::optional<double> si_prefix_factor(char prefix);

// Encodes `value` (SI) as one package variable `type` + 7 hex digits + prefix, choosing the prefix
// that keeps the most significant digits (at least 134217 counts: better than 4e-6 relative); NaN gives the device's nan text. For the emulator and tests.
std::string encode_variable(std::string_view type, double value);

// The largest magnitude the 7-digit field can carry before the prefix: 2^27 - 1.
inline constexpr std::int64_t max_raw = (std::int64_t{1} << 27) - 1;

}  // namespace cyclerd::methodscript

// Impedance spectra from CSV files: headers found by name (sign of Im from the name), or bare f, Re, Im columns.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "core/impedance.hpp"

namespace cyclerd::analysis {

// Reads an impedance CSV (',' ';' or tab separated). Columns are found by header name, case-insensitive:
// frequency `f` `freq` `Freq` `frequency` (optionally `/Hz`), real `Re Z` `Real` `Re(Z)/Ohm` `Z'`, imaginary
// `Im Z` `Imag` `Im(Z)/Ohm` `Z''`, or negated imaginary `-Im Z` `-Im(Z)/Ohm` `-Z''` (flipped on reading).
// Without a header the file must have exactly three numeric columns f, Re Z, Im Z. Extra columns (such as
// pyDRTtools' leading index) are ignored. Returns the points sorted by descending frequency.
// Throws cyclerd::Error (invalid_input, where = "file:line") for an empty file, fewer than two points,
// missing columns, unreadable or non-finite numbers, f <= 0 and duplicate frequencies.
std::vector<ImpedancePoint> read_impedance_csv(const std::filesystem::path& file);

// The same from text already in memory; `source` names it in errors.
std::vector<ImpedancePoint> parse_impedance_csv(std::string_view text, std::string_view source);

}  // namespace cyclerd::analysis

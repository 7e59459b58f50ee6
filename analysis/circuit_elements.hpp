// The impedance.py circuit elements: their letters, parameters, bounds and impedance.
#pragma once

#include <complex>
#include <span>
#include <string_view>

namespace cyclerd::analysis {

// One kind of circuit element, e.g. "CPE" with parameters Q and alpha.
struct ElementKind {
  std::string_view letters;       // the name without its number: "R", "CPE", "Wo"
  int parameter_count;
  std::string_view description;   // human text for error messages and listings
  // Z(omega) for this element's parameters (parameter_count values).
  std::complex<double> (*impedance)(std::span<const double> p, double omega_rad_s);
  // Upper bound of parameter i; lower bounds are all 0 (impedance.py's bounds).
  double (*upper_bound)(int i);
};

// The element kind named by `letters` exactly ("Wo", not "Wo1"), or nullptr if there is none.
const ElementKind* find_element_kind(std::string_view letters);

// Every known element kind, for "unknown element" messages.
std::span<const ElementKind> element_kinds();

}  // namespace cyclerd::analysis

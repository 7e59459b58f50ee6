#include "analysis/circuit_elements.hpp"

#include <array>
#include <cmath>
#include <limits>

namespace cyclerd::analysis {
namespace {

using cd = std::complex<double>;
constexpr cd j{0.0, 1.0};
constexpr double inf = std::numeric_limits<double>::infinity();

double unbounded(int) { return inf; }
// CPE alpha (its second parameter) is an exponent of j w: beyond 1 it is no longer a constant-phase element.
double cpe_bound(int i) { return i == 1 ? 1.0 : inf; }

cd resistor(std::span<const double> p, double) { return {p[0], 0.0}; }
cd capacitor(std::span<const double> p, double w) { return 1.0 / (j * w * p[0]); }
cd inductor(std::span<const double> p, double w) { return j * w * p[0]; }
cd cpe(std::span<const double> p, double w) { return 1.0 / (p[0] * std::pow(j * w, p[1])); }
// Semi-infinite Warburg, impedance.py's W: A_w (1 - j) / sqrt(w).
cd warburg(std::span<const double> p, double w) { return p[0] * (1.0 - j) / std::sqrt(w); }
// Finite-space (open, reflective boundary) Warburg: Z0 coth(sqrt(j w tau)) / sqrt(j w tau).
cd warburg_open(std::span<const double> p, double w) {
  const cd s = std::sqrt(j * w * p[1]);
  return p[0] / (s * std::tanh(s));
}
// Finite-length (short, transmissive boundary) Warburg: Z0 tanh(sqrt(j w tau)) / sqrt(j w tau).
cd warburg_short(std::span<const double> p, double w) {
  const cd s = std::sqrt(j * w * p[1]);
  return p[0] * std::tanh(s) / s;
}

constexpr std::array<ElementKind, 7> kinds{{
    {"R", 1, "resistor R [Ohm]", resistor, unbounded},
    {"C", 1, "capacitor C [F]", capacitor, unbounded},
    {"L", 1, "inductor L [H]", inductor, unbounded},
    {"CPE", 2, "constant-phase element 1/(Q (j w)^alpha) [Q, alpha]", cpe, cpe_bound},
    {"W", 1, "semi-infinite Warburg A_w (1 - j)/sqrt(w) [A_w]", warburg, unbounded},
    {"Wo", 2, "open Warburg Z0/(sqrt(j w tau) tanh sqrt(j w tau)) [Z0, tau]", warburg_open, unbounded},
    {"Ws", 2, "short Warburg Z0 tanh(sqrt(j w tau))/sqrt(j w tau) [Z0, tau]", warburg_short, unbounded},
}};

}  // namespace

const ElementKind* find_element_kind(std::string_view letters) {
  for (const auto& k : kinds) {
    if (k.letters == letters) return &k;
  }
  return nullptr;
}

std::span<const ElementKind> element_kinds() { return kinds; }

}  // namespace cyclerd::analysis

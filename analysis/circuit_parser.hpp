// Equivalent circuits in impedance.py's syntax: "R0-p(R1-Wo1,C1)", evaluated at any frequency.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/circuit_elements.hpp"

namespace cyclerd::analysis {

// A parsed circuit: a tree of series and parallel groups over named elements, parameters in string order.
class Circuit {
 public:
  // Parses `text` ('-' series, 'p(a,b,...)' parallel, elements like R0, CPE1, Wo1). Throws cyclerd::Error
  // (invalid_input, where = "circuit") naming the offending element or the position of a syntax error.
  static Circuit parse(std::string_view text);

  // The circuit string as given.
  const std::string& text() const { return text_; }
  // Parameter names in string order: "R0", "Wo1_0", "Wo1_1", "CPE1_0", ... (single-parameter elements unsuffixed).
  const std::vector<std::string>& parameter_names() const { return names_; }
  std::size_t parameter_count() const { return names_.size(); }
  // Bounds of each parameter: [0, inf), CPE alpha <= 1.
  const std::vector<double>& lower_bounds() const { return lower_; }
  const std::vector<double>& upper_bounds() const { return upper_; }

  // Z at frequency f (Hz) for the given parameters (parameter_count() values).
  std::complex<double> impedance(std::span<const double> parameters, double frequency_Hz) const;

  // A node of the tree; public so that tests and printers can walk it.
  struct Node {
    enum class Kind { element, series, parallel } kind = Kind::element;
    std::string name;                    // element name ("Wo1"); empty for groups
    const ElementKind* element = nullptr;
    std::size_t first_parameter = 0;     // index into the parameter vector
    std::vector<Node> children;
  };
  const Node& root() const { return root_; }

 private:
  std::string text_;
  Node root_;
  std::vector<std::string> names_;
  std::vector<double> lower_, upper_;
};

}  // namespace cyclerd::analysis

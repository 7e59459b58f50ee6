#include "analysis/circuit_parser.hpp"

#include <cctype>
#include <set>

#include "core/error.hpp"

namespace cyclerd::analysis {
namespace {

using Node = Circuit::Node;

// Recursive-descent parser over the grammar
//   series  := term ('-' term)*
//   term    := 'p' '(' series (',' series)+ ')' | element
//   element := letters [digits or '_']*
// Whitespace is ignored. Errors carry the 1-based character position so a technician can find the typo.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Node parse_all(std::vector<std::string>& names, std::vector<double>& lower, std::vector<double>& upper) {
    names_ = &names;
    lower_ = &lower;
    upper_ = &upper;
    skip_space();
    if (pos_ == text_.size()) fail("the circuit string is empty");
    Node n = parse_series();
    skip_space();
    if (pos_ != text_.size()) {
      if (text_[pos_] == ')') fail("unbalanced parentheses: ')' without a matching 'p('");
      fail(std::string("unexpected '") + text_[pos_] + "'");
    }
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorCode::invalid_input,
                why + " at character " + std::to_string(pos_ + 1) + " of \"" + std::string(text_) + "\"",
                "circuit");
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool at(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  Node parse_series() {
    Node first = parse_term();
    if (!at('-')) return first;
    Node group;
    group.kind = Node::Kind::series;
    group.children.push_back(std::move(first));
    while (at('-')) {
      ++pos_;
      group.children.push_back(parse_term());
    }
    return group;
  }

  Node parse_term() {
    skip_space();
    if (pos_ == text_.size()) fail("an element is missing at the end");
    // 'p(' opens a parallel group; no element kind starts with a lower-case p.
    if (text_[pos_] == 'p') {
      ++pos_;
      if (!at('(')) fail("'p' must be followed by '('");
      ++pos_;
      Node group;
      group.kind = Node::Kind::parallel;
      group.children.push_back(parse_series());
      while (at(',')) {
        ++pos_;
        group.children.push_back(parse_series());
      }
      if (pos_ >= text_.size()) fail("unbalanced parentheses: 'p(' is never closed");
      if (!at(')')) fail(std::string("expected ',' or ')' but found '") + text_[pos_] + "'");
      ++pos_;
      if (group.children.size() < 2) fail("a parallel group p(...) needs at least two branches");
      return group;
    }
    return parse_element();
  }

  Node parse_element() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    const std::string_view letters = text_.substr(start, pos_ - start);
    while (pos_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    const std::string name(text_.substr(start, pos_ - start));
    if (letters.empty()) {
      pos_ = start;
      if (pos_ < text_.size() && text_[pos_] == '(') fail("unbalanced parentheses: '(' without 'p'");
      fail(pos_ < text_.size() ? std::string("expected an element but found '") + text_[pos_] + "'"
                               : std::string("an element is missing at the end"));
    }
    const ElementKind* kind = find_element_kind(letters);
    if (kind == nullptr) {
      std::string known;
      for (const auto& k : element_kinds()) known += (known.empty() ? "" : ", ") + std::string(k.letters);
      pos_ = start;
      fail("unknown circuit element '" + name + "' (known: " + known + ")");
    }
    if (!seen_.insert(name).second) {
      pos_ = start;
      fail("element '" + name + "' appears twice; each element needs its own name");
    }
    Node n;
    n.kind = Node::Kind::element;
    n.name = name;
    n.element = kind;
    n.first_parameter = names_->size();
    for (int i = 0; i < kind->parameter_count; ++i) {
      names_->push_back(kind->parameter_count == 1 ? name : name + "_" + std::to_string(i));
      lower_->push_back(0.0);
      upper_->push_back(kind->upper_bound(i));
    }
    return n;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::set<std::string> seen_;
  std::vector<std::string>* names_ = nullptr;
  std::vector<double>* lower_ = nullptr;
  std::vector<double>* upper_ = nullptr;
};

std::complex<double> evaluate(const Node& n, std::span<const double> p, double w) {
  switch (n.kind) {
    case Node::Kind::element:
      return n.element->impedance(p.subspan(n.first_parameter, static_cast<std::size_t>(n.element->parameter_count)), w);
    case Node::Kind::series: {
      std::complex<double> z = 0;
      for (const auto& c : n.children) z += evaluate(c, p, w);
      return z;
    }
    case Node::Kind::parallel: {
      std::complex<double> y = 0;
      for (const auto& c : n.children) y += 1.0 / evaluate(c, p, w);
      return 1.0 / y;
    }
  }
  return 0;
}

}  // namespace

Circuit Circuit::parse(std::string_view text) {
  Circuit c;
  c.text_ = std::string(text);
  c.root_ = Parser(text).parse_all(c.names_, c.lower_, c.upper_);
  return c;
}

std::complex<double> Circuit::impedance(std::span<const double> parameters, double frequency_Hz) const {
  if (parameters.size() != names_.size()) {
    throw Error(ErrorCode::invalid_input,
                "circuit " + text_ + " has " + std::to_string(names_.size()) + " parameters, got " +
                    std::to_string(parameters.size()),
                "circuit");
  }
  return evaluate(root_, parameters, 2.0 * 3.14159265358979323846 * frequency_Hz);
}

}  // namespace cyclerd::analysis

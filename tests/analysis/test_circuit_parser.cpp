// Circuit strings in impedance.py's syntax: parameter names, impedance values, and errors that point at the typo.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "analysis/circuit_parser.hpp"
#include "core/error.hpp"

using cyclerd::Error;
using cyclerd::analysis::Circuit;

namespace {

constexpr double pi = 3.14159265358979323846;
const std::complex<double> j{0, 1};

TEST(CircuitParser, NamesParametersInStringOrderWithElementSuffixes) {
  const auto c = Circuit::parse("R0-p(R1-Wo1,CPE1)-W2-Ws3-L0-C9");
  const std::vector<std::string> expected{"R0", "R1", "Wo1_0", "Wo1_1", "CPE1_0", "CPE1_1",
                                          "W2", "Ws3_0", "Ws3_1", "L0", "C9"};
  EXPECT_EQ(c.parameter_names(), expected);
  EXPECT_EQ(c.lower_bounds(), std::vector<double>(11, 0.0));
  EXPECT_EQ(c.upper_bounds()[5], 1.0);  // CPE alpha
  EXPECT_TRUE(std::isinf(c.upper_bounds()[4]));
}

TEST(CircuitParser, EvaluatesSeriesAndParallelAgainstHandFormulas) {
  const auto c = Circuit::parse("R0-p(R1,C1)");
  const std::vector<double> p{10, 50, 1e-3};
  const double f = 3.7, w = 2 * pi * f;
  const auto expected = 10.0 + 1.0 / (1.0 / 50.0 + j * w * 1e-3);
  EXPECT_LT(std::abs(c.impedance(p, f) - expected), 1e-12);
}

TEST(CircuitParser, EvaluatesEachElementDefinition) {
  const double f = 0.42, w = 2 * pi * f;
  const auto at = [&](const char* text, std::vector<double> p) { return Circuit::parse(text).impedance(p, f); };
  const auto s = std::sqrt(j * w * 2.5);
  EXPECT_LT(std::abs(at("Wo1", {3, 2.5}) - 3.0 / (s * std::tanh(s))), 1e-12);
  EXPECT_LT(std::abs(at("Ws1", {3, 2.5}) - 3.0 * std::tanh(s) / s), 1e-12);
  EXPECT_LT(std::abs(at("CPE1", {2e-3, 0.8}) - 1.0 / (2e-3 * std::pow(j * w, 0.8))), 1e-12);
  EXPECT_LT(std::abs(at("W1", {7}) - 7.0 * (1.0 - j) / std::sqrt(w)), 1e-12);
  EXPECT_LT(std::abs(at("L1", {1e-6}) - j * w * 1e-6), 1e-18);
  EXPECT_LT(std::abs(at("C1", {1e-3}) - 1.0 / (j * w * 1e-3)), 1e-9);
}

TEST(CircuitParser, AcceptsNestedParallelGroupsAndSpaces) {
  const auto c = Circuit::parse(" R0 - p( R1 - p(R2, C2), C1, L1 ) ");
  EXPECT_EQ(c.parameter_count(), 6u);
}

void expect_error(const char* text, const char* fragment) {
  try {
    Circuit::parse(text);
    FAIL() << "no error for " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), cyclerd::ErrorCode::invalid_input);
    EXPECT_EQ(e.where(), "circuit");
    EXPECT_NE(e.message().find(fragment), std::string::npos) << e.what();
  }
}

TEST(CircuitParser, RejectsUnknownElementByName) { expect_error("R0-X1", "unknown circuit element 'X1'"); }
TEST(CircuitParser, RejectsUnclosedParallel) { expect_error("R0-p(R1,C1", "never closed"); }
TEST(CircuitParser, RejectsStrayClosingParenthesis) { expect_error("R0-R1)", "unbalanced parentheses"); }
TEST(CircuitParser, RejectsEmptyString) { expect_error("  ", "empty"); }
TEST(CircuitParser, RejectsDanglingDash) { expect_error("R0-", "missing"); }
TEST(CircuitParser, RejectsSingleBranchParallel) { expect_error("p(R1)", "two branches"); }
TEST(CircuitParser, RejectsDuplicateNames) { expect_error("R1-p(R1,C1)", "appears twice"); }
TEST(CircuitParser, ReportsPositionOfTheError) { expect_error("R0-p(R1,Q1)", "character 9"); }

}  // namespace

// The quantity parser: every unit the lab writes, converted once, and clear errors for everything else.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "core/quantity.hpp"

using cyclerd::Dimension;
using cyclerd::Error;
using cyclerd::ErrorCode;
using cyclerd::parse_quantity;
using cyclerd::parse_value;

namespace {

struct Case {
  const char* text;
  double value;
  Dimension dimension;
};

class ParsesLabQuantity : public ::testing::TestWithParam<Case> {};

TEST_P(ParsesLabQuantity, ToCanonicalValueAndDimension) {
  const Case c = GetParam();
  const auto q = parse_quantity(c.text);
  EXPECT_EQ(q.dimension, c.dimension) << c.text;
  EXPECT_NEAR(q.value, c.value, 1e-12 * std::abs(c.value) + 1e-300) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    IssueExamples, ParsesLabQuantity,
    ::testing::Values(Case{"0.05 A/g", 0.05, Dimension::specific_current},
                      Case{"-2 mA", -2e-3, Dimension::current}, Case{"3.0 V", 3.0, Dimension::voltage},
                      Case{"4800 s", 4800, Dimension::time}, Case{"1 h", 3600, Dimension::time},
                      Case{"2 mV/s", 2e-3, Dimension::voltage_rate}, Case{"C/10", 0.1, Dimension::c_rate},
                      Case{"100 kHz", 1e5, Dimension::frequency}, Case{"1.2 mg", 1.2e-3, Dimension::mass}));

INSTANTIATE_TEST_SUITE_P(
    MoreSpellings, ParsesLabQuantity,
    ::testing::Values(Case{"2C", 2.0, Dimension::c_rate}, Case{"0.5 C", 0.5, Dimension::c_rate},
                      Case{"C", 1.0, Dimension::c_rate}, Case{"10 mHz", 0.01, Dimension::frequency},
                      Case{"0.1 mV/h", 1e-4 / 3600.0, Dimension::voltage_rate},
                      Case{"15A/g", 15.0, Dimension::specific_current}, Case{"+5 mV", 5e-3, Dimension::voltage},
                      Case{"2 hours", 7200, Dimension::time}, Case{"30 min", 1800, Dimension::time},
                      Case{"1.5 mAh", 1.5e-3, Dimension::charge}, Case{"80 %", 0.8, Dimension::fraction},
                      Case{"1.131 cm2", 1.131, Dimension::area}, Case{"815 mAh/g", 815, Dimension::specific_capacity},
                      Case{"1e-3 A", 1e-3, Dimension::current}, Case{"  3 V  ", 3.0, Dimension::voltage},
                      Case{"25 degC", 25.0, Dimension::temperature}, Case{"50 mOhm", 0.05, Dimension::resistance}));

void expect_error(const char* text, ErrorCode code, const std::string& must_mention) {
  try {
    parse_quantity(text, "/steps/0/current");
    FAIL() << "no error for '" << text << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << text;
    EXPECT_EQ(e.where(), "/steps/0/current");
    const std::string what = e.what();
    EXPECT_NE(what.find(must_mention), std::string::npos) << "message was: " << what;
  }
}

TEST(QuantityErrors, UnknownUnitQuotesTheTextAndTheUnit) {
  expect_error("3 VV", ErrorCode::invalid_input, "'3 VV'");
  expect_error("3 VV", ErrorCode::invalid_input, "'VV'");
}

TEST(QuantityErrors, UnitsAreCaseSensitive) { expect_error("2 MA", ErrorCode::invalid_input, "'MA'"); }

TEST(QuantityErrors, MissingNumberIsRejected) { expect_error("mA", ErrorCode::invalid_input, "'mA'"); }

TEST(QuantityErrors, EmptyTextIsRejected) { expect_error("   ", ErrorCode::invalid_input, "empty"); }

TEST(QuantityErrors, NonFiniteNumberIsRejected) { expect_error("inf V", ErrorCode::invalid_input, "finite"); }

TEST(QuantityErrors, BadCRateDivisorIsRejected) {
  expect_error("C/0", ErrorCode::invalid_input, "C/N");
  expect_error("C/x", ErrorCode::invalid_input, "C/N");
}

TEST(QuantityErrors, OverlongTextIsRejected) {
  const std::string huge(10000, '9');
  EXPECT_THROW(parse_quantity(huge), Error);
}

TEST(QuantityDimensions, MismatchNamesWhatWasExpected) {
  try {
    parse_quantity("3 V", {Dimension::current, Dimension::specific_current, Dimension::c_rate}, "/steps/2");
    FAIL() << "a voltage was accepted as a current";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unit_mismatch);
    const std::string what = e.what();
    EXPECT_NE(what.find("'3 V' is a voltage"), std::string::npos) << what;
    EXPECT_NE(what.find("current"), std::string::npos) << what;
    EXPECT_NE(what.find("C-rate"), std::string::npos) << what;
    EXPECT_EQ(what.rfind("/steps/2: ", 0), 0u) << what;
  }
}

TEST(QuantityDimensions, AcceptsAnyOfTheExpectedDimensions) {
  EXPECT_EQ(parse_quantity("C/10", {Dimension::current, Dimension::c_rate}).dimension, Dimension::c_rate);
  EXPECT_EQ(parse_quantity("5 mA", {Dimension::current, Dimension::c_rate}).dimension, Dimension::current);
}

TEST(QuantityDimensions, BareNumberNeedsAUnitUnlessDimensionless) {
  EXPECT_THROW(parse_value("3", Dimension::voltage), Error);
  EXPECT_DOUBLE_EQ(parse_value("3", Dimension::dimensionless), 3.0);
  EXPECT_DOUBLE_EQ(parse_value("0.8", Dimension::fraction), 0.8);
}

TEST(QuantityFormat, RoundTripsThroughTheParser) {
  for (const char* text : {"0.05 A/g", "-2 mA", "4800 s", "2 mV/s", "100 kHz", "1.2 mg", "815 mAh/g"}) {
    const auto q = parse_quantity(text);
    const auto back = parse_quantity(cyclerd::format_quantity(q));
    EXPECT_EQ(back.dimension, q.dimension) << text;
    EXPECT_DOUBLE_EQ(back.value, q.value) << text;
  }
  EXPECT_EQ(cyclerd::format_quantity({3.0, Dimension::voltage}), "3 V");
}

}  // namespace

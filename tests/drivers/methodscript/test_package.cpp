// MethodSCRIPT data packages and device replies: values in SI, metadata, and bad input as clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "drivers/methodscript/device_reply.hpp"
#include "drivers/methodscript/package.hpp"

namespace cyclerd::methodscript {
namespace {

// The message of the Error that parsing `line` throws (fails the test if it does not throw one).
std::string parse_error(const std::string& line) {
  try {
    parse_package(line);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::instrument_fault) << line;
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a cyclerd::Error for " << line << ": " << e.what();
    return {};
  }
  ADD_FAILURE() << "no error for \"" << line << "\"";
  return {};
}

TEST(Package, DecodesHexWithTheOffsetAndTheSiPrefix) {
  // 0x8000000 is zero; above it positive, below it negative.
  Package p = parse_package("Pda8000000 ;ba7FFFFCEu;eb8000064m");
  ASSERT_EQ(p.variables.size(), 3u);
  EXPECT_EQ(p.variables[0].type, "da");
  EXPECT_DOUBLE_EQ(p.variables[0].value, 0.0);
  EXPECT_DOUBLE_EQ(p.variables[1].value, -50e-6);  // 0x7FFFFCE - 0x8000000 = -50, micro
  EXPECT_DOUBLE_EQ(p.variables[2].value, 0.1);     // 100 milli
  EXPECT_EQ(p.find("ba"), &p.variables[1]);
  EXPECT_EQ(p.find("cc"), nullptr);
}

TEST(Package, ReadsStatusAndRangeMetadata) {
  Package p = parse_package("Pda80003E8m;ba8000032n,14,20B");
  ASSERT_EQ(p.variables.size(), 2u);
  EXPECT_DOUBLE_EQ(p.variables[0].value, 1.0);
  EXPECT_FALSE(p.variables[0].status.has_value());
  EXPECT_DOUBLE_EQ(p.variables[1].value, 50e-9);
  EXPECT_EQ(p.variables[1].status, status_bit::underload);
  EXPECT_EQ(p.variables[1].range, 0x0Bu);
}

TEST(Package, AnIntegerPrefixAndAllSiPrefixesScaleAsDocumented) {
  EXPECT_DOUBLE_EQ(parse_package("Pee800000Ai").variables[0].value, 10.0);
  EXPECT_DOUBLE_EQ(parse_package("Pdc8000001k").variables[0].value, 1e3);
  EXPECT_DOUBLE_EQ(parse_package("Pdc8000001M").variables[0].value, 1e6);
  EXPECT_DOUBLE_EQ(parse_package("Pba8000001p").variables[0].value, 1e-12);
  EXPECT_DOUBLE_EQ(parse_package("Pba8000001a").variables[0].value, 1e-18);
}

TEST(Package, NanFromTheDeviceIsNaNNotAnError) {
  Package p = parse_package("Pda     nan;ba8000001u");
  EXPECT_TRUE(std::isnan(p.variables[0].value));
  EXPECT_DOUBLE_EQ(p.variables[1].value, 1e-6);
}

TEST(Package, EncodeThenParseIsWithinTheFieldsResolution) {
  // Seven hex digits hold at least 134217 counts at the best prefix: 0.5 / 134217 < 4e-6 relative.
  for (double v : {0.0, 1.0, -1.0, 3.0001234, -0.0123456789, 5e-5, 2.5e-9, 1e5, 1e-2, -6.0, 123456.789}) {
    std::string text = "P" + encode_variable("da", v);
    double back = parse_package(text).variables[0].value;
    EXPECT_NEAR(back, v, std::abs(v) * 4e-6 + 1e-30) << text;
  }
  EXPECT_TRUE(std::isnan(parse_package("P" + encode_variable("ab", std::nan(""))).variables[0].value));
}

TEST(Package, TruncatedVariablesAreNamedWithTheirColumn) {
  std::string e = parse_error("Pda80000");
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  EXPECT_NE(e.find("column 2"), std::string::npos) << e;
  e = parse_error("Pda8000000 ;ba80");
  EXPECT_NE(e.find("column 13"), std::string::npos) << e;
  EXPECT_NE(e.find("Pda8000000 ;ba80"), std::string::npos) << "the message quotes the line: " << e;
  EXPECT_NE(parse_error("P").find("no variable"), std::string::npos);
}

TEST(Package, GarbageIsRefusedWithWhatWasExpected) {
  EXPECT_NE(parse_error("Pda80G0000 ").find("'G' is not a hexadecimal digit"), std::string::npos);
  EXPECT_NE(parse_error("Pda8000000x").find("'x' is not an SI prefix"), std::string::npos);
  EXPECT_NE(parse_error("PDA8000000 ").find("two lower-case letters"), std::string::npos);
  EXPECT_NE(parse_error("Pda8000000 ;;ba8000000 ").find("empty variable"), std::string::npos);
  EXPECT_NE(parse_error("Pda8000000 ;").find("empty variable"), std::string::npos);
  EXPECT_NE(parse_error("Pda80000000 ").find("characters after its type"), std::string::npos);
  EXPECT_NE(parse_error("Pda8000000 ,1Z").find("not hexadecimal"), std::string::npos);
  EXPECT_NE(parse_error("Pda8000000 ,").find("comma"), std::string::npos);
  EXPECT_NE(parse_error("Pda     nax").find("hexadecimal"), std::string::npos) << "a near-nan is not nan";
  EXPECT_NE(parse_error("\x01\xff\x7f").find("starts with 'P'"), std::string::npos);
}

TEST(Package, AnUnexpectedPromptIsNotAPackage) {
  // A device that restarted mid-stream answers its prompt instead of data: an error, not a sample.
  EXPECT_NE(parse_error("e").find("starts with 'P'"), std::string::npos);
  EXPECT_NE(parse_error("tes4_hr1100#Jan 28 2022").find("starts with 'P'"), std::string::npos);
}

TEST(Package, TheLargestValuesOfTheFieldDecodeToTheirLimits) {
  EXPECT_DOUBLE_EQ(parse_package("PbaFFFFFFF ").variables[0].value, static_cast<double>(max_raw));
  EXPECT_DOUBLE_EQ(parse_package("Pba0000000 ").variables[0].value, -static_cast<double>(max_raw + 1));
}

TEST(DeviceReply, ClassifiesScriptOutput) {
  EXPECT_EQ(classify(""), LineKind::script_end);
  EXPECT_EQ(classify("Pda8000000 "), LineKind::package);
  EXPECT_EQ(classify("M0007"), LineKind::loop_start);
  EXPECT_EQ(classify("*"), LineKind::loop_end);
  EXPECT_EQ(classify("C0001"), LineKind::scan_start);
  EXPECT_EQ(classify("-"), LineKind::scan_end);
  EXPECT_EQ(classify("L"), LineKind::plain_loop_start);
  EXPECT_EQ(classify("+"), LineKind::plain_loop_end);
  EXPECT_EQ(classify("Thello"), LineKind::text);
  EXPECT_EQ(classify("e"), LineKind::echo);
  EXPECT_EQ(classify("Z"), LineKind::echo);
  EXPECT_EQ(classify("Mxyz"), LineKind::echo) << "not a loop start: no hex code";
}

TEST(DeviceReply, ParsesErrorsWithCommandLineAndColumn) {
  DeviceError e;
  ASSERT_EQ(classify("Z!0006", &e), LineKind::error);
  EXPECT_EQ(e.command, 'Z');
  EXPECT_EQ(e.code, error_code::no_script_running);
  EXPECT_FALSE(e.line.has_value());

  ASSERT_EQ(classify("e!4001: Line 7, Col 3", &e), LineKind::error);
  EXPECT_EQ(e.command, 'e');
  EXPECT_EQ(e.code, error_code::script_unknown_command);
  EXPECT_EQ(e.line, 7);
  EXPECT_EQ(e.column, 3);
  std::string text = e.describe();
  EXPECT_NE(text.find("0x4001"), std::string::npos) << text;
  EXPECT_NE(text.find("unknown script command"), std::string::npos) << text;
  EXPECT_NE(text.find("line 7, column 3"), std::string::npos) << text;

  ASSERT_EQ(classify("!000F: Line 12", &e), LineKind::error);
  EXPECT_EQ(e.command, 0);
  EXPECT_EQ(e.code, error_code::invalid_potential);
  EXPECT_EQ(e.line, 12);
  EXPECT_NE(parse_device_error("!1234")->describe().find("unknown error code"), std::string::npos);
  EXPECT_FALSE(parse_device_error("!12"));
  EXPECT_FALSE(parse_device_error("x!12G4"));
}

}  // namespace
}  // namespace cyclerd::methodscript

// Impedance CSV files: every header spelling of DESIGN.md, bare columns, the peers' files, and clear errors.
#include <gtest/gtest.h>

#include <string>

#include "analysis/impedance_csv.hpp"
#include "core/error.hpp"

using cyclerd::Error;
using cyclerd::analysis::parse_impedance_csv;
using cyclerd::analysis::read_impedance_csv;

namespace {

const std::string ref = CYCLERD_REFERENCE_DIR;

TEST(ImpedanceCsv, ReadsHeaderlessImpedancePyFileSortedDescending) {
  const auto pts = read_impedance_csv(ref + "/impedance_py/exampleData.csv");
  ASSERT_EQ(pts.size(), 66u);
  EXPECT_DOUBLE_EQ(pts.front().frequency_Hz, 1e4);
  EXPECT_NEAR(pts.back().frequency_Hz, 3.1623e-3, 1e-12);
  EXPECT_NEAR(pts.back().z_ohm.real(), 4.949989776405060160e-02, 1e-15);
  EXPECT_NEAR(pts.back().z_ohm.imag(), -2.043869854441892481e-02, 1e-15);
}

TEST(ImpedanceCsv, ReadsPyDrtToolsFileWithIndexColumn) {
  const auto pts = read_impedance_csv(ref + "/pydrttools/1ZARC.csv");
  ASSERT_EQ(pts.size(), 81u);
  EXPECT_DOUBLE_EQ(pts.front().frequency_Hz, 1e6);
  EXPECT_DOUBLE_EQ(pts.front().z_ohm.imag(), 31.16422514427696);  // inductive: Im > 0, kept as written
  EXPECT_DOUBLE_EQ(pts.back().frequency_Hz, 0.01);
  EXPECT_DOUBLE_EQ(pts.back().z_ohm.real(), 59.20397431908595);
}

TEST(ImpedanceCsv, TakesTheImaginarySignFromTheHeaderName) {
  const auto pts = parse_impedance_csv("freq/Hz;Re(Z)/Ohm;-Im(Z)/Ohm\n1;2;3\n10;4;5\n", "bio.csv");
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].frequency_Hz, 10);
  EXPECT_EQ(pts[0].z_ohm, std::complex<double>(4, -5));
  EXPECT_EQ(pts[1].z_ohm, std::complex<double>(2, -3));
}

TEST(ImpedanceCsv, AcceptsEachHeaderSpellingInAnyColumnOrder) {
  for (const char* text : {"f,Re Z,Im Z\n1,2,-3\n2,2,-3\n", "Im Z,f,Re Z\n-3,1,2\n-3,2,2\n",
                           "Freq\tReal\tImag\n1\t2\t-3\n2\t2\t-3\n", "frequency,Re(Z)/Ohm,Im(Z)/Ohm\n1,2,-3\n2,2,-3\n"}) {
    const auto pts = parse_impedance_csv(text, "x.csv");
    ASSERT_EQ(pts.size(), 2u) << text;
    EXPECT_EQ(pts[1].frequency_Hz, 1) << text;
    EXPECT_EQ(pts[1].z_ohm, std::complex<double>(2, -3)) << text;
  }
}

void expect_error(const char* text, const std::string& where, const char* fragment) {
  try {
    parse_impedance_csv(text, "spec.csv");
    FAIL() << "no error for:\n" << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), cyclerd::ErrorCode::invalid_input);
    EXPECT_EQ(e.where(), where) << e.what();
    EXPECT_NE(e.message().find(fragment), std::string::npos) << e.what();
  }
}

TEST(ImpedanceCsv, RejectsEmptyFile) { expect_error("\n  \n", "spec.csv", "empty"); }
TEST(ImpedanceCsv, RejectsOnePoint) { expect_error("f,Re Z,Im Z\n1,2,3\n", "spec.csv", "at least two points"); }
TEST(ImpedanceCsv, RejectsNaNNamingTheLine) { expect_error("1,2,3\n2,nan,3\n", "spec.csv:2", "not a finite number"); }
TEST(ImpedanceCsv, RejectsGarbageNumber) { expect_error("f,Re Z,Im Z\n1,2,3\n2,2x,3\n", "spec.csv:3", "'2x' is not a number"); }
TEST(ImpedanceCsv, RejectsDuplicateFrequencyNamingBothLines) {
  expect_error("1,2,3\n2,2,3\n1,5,6\n", "spec.csv:3", "repeats line 1");
}
TEST(ImpedanceCsv, RejectsMissingImaginaryColumn) { expect_error("f,Re Z,phase\n1,2,3\n", "spec.csv:1", "imaginary part"); }
TEST(ImpedanceCsv, RejectsShortRow) { expect_error("f,Re Z,Im Z\n1,2,3\n2,3\n", "spec.csv:3", "columns"); }
TEST(ImpedanceCsv, RejectsHeaderlessFileWithFourColumns) { expect_error("1,2,3,4\n", "spec.csv:1", "exactly three"); }
TEST(ImpedanceCsv, RejectsNonPositiveFrequency) { expect_error("0,2,3\n1,2,3\n", "spec.csv:1", "> 0"); }
TEST(ImpedanceCsv, MissingFileIsNotFound) {
  EXPECT_THROW(read_impedance_csv("/nonexistent/x.csv"), Error);
}

}  // namespace

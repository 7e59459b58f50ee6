// BioLogic text exports: BEEP's per-cycle capacities on its test file (../shared/reference/README.md).
#include <gtest/gtest.h>

#include <string>

#include "analysis/biologic_import.hpp"
#include "core/error.hpp"

using namespace cyclerd::analysis;

namespace {

const std::string beep_file = std::string(CYCLERD_REFERENCE_DIR) + "/beep/test_loopsnewoutput_MB_CE1_short10k.csv";

TEST(BiologicImport, ReadsEveryRowOfBeepsFile) {
  const auto d = read_biologic_text(beep_file);
  EXPECT_EQ(d.rows.size(), 9999u);  // 10,000 lines: the column names and 9,999 rows
  EXPECT_EQ(d.columns.size(), 72u);
  EXPECT_DOUBLE_EQ(d.rows[1].voltage_V, 4.23017549514771);
  EXPECT_DOUBLE_EQ(d.rows[1].current_A, 2.49326220703125);
  EXPECT_NEAR(d.rows[1].time_s, 22.756, 1e-6);  // dates become seconds from the first row
}

TEST(BiologicImport, PerCycleCapacitiesMatchBeep) {
  const auto cycles = biologic_cycle_capacities(read_biologic_text(beep_file));
  ASSERT_EQ(cycles.size(), 3u);  // cycle 2 is incomplete
  EXPECT_EQ(cycles[0].cycle_number, 0);
  EXPECT_NEAR(cycles[0].charge_capacity_Ah, 1.4618750, 1e-7);
  EXPECT_NEAR(cycles[0].discharge_capacity_Ah, 2.324598, 1e-6);
  EXPECT_NEAR(cycles[1].charge_capacity_Ah, 2.3713156, 1e-7);
  EXPECT_NEAR(cycles[1].discharge_capacity_Ah, 2.3265861, 1e-7);
  EXPECT_NEAR(cycles[1].coulombic_efficiency, 0.981137, 1e-6);
  EXPECT_EQ(cycles[2].discharge_capacity_Ah, 0.0);
}

TEST(BiologicImport, ReadsEcLabHeaderBlockTabsAndDecimalCommas) {
  const std::string text =
      "EC-Lab ASCII FILE\nNb header lines : 4\n\nmode\ttime/s\tEwe/V\t<I>/mA\tcycle number\tQ charge/mA.h\tQ discharge/mA.h\n"
      "1\t0\t3,5\t1,0\t0\t0\t0\n1\t10\t3,6\t1,0\t0\t0,5\t0\n";
  const auto d = parse_biologic_text(text, "x.mpt");
  ASSERT_EQ(d.rows.size(), 2u);
  EXPECT_DOUBLE_EQ(d.rows[1].voltage_V, 3.6);
  EXPECT_DOUBLE_EQ(d.rows[1].charge_capacity_Ah, 0.5e-3);
}

TEST(BiologicImport, MissingColumnIsNamedWithFileAndLine) {
  try {
    parse_biologic_text("time/s;Ecell/V;I/mA;Q charge/mA.h;Q discharge/mA.h\n0;1;2;3;4\n", "run.csv");
    FAIL();
  } catch (const cyclerd::Error& e) {
    EXPECT_EQ(e.where(), "run.csv:1");
    EXPECT_NE(e.message().find("cycle number"), std::string::npos);
  }
}

TEST(BiologicImport, BadNumberNamesLineAndColumn) {
  try {
    parse_biologic_text("time/s;Ecell/V;I/mA;cycle number;Q charge/mA.h;Q discharge/mA.h\n0;1;2;0;3;4\n1;x;2;0;3;4\n",
                        "run.csv");
    FAIL();
  } catch (const cyclerd::Error& e) {
    EXPECT_EQ(e.where(), "run.csv:3");
    EXPECT_NE(e.message().find("Ecell/V"), std::string::npos);
  }
}

TEST(BiologicImport, EmptyExportIsAnError) {
  EXPECT_THROW(parse_biologic_text("time/s;Ecell/V;I/mA;cycle number;Q charge/mA.h;Q discharge/mA.h\n", "e.csv"),
               cyclerd::Error);
}

}  // namespace

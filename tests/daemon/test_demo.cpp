// tools/demo, the README's quick start, in its quick mode: it finishes by itself, prints the rate tables of
// the three materials and leaves exports and SVG plots in the folder it names.
#include <cstdio>

#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {
namespace {

TEST(Demo, QuickModeShowsTheThreeRateTablesAndWritesExportsAndPlots) {
  const auto dir = make_temp_dir();
  const auto out = dir / "demo out";  // a space in the name must not break the script
  const std::string cmd = "CYCLERD_BIN='" + std::string(CYCLERD_BIN_DIR) + "' '" + CYCLERD_SOURCE_DIR +
                          "/tools/demo' --quick '" + out.string() + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char buf[65536];
  while (const auto n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  const int status = ::pclose(p);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 0) << text;

  // Each material's rate table: its heading, then the column header and a row per current density.
  for (const std::string material : {"ZnS", "ZnS/ZnSe", "ZnSe"}) {
    const auto at = text.find("== rate table, " + material + " (run");
    ASSERT_NE(at, std::string::npos) << material << "\n" << text;
    const auto table = text.substr(at, text.find("==", at + 3) - at);
    EXPECT_NE(table.find("discharge mAh/g"), std::string::npos) << table;
    for (const std::string rate : {"0.10", "1.00", "20.00"}) {
      EXPECT_NE(table.find(rate), std::string::npos) << material << " has no " << rate << " A/g row:\n" << table;
    }
  }
  EXPECT_NE(text.find("demo done"), std::string::npos);

  std::size_t exports = 0, plots = 0;
  for (const auto& entry : fs::directory_iterator(out)) {
    const auto name = entry.path().filename().string();
    if (name.ends_with(".bdf.csv") && entry.file_size() > 1000) ++exports;
    if (name.ends_with(".svg") && read_file(entry.path()).find("<svg") != std::string::npos) ++plots;
  }
  EXPECT_EQ(exports, 5u) << "a BDF export per run (three rate tests, GITT, CV)";
  EXPECT_EQ(plots, 6u) << "three rate plots, capacity, voltage profiles and CV";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test

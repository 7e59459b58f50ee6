// `cyclerctl export` and `cyclerctl backup`, run as the real binary against a recorded database.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "schema/export_bdf.hpp"
#include "schema/writer.hpp"
#include "tests/schema/storage_test_support.hpp"

namespace cyclerd::store {
namespace {

int run_cyclerctl(const std::string& args) {
  const int status = std::system((std::string(CYCLERD_BIN_DIR) + "/cyclerctl " + args).c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class StorageCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    Writer writer(db);
    run = test::make_run(writer);
    ASSERT_TRUE(writer.submit(test::sample_batch(run, 0, 500)).accepted());
    ASSERT_TRUE(writer.flush());
  }
  test::TempDir dir;
  std::string db = dir.file("lab.sqlite");
  std::int64_t run = 0;
};

TEST_F(StorageCommands, ExportBdfWritesEverySample) {
  const auto out = dir.file("run.csv");
  ASSERT_EQ(run_cyclerctl("export --db " + db + " --run " + std::to_string(run) + " --format bdf -o " + out), 0);
  std::ifstream in(out);
  const auto rows = read_bdf(in, out, run);
  ASSERT_EQ(rows.size(), 500u);
  EXPECT_EQ(rows[499].voltage_V, test::synthetic_sample(run, 499).voltage_V);
}

TEST_F(StorageCommands, ExportJsonHasColumnArrays) {
  const auto out = dir.file("run.json");
  ASSERT_EQ(run_cyclerctl("export --db " + db + " --run " + std::to_string(run) + " --format json -o " + out), 0);
  const auto doc = nlohmann::json::parse(slurp(out));
  EXPECT_EQ(doc.at("columns").at("voltage_V").size(), 500u);
}

TEST_F(StorageCommands, UnknownRunAndMissingDatabaseAreRefusedWithExitOne) {
  const auto err = dir.file("err.txt");
  EXPECT_EQ(run_cyclerctl("export --db " + db + " --run 99 --format csv 2>" + err), 1);
  EXPECT_NE(slurp(err).find("no run 99"), std::string::npos) << slurp(err);
  EXPECT_EQ(run_cyclerctl("export --db " + dir.file("missing.sqlite") + " --run 1 2>" + err), 1);
  EXPECT_NE(slurp(err).find("missing.sqlite"), std::string::npos) << slurp(err);
  EXPECT_EQ(run_cyclerctl("export --db " + db + " --run 1 --format xlsx 2>" + err), 2);
}

TEST_F(StorageCommands, BackupMakesAnIntactCopy) {
  const auto copy = dir.file("copy.sqlite");
  ASSERT_EQ(run_cyclerctl("backup --db " + db + " " + copy + " 2>/dev/null"), 0);
  EXPECT_EQ(test::query_text(copy, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(test::query_text(copy, "SELECT count(*) FROM samples"), "500");
}

}  // namespace
}  // namespace cyclerd::store

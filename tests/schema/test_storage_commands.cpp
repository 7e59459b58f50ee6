// `cyclerctl export` and `cyclerctl backup`, run as the real binary against a recorded database.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "schema/export_bdf.hpp"
#include "schema/reader.hpp"
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

// The standard output of a cyclerctl command; its exit code in `code`.
std::string cyclerctl_output(const std::string& args, int& code) {
  FILE* p = ::popen((std::string(CYCLERD_BIN_DIR) + "/cyclerctl " + args).c_str(), "r");
  std::string text;
  char buf[65536];
  while (const auto n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  const int status = ::pclose(p);
  code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return text;
}

TEST(SimulateDb, RecordsTheRunThroughTheWriterSoExportAndTheCycleTableWork) {
  test::TempDir dir;
  const auto db = dir.file("sim.sqlite");
  const std::string run_args = "simulate --protocol rate-capability --param cycles_per_rate=1 --mass-mg 1 --json";
  int code = -1;
  const auto recorded = nlohmann::json::parse(cyclerctl_output(run_args + " --db " + db + " 2>/dev/null", code));
  ASSERT_EQ(code, 0);
  const std::int64_t run_id = recorded.at("run_id");
  const std::int64_t records = recorded["totals"]["records"];
  // Recording does not change the run: the same cycles as a simulation without a database.
  const auto plain = nlohmann::json::parse(cyclerctl_output(run_args + " 2>/dev/null", code));
  EXPECT_EQ(plain["cycles"], recorded["cycles"]);

  Reader reader(db);
  const auto run = reader.run(run_id);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->state, "completed");
  EXPECT_EQ(run->protocol_name, "rate-capability");
  EXPECT_EQ(run->sample_count, records);
  EXPECT_EQ(run->checkpoint_sample_count, records);  // the last checkpoint follows the last sample
  EXPECT_EQ(nlohmann::json::parse(run->params_json), (nlohmann::json{{"cycles_per_rate", "1"}}));
  std::int64_t expected = 0;
  reader.for_each_chunk(run_id, {}, [&](const std::vector<SampleRow>& chunk) {
    for (const auto& s : chunk) EXPECT_EQ(s.index, expected++) << "samples are not contiguous";
  });
  EXPECT_EQ(expected, records);

  // The stored cycle table is the one `simulate --json` printed, field for field.
  const auto cycles = reader.cycles(run_id);
  ASSERT_EQ(cycles.size(), recorded["cycles"].size());
  for (std::size_t i = 0; i < cycles.size(); ++i) {
    const auto& want = recorded["cycles"][i];
    EXPECT_EQ(cycles[i].cycle_index, want["cycle_index"].get<std::int64_t>());
    EXPECT_DOUBLE_EQ(cycles[i].charge_capacity_Ah, want["charge_capacity_Ah"].get<double>());
    EXPECT_DOUBLE_EQ(cycles[i].discharge_capacity_Ah, want["discharge_capacity_Ah"].get<double>());
    EXPECT_DOUBLE_EQ(*cycles[i].coulombic_efficiency, want["coulombic_efficiency"].get<double>());
    EXPECT_DOUBLE_EQ(*cycles[i].current_density_A_g, want["current_density_A_g"].get<double>());
    EXPECT_DOUBLE_EQ(cycles[i].duration_s, want["duration_s"].get<double>());
  }
  // Steps, events (started and completed), and the live analysis (one result per cycle, the rate table).
  EXPECT_EQ(reader.steps(run_id).size(), 2 * cycles.size());
  bool completed = false;
  for (const auto& e : reader.events(run_id)) completed = completed || e.text == "completed";
  EXPECT_TRUE(completed);
  EXPECT_EQ(reader.analyses(run_id, {"cycles"}).size(), cycles.size());
  EXPECT_EQ(reader.analyses(run_id, {"rate_table"}).size(), recorded["rate_table"].size());
  EXPECT_EQ(test::query_text(db, "PRAGMA integrity_check"), "ok");

  // Exported offline like any daemon run.
  const auto out = dir.file("run.csv");
  ASSERT_EQ(run_cyclerctl("export --db " + db + " --run " + std::to_string(run_id) + " --format bdf -o " + out), 0);
  std::ifstream in(out);
  EXPECT_EQ(read_bdf(in, out, run_id).size(), static_cast<std::size_t>(records));
}

}  // namespace
}  // namespace cyclerd::store

// Migrations: embedded, numbered without gaps, applied on open; an old database opens and upgrades.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "schema/migrations.hpp"
#include "schema/reader.hpp"
#include "schema/writer.hpp"
#include "tests/schema/storage_test_support.hpp"

namespace cyclerd::store {
namespace {

TEST(Migrations, AreEmbeddedAndNumberedFromOneWithoutGaps) {
  ASSERT_FALSE(migrations().empty());
  for (std::size_t i = 0; i < migrations().size(); ++i) {
    EXPECT_EQ(migrations()[i].version, static_cast<int>(i + 1)) << migrations()[i].name;
    EXPECT_NE(std::string(migrations()[i].sql).find("CREATE"), std::string::npos);
  }
  EXPECT_EQ(current_schema_version(), migrations().back().version);
}

TEST(Migrations, NewDatabaseGetsTheCurrentVersionAndEveryTable) {
  test::TempDir dir;
  const auto path = dir.file("lab.sqlite");
  { Writer w(path); }
  EXPECT_EQ(test::query_text(path, "PRAGMA user_version"), std::to_string(current_schema_version()));
  for (const char* table : {"cells", "channels", "protocols", "runs", "samples", "sample_summary", "step_summaries",
                            "cycle_summaries", "eis_spectra", "analysis_results", "events"}) {
    EXPECT_EQ(test::query_text(path, std::string("SELECT count(*) FROM sqlite_schema WHERE name='") + table + "'"), "1")
        << table;
  }
}

// Builds the version-1 fixture (tests/schema/fixtures/v1_lab.sql) into a database file.
void make_v1_database(const std::string& path) {
  std::ifstream in(std::string(CYCLERD_SOURCE_DIR) + "/tests/schema/fixtures/v1_lab.sql");
  ASSERT_TRUE(in) << "fixture missing";
  std::stringstream script;
  script << in.rdbuf();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, script.str().c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  ASSERT_EQ(test::query_text(path, "PRAGMA user_version"), "1");
}

bool has_column(const std::string& path, const std::string& table, const std::string& column) {
  return test::query_text(path, "SELECT count(*) FROM pragma_table_info('" + table + "') WHERE name='" + column +
                                    "'") == "1";
}

TEST(Migrations, VersionOneFixtureOpensAndUpgrades) {
  test::TempDir dir;
  const auto path = dir.file("v1.sqlite");
  make_v1_database(path);
  {
    Writer writer(path);  // upgrades on open
    const auto more = writer.submit(test::sample_batch(1, 2, 10));  // the old run goes on from index 2
    EXPECT_TRUE(writer.wait_acknowledged(more.sequence, std::chrono::seconds(5)));
  }
  EXPECT_EQ(test::query_text(path, "PRAGMA user_version"), std::to_string(current_schema_version()));
  EXPECT_EQ(test::query_text(path, "PRAGMA integrity_check"), "ok");
  Reader reader(path);
  const auto run = reader.run(1);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->state, "completed");
  EXPECT_EQ(run->sample_count, 12);
  const auto rows = reader.samples(1).rows;
  EXPECT_FALSE(rows[0].temperature_C.has_value());
  EXPECT_EQ(rows[1].temperature_C, 25.0);
}

TEST(Migrations, UpgradeToTwoKeepsVersionOneAnalysisRowsAndMakesTheKeyUsable) {
  test::TempDir dir;
  const auto path = dir.file("v1.sqlite");
  make_v1_database(path);
  ASSERT_FALSE(has_column(path, "analysis_results", "key"));
  {
    Writer writer(path);
    RecordBatch b;
    b.analyses.push_back({1, "summary", "", 1.7e9, R"({"retention": 0.9})", nullptr, 0});
    b.analyses.push_back({1, "summary", "", 1.7e9 + 1, R"({"retention": 0.8})", nullptr, 0});  // replaces the first
    b.analyses.push_back({1, "cycles", "1", 1.7e9, R"({"cycle_index": 1})", nullptr, 0});
    ASSERT_TRUE(writer.submit(std::move(b)).accepted());
    ASSERT_TRUE(writer.flush());
    RecordBatch later;
    later.analyses.push_back({1, "cycles", "1", 1.7e9 + 2, R"({"cycle_index": 1, "final": true})", nullptr, 0});
    ASSERT_TRUE(writer.submit(std::move(later)).accepted());
    ASSERT_TRUE(writer.flush());
  }
  EXPECT_EQ(test::query_text(path, "PRAGMA user_version"), "2");
  EXPECT_TRUE(has_column(path, "analysis_results", "key"));
  Reader reader(path);
  // Both appended v1 rows survive, each under its own key, in their old order.
  const auto drt = reader.analyses(1, {"drt"});
  ASSERT_EQ(drt.size(), 2u);
  EXPECT_EQ(drt[0].result_json, R"({"peaks": [1]})");
  EXPECT_EQ(drt[1].result_json, R"({"peaks": [2]})");
  EXPECT_NE(drt[0].key, drt[1].key);
  // One row per key: the latest.
  const auto summary = reader.analyses(1, {"summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].result_json, R"({"retention": 0.8})");
  const auto cycles = reader.analyses(1, {"cycles"});
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0].result_json, R"({"cycle_index": 1, "final": true})");
  EXPECT_EQ(reader.analyses(1).size(), 4u);
}

TEST(Migrations, FailingMigrationRollsEveryStepBackAndLeavesVersionOne) {
  test::TempDir dir;
  const auto path = dir.file("v1.sqlite");
  make_v1_database(path);
  // The real migrations plus one that fails half way: 002 ran in the same transaction, so it goes too.
  std::vector<Migration> list = migrations();
  list.push_back({current_schema_version() + 1, "999_broken",
                  "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);"});
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  try {
    migrate(db, path, list);
    ADD_FAILURE() << "the broken migration was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::storage_error);
    EXPECT_NE(std::string(e.what()).find("999_broken"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
  }
  sqlite3_close(db);
  EXPECT_EQ(test::query_text(path, "PRAGMA user_version"), "1");
  EXPECT_FALSE(has_column(path, "analysis_results", "key"));
  EXPECT_EQ(test::query_text(path, "SELECT count(*) FROM sqlite_schema WHERE name='half_done'"), "0");
  EXPECT_EQ(test::query_text(path, "SELECT count(*) FROM analysis_results"), "2");
  EXPECT_EQ(test::query_text(path, "PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace cyclerd::store

// Migrations: embedded, numbered without gaps, applied on open; an old database opens and upgrades.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

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

TEST(Migrations, VersionOneFixtureOpensAndUpgrades) {
  test::TempDir dir;
  const auto path = dir.file("v1.sqlite");
  std::ifstream in(std::string(CYCLERD_SOURCE_DIR) + "/tests/schema/fixtures/v1_lab.sql");
  ASSERT_TRUE(in) << "fixture missing";
  std::stringstream script;
  script << in.rdbuf();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, script.str().c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  ASSERT_EQ(test::query_text(path, "PRAGMA user_version"), "1");

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

}  // namespace
}  // namespace cyclerd::store

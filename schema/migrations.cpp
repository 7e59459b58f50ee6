#include "schema/migrations.hpp"

#include <sqlite3.h>

#include "core/error.hpp"
#include "schema/database.hpp"

namespace cyclerd::store {

int current_schema_version() { return migrations().empty() ? 0 : migrations().back().version; }

int schema_version(sqlite3* db, const std::string& path) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(db, rc, path, "reading the schema version");
  rc = sqlite3_step(stmt);
  const int version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) throw_sqlite(db, rc, path, "reading the schema version");
  return version;
}

namespace {
void exec_or_throw(sqlite3* db, const std::string& sql, const std::string& path, std::string_view doing) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  const std::string why = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  throw Error(ErrorCode::storage_error, std::string(doing) + ": " + why, path);
}
}  // namespace

void migrate(sqlite3* db, const std::string& path) { migrate(db, path, migrations()); }

void migrate(sqlite3* db, const std::string& path, const std::vector<Migration>& list) {
  // IMMEDIATE: take the write lock before reading the version, so two processes cannot both migrate.
  exec_or_throw(db, "BEGIN IMMEDIATE", path, "starting the schema upgrade");
  try {
    const int from = schema_version(db, path);
    const int to = list.empty() ? 0 : list.back().version;
    if (from > to) {
      throw Error(ErrorCode::storage_error,
                  "schema version " + std::to_string(from) + " is newer than this cyclerd knows (" +
                      std::to_string(to) + "); use a newer cyclerd",
                  path);
    }
    for (const auto& m : list) {
      if (m.version <= from) continue;
      exec_or_throw(db, m.sql, path, std::string("applying migration ") + m.name);
      exec_or_throw(db, "PRAGMA user_version=" + std::to_string(m.version), path, "recording the schema version");
    }
    exec_or_throw(db, "COMMIT", path, "committing the schema upgrade");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace cyclerd::store

// The schema as numbered migrations embedded at build time, and their application on open.
#pragma once

#include <string>
#include <vector>

struct sqlite3;

namespace cyclerd::store {

// One migration: schema/migrations/NNN_name.sql.
struct Migration {
  int version;       // NNN: the schema version the database has after this migration
  const char* name;  // the file name without extension
  const char* sql;   // the file's text
};

// Every migration, in version order (generated from schema/migrations/ at build time).
const std::vector<Migration>& migrations();

// The schema version this code writes: the last migration's number.
int current_schema_version();

// Brings the database to current_schema_version() in one transaction, or throws storage_error naming `path`
// (a newer version than this code, or a failed migration, which leaves the database unchanged).
void migrate(sqlite3* db, const std::string& path);
// The same with an explicit list of migrations in version order (tests use it to show a failing one rolls
// every step back).
void migrate(sqlite3* db, const std::string& path, const std::vector<Migration>& list);

// The database's schema version (PRAGMA user_version).
int schema_version(sqlite3* db, const std::string& path);

}  // namespace cyclerd::store

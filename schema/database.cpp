#include "schema/database.hpp"

#include <filesystem>
#include <utility>

#include <sqlite3.h>

#include "core/error.hpp"
#include "schema/migrations.hpp"

namespace cyclerd::store {

void throw_sqlite(sqlite3* db, int rc, const std::string& path, std::string_view doing) {
  std::string message(doing);
  message += ": ";
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (SQLite code " + std::to_string(rc) + ")";
  throw Error(ErrorCode::storage_error, message, path);
}

std::int64_t wal_size_bytes(const std::string& db_path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(db_path + "-wal", ec);
  return ec ? 0 : static_cast<std::int64_t>(size);
}

Statement::Statement(sqlite3* db, std::string_view sql, const std::string* path) : path_(path) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt_, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(db, rc, *path, "preparing \"" + std::string(sql.substr(0, 60)) + "\"");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), path_(other.path_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    path_ = other.path_;
  }
  return *this;
}

Statement& Statement::bind(int pos, double value) {
  sqlite3_bind_double(stmt_, pos, value);
  return *this;
}
Statement& Statement::bind(int pos, std::int64_t value) {
  sqlite3_bind_int64(stmt_, pos, value);
  return *this;
}
Statement& Statement::bind(int pos, std::string_view text) {
  sqlite3_bind_text(stmt_, pos, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int pos, const std::optional<double>& value) {
  return value ? bind(pos, *value) : bind_null(pos);
}
Statement& Statement::bind(int pos, const std::optional<std::string>& value) {
  return value ? bind(pos, std::string_view(*value)) : bind_null(pos);
}
Statement& Statement::bind_null(int pos) {
  sqlite3_bind_null(stmt_, pos);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  const std::string sql = sqlite3_sql(stmt_) ? std::string(sqlite3_sql(stmt_)).substr(0, 60) : "";
  sqlite3_reset(stmt_);
  throw_sqlite(db, rc, *path_, "running \"" + sql + "\"");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::int64_t Statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
std::string Statement::column_text(int col) const {
  const auto* text = sqlite3_column_text(stmt_, col);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
              : std::string();
}
bool Statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::optional<double> Statement::column_optional_double(int col) const {
  if (column_is_null(col)) return std::nullopt;
  return column_double(col);
}
std::optional<std::string> Statement::column_optional_text(int col) const {
  if (column_is_null(col)) return std::nullopt;
  return column_text(col);
}

Connection::Connection(std::string path, OpenMode mode) : path_(std::move(path)) {
  const int flags = mode == OpenMode::read_write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  int rc = sqlite3_open_v2(path_.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(ErrorCode::storage_error, "cannot open the database: " + why, path_);
  }
  sqlite3_extended_result_codes(db_, 1);
  try {
    // Readers wait for a writer's brief locks rather than fail; 5 s is far beyond any batch commit.
    sqlite3_busy_timeout(db_, 5000);
    // The first read of the header: a file that is not SQLite fails here, not later.
    rc = sqlite3_exec(db_, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      const int primary = rc & 0xff;
      if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
        throw Error(ErrorCode::storage_error, "not an SQLite database, or a corrupt one (" +
                                                  std::string(sqlite3_errmsg(db_)) + ")", path_);
      }
      throw_sqlite(db_, rc, path_, "reading the database header");
    }
    if (mode == OpenMode::read_write) {
      if (sqlite3_db_readonly(db_, "main") == 1) {
        throw Error(ErrorCode::storage_error,
                    "the database file is read-only; cyclerd needs to write it (check its permissions)", path_);
      }
      migrate(db_, path_);
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA foreign_keys=ON");
    } else {
      const int version = schema_version(db_, path_);
      if (version != current_schema_version()) {
        throw Error(ErrorCode::storage_error,
                    "schema version " + std::to_string(version) + " but this cyclerd reads version " +
                        std::to_string(current_schema_version()) +
                        (version < current_schema_version() ? " (open it read-write once to upgrade it)"
                                                            : " (the database is newer than this cyclerd)"),
                    path_);
      }
    }
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() { sqlite3_close_v2(db_); }

void Connection::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, path_, "running \"" + text.substr(0, 60) + "\"");
}

Statement Connection::prepare(std::string_view sql) { return Statement(db_, sql, &path_); }

std::int64_t Connection::query_int(std::string_view sql) {
  auto stmt = prepare(sql);
  return stmt.step() ? stmt.column_int(0) : 0;
}

}  // namespace cyclerd::store

// A thin RAII layer over one SQLite connection: open with checks, prepared statements, errors that name the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace cyclerd::store {

// How a connection opens its database.
enum class OpenMode {
  read_write,  // creates the file if missing, migrates to the current schema, refuses a read-only file
  read_only,   // never writes; refuses a database whose schema is not the one this code knows
};

// A prepared statement; bind by 1-based position, step, read columns by 0-based position.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, const std::string* path);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;

  Statement& bind(int pos, double value);
  Statement& bind(int pos, std::int64_t value);
  Statement& bind(int pos, int value) { return bind(pos, static_cast<std::int64_t>(value)); }
  Statement& bind(int pos, std::string_view text);
  Statement& bind(int pos, const char* text) { return bind(pos, std::string_view(text)); }
  Statement& bind(int pos, const std::string& text) { return bind(pos, std::string_view(text)); }
  // Binds NULL when the value is missing.
  Statement& bind(int pos, const std::optional<double>& value);
  Statement& bind(int pos, const std::optional<std::string>& value);
  Statement& bind_null(int pos);

  // Advances; true while a row is available. Throws storage_error on failure.
  bool step();
  // Runs to completion (for statements without rows) and resets for reuse.
  void run();
  // Clears the last execution so the statement can be bound and stepped again.
  void reset();

  double column_double(int col) const;
  std::int64_t column_int(int col) const;
  std::string column_text(int col) const;
  std::optional<double> column_optional_double(int col) const;
  std::optional<std::string> column_optional_text(int col) const;
  bool column_is_null(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  const std::string* path_ = nullptr;  // the owning connection's file, for error messages
};

// One SQLite connection; not thread-safe: each thread uses its own.
class Connection {
 public:
  // Opens `path`; throws storage_error naming the file if it is not a usable cyclerd database.
  Connection(std::string path, OpenMode mode);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results.
  void exec(std::string_view sql);
  // Prepares a statement on this connection.
  Statement prepare(std::string_view sql);
  // The first column of the first row of a query, as an integer.
  std::int64_t query_int(std::string_view sql);

  const std::string& path() const noexcept { return path_; }
  sqlite3* handle() const noexcept { return db_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// Throws a storage_error naming `path` for an SQLite result code, with SQLite's own message.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, const std::string& path, std::string_view doing);

// The size of the WAL file beside the database, in bytes (0 when there is none).
std::int64_t wal_size_bytes(const std::string& db_path);

}  // namespace cyclerd::store

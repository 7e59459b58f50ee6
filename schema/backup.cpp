#include "schema/backup.hpp"

#include <filesystem>

#include <sqlite3.h>

#include "core/error.hpp"
#include "schema/database.hpp"

namespace cyclerd::store {

void backup_database(const std::string& source, const std::string& destination) {
  Connection from(source, OpenMode::read_only);
  std::error_code ec;
  std::filesystem::remove(destination, ec);
  std::filesystem::remove(destination + "-wal", ec);
  sqlite3* to = nullptr;
  int rc = sqlite3_open_v2(destination.c_str(), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(to);
    throw Error(ErrorCode::storage_error, "cannot create the backup file", destination);
  }
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from.handle(), "main");
  if (!backup) {
    const std::string why = sqlite3_errmsg(to);
    sqlite3_close_v2(to);
    throw Error(ErrorCode::storage_error, "cannot start the backup: " + why, destination);
  }
  // All pages in one step: the copy is one read snapshot of the source, so the writer never restarts it,
  // and the writer is not blocked (WAL readers do not block writers).
  rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    const std::string why = sqlite3_errstr(rc);
    sqlite3_close_v2(to);
    throw Error(ErrorCode::storage_error, "the backup failed: " + why, destination);
  }
  sqlite3_stmt* check = nullptr;
  std::string result;
  if (sqlite3_prepare_v2(to, "PRAGMA integrity_check", -1, &check, nullptr) == SQLITE_OK &&
      sqlite3_step(check) == SQLITE_ROW) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
  }
  sqlite3_finalize(check);
  sqlite3_close_v2(to);
  if (result != "ok") throw Error(ErrorCode::storage_error, "the backup fails its integrity check: " + result, destination);
}

}  // namespace cyclerd::store

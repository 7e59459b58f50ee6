// Bad database files: each a clear storage_error that names the file; nothing crashes, nothing is changed.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "schema/reader.hpp"
#include "schema/writer.hpp"
#include "tests/schema/storage_test_support.hpp"

namespace cyclerd::store {
namespace {

// Runs `open` and returns the storage_error it must throw.
template <typename F>
Error storage_error_of(F open) {
  try {
    open();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::storage_error);
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorCode::internal, "none");
}

TEST(BadInput, NonSqliteFileIsAStorageErrorNamingTheFile) {
  test::TempDir dir;
  const auto path = dir.file("notes.txt");
  std::ofstream(path) << "this is a lab notebook, not a database\n" << std::string(5000, 'x');
  const auto e = storage_error_of([&] { Writer w(path); });
  EXPECT_EQ(e.where(), path);
  EXPECT_NE(e.message().find("not an SQLite database"), std::string::npos) << e.what();
  const auto r = storage_error_of([&] { Reader reader(path); });
  EXPECT_EQ(r.where(), path);
}

TEST(BadInput, CorruptHeaderIsAStorageError) {
  test::TempDir dir;
  const auto path = dir.file("lab.sqlite");
  { Writer w(path); }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f << "garbage garbage!";  // the 16-byte magic string
  }
  const auto e = storage_error_of([&] { Writer w(path); });
  EXPECT_EQ(e.where(), path);
}

TEST(BadInput, NewerSchemaVersionIsRefused) {
  test::TempDir dir;
  const auto path = dir.file("lab.sqlite");
  { Writer w(path); }
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  const auto e = storage_error_of([&] { Writer w(path); });
  EXPECT_EQ(e.where(), path);
  EXPECT_NE(e.message().find("schema version 99 is newer"), std::string::npos) << e.what();
  EXPECT_EQ(test::query_text(path, "PRAGMA user_version"), "99") << "left unchanged";
  EXPECT_NE(storage_error_of([&] { Reader r(path); }).message().find("newer"), std::string::npos);
}

TEST(BadInput, ReadOnlyFileIsRefusedForWriting) {
  test::TempDir dir;
  const auto path = dir.file("lab.sqlite");
  { Writer w(path); }
  ::chmod(path.c_str(), 0444);
  bool immutable = false;
  if (::access(path.c_str(), W_OK) == 0) {
    // Root ignores permissions: make the file immutable instead, where the filesystem allows it.
    const int fd = ::open(path.c_str(), O_RDONLY);
    int flags = 0;
    if (fd >= 0 && ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
      flags |= FS_IMMUTABLE_FL;
      immutable = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    if (fd >= 0) ::close(fd);
    if (!immutable) GTEST_SKIP() << "running as root on a filesystem without the immutable flag";
  }
  const auto e = storage_error_of([&] { Writer w(path); });
  EXPECT_EQ(e.where(), path);
  EXPECT_NE(e.message().find("read-only"), std::string::npos) << e.what();
  if (immutable) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    int flags = 0;
    ::ioctl(fd, FS_IOC_GETFLAGS, &flags);
    flags &= ~FS_IMMUTABLE_FL;
    ::ioctl(fd, FS_IOC_SETFLAGS, &flags);
    ::close(fd);
  }
}

TEST(BadInput, MissingFileIsAStorageErrorForReaders) {
  test::TempDir dir;
  const auto path = dir.file("nothing-here.sqlite");
  EXPECT_EQ(storage_error_of([&] { Reader r(path); }).where(), path);
}

}  // namespace
}  // namespace cyclerd::store

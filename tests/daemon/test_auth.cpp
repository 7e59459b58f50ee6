// The token file: format, errors with file:line, lookups, roles.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "daemon/auth.hpp"

namespace cyclerd {
namespace {

TEST(TokenFile, ReadsRolesTokensAndNamesWithCommentsAndBlankLines) {
  const auto store = TokenStore::parse(
      "# lab tokens\n\noperator aaaaaaaaaaaaaaaa1 Ana Costa  # the night shift\n  viewer bbbbbbbbbbbbbbbb2 dashboard\r\n",
      "tokens.txt");
  EXPECT_EQ(store.size(), 2u);
  const auto ana = store.authenticate("aaaaaaaaaaaaaaaa1");
  ASSERT_TRUE(ana);
  EXPECT_EQ(ana->name, "Ana Costa");
  EXPECT_EQ(ana->role, rpc::Role::operator_);
  EXPECT_EQ(store.authenticate("bbbbbbbbbbbbbbbb2")->role, rpc::Role::viewer);
  EXPECT_FALSE(store.authenticate("bbbbbbbbbbbbbbbb"));
  EXPECT_FALSE(store.authenticate(""));
}

void expect_error_at(const std::string& text, const std::string& where, const std::string& says) {
  try {
    TokenStore::parse(text, "tokens.txt");
    FAIL() << "accepted: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), where) << e.what();
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
  }
}

TEST(TokenFile, BadLinesAreErrorsWithFileAndLine) {
  expect_error_at("# x\nadmin aaaaaaaaaaaaaaaa1 root\n", "tokens.txt:2", "unknown role");
  expect_error_at("viewer aaaaaaaaaaaaaaaa1\n", "tokens.txt:1", "ROLE TOKEN NAME");
  expect_error_at("\n\noperator short ana\n", "tokens.txt:3", "too short");
  expect_error_at("viewer aaaaaaaaaaaaaaaa1 a\nviewer aaaaaaaaaaaaaaaa1 b\n", "tokens.txt:2", "repeated");
}

TEST(TokenFile, MissingFileIsNotFoundNamingIt) {
  try {
    TokenStore::load("/nonexistent/tokens.txt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_EQ(e.where(), "/nonexistent/tokens.txt");
  }
}

TEST(TokenCompare, EqualOnlyForTheSameBytes) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(Roles, OperatorIncludesViewerIncludesAnyone) {
  rpc::Caller op{"a", rpc::Role::operator_, 0, {}};
  rpc::Caller viewer{"b", rpc::Role::viewer, 0, {}};
  EXPECT_TRUE(op.may(rpc::Role::viewer));
  EXPECT_TRUE(op.may(rpc::Role::operator_));
  EXPECT_TRUE(viewer.may(rpc::Role::anyone));
  EXPECT_FALSE(viewer.may(rpc::Role::operator_));
  EXPECT_EQ(parse_role("operator"), rpc::Role::operator_);
  EXPECT_FALSE(parse_role("admin"));
}

}  // namespace
}  // namespace cyclerd

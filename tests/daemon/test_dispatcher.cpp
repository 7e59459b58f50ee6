// The transport-free JSON-RPC dispatcher: the role gate, parameter checks, error mapping, limits, and a
// seeded fuzz loop that only asks for valid JSON out (or nothing) and no exception.
#include <random>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "daemon/rpc/dispatcher.hpp"

namespace cyclerd::rpc {
namespace {

using nlohmann::json;

class Dispatch : public ::testing::Test {
 protected:
  Dispatch() : tokens_(TokenStore::parse("operator op-0123456789abcdef Ana\nviewer view-0123456789abcdef dash\n", "t")) {
    table_.add({.name = "daemon.info", .role = Role::viewer, .params = {},
                .handler = [](const json&, const Caller&) { return json{{"name", "cyclerd"}}; }, .summary = ""});
    // A stand-in for the Lab's mutating methods: needs the operator role, records who called.
    table_.add({.name = "runs.pause", .role = Role::operator_,
                .params = {{"run_id", ParamType::integer, true, "the run"}, {"reason", ParamType::string, false, ""}},
                .handler = [this](const json& params, const Caller& who) {
                  last_caller_ = who.name;
                  return json{{"run_id", params["run_id"]}, {"by", who.name}};
                },
                .summary = ""});
    table_.add({.name = "runs.get", .role = Role::viewer, .params = {{"run_id", ParamType::integer, true, ""}},
                .handler = [](const json&, const Caller&) -> json {
                  throw Error(ErrorCode::not_found, "no run 42");
                },
                .summary = ""});
    table_.add({.name = "runs.crash", .role = Role::viewer, .params = {},
                .handler = [](const json&, const Caller&) -> json { throw std::runtime_error("secret detail"); },
                .summary = ""});
  }
  json call(const std::string& text, Connection& c, bool required = true) {
    Dispatcher d(table_, &tokens_, required);
    const auto out = d.handle(text, c);
    return out ? json::parse(*out) : json(nullptr);
  }
  static std::string req(const std::string& method, const json& params, int id = 1) {
    return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", id}}.dump();
  }
  static int code(const json& r) { return r.contains("error") ? r["error"]["code"].get<int>() : 0; }

  MethodTable table_;
  TokenStore tokens_;
  std::string last_caller_;
};

TEST_F(Dispatch, UnauthenticatedCallerIsUnauthorizedForViewerAndOperatorMethods) {
  Connection c;
  EXPECT_EQ(code(call(req("daemon.info", json::object()), c)), -32001);
  EXPECT_EQ(code(call(req("runs.pause", {{"run_id", 1}}), c)), -32001);
  EXPECT_TRUE(last_caller_.empty());
}

TEST_F(Dispatch, ViewerIsForbiddenFromOperatorMethods) {
  Connection c;
  EXPECT_EQ(call(req("auth.login", {{"token", "view-0123456789abcdef"}}), c)["result"]["role"], "viewer");
  const auto r = call(req("runs.pause", {{"run_id", 1}}), c);
  EXPECT_EQ(code(r), -32002);
  EXPECT_EQ(r["error"]["data"]["code"], "forbidden");
  EXPECT_TRUE(last_caller_.empty());
  EXPECT_EQ(call(req("daemon.info", json::object()), c)["result"]["name"], "cyclerd");
}

TEST_F(Dispatch, OperatorCallsMutatingMethodsUnderItsName) {
  Connection c;
  call(req("auth.login", {{"token", "op-0123456789abcdef"}}), c);
  EXPECT_EQ(call(req("runs.pause", {{"run_id", 5}}), c)["result"], (json{{"run_id", 5}, {"by", "Ana"}}));
  EXPECT_EQ(last_caller_, "Ana");
}

TEST_F(Dispatch, WithoutRequiredAuthAnonymousIsAnOperator) {
  Connection c;
  EXPECT_EQ(call(req("runs.pause", {{"run_id", 5}}), c, false)["result"]["by"], "anonymous");
}

TEST_F(Dispatch, ParametersAreCheckedBeforeTheHandlerWithEveryProblem) {
  Connection c;
  call(req("auth.login", {{"token", "op-0123456789abcdef"}}), c);
  const auto r = call(req("runs.pause", {{"run_id", "x"}, {"colour", 1}}), c);
  EXPECT_EQ(code(r), -32602);
  const auto& errors = r["error"]["data"]["errors"];
  ASSERT_EQ(errors.size(), 2u) << r;
  EXPECT_EQ(errors[0]["pointer"], "/colour");
  EXPECT_EQ(errors[1]["pointer"], "/run_id");
  EXPECT_EQ(code(call(req("runs.pause", json::object()), c)), -32602);
  EXPECT_EQ(code(call(req("runs.pause", json::array({1})), c)), -32602);
  EXPECT_TRUE(last_caller_.empty());
}

TEST_F(Dispatch, LowerLayerErrorsMapToApplicationCodesAndBugsHideTheirDetail) {
  Connection c;
  call(req("auth.login", {{"token", "view-0123456789abcdef"}}), c);
  const auto missing = call(req("runs.get", {{"run_id", 42}}), c);
  EXPECT_EQ(code(missing), -32003);
  EXPECT_EQ(missing["error"]["data"]["code"], "not_found");
  const auto crash = call(req("runs.crash", json::object()), c);
  EXPECT_EQ(code(crash), -32603);
  EXPECT_EQ(crash.dump().find("secret"), std::string::npos);
}

TEST_F(Dispatch, NotificationsAreExecutedButNeverAnswered) {
  Connection c;
  call(req("auth.login", {{"token", "op-0123456789abcdef"}}), c);
  EXPECT_TRUE(call(R"({"jsonrpc":"2.0","method":"runs.pause","params":{"run_id":1}})", c).is_null());
  EXPECT_EQ(last_caller_, "Ana");
  EXPECT_TRUE(call(R"({"jsonrpc":"2.0","method":"runs.crash"})", c).is_null());
  EXPECT_TRUE(call(R"({"jsonrpc":"2.0","method":"nope"})", c).is_null());
}

TEST_F(Dispatch, InvalidIdsAndMembersAreInvalidRequests) {
  Connection c;
  EXPECT_EQ(code(call(R"({"jsonrpc":"2.0","method":"daemon.info","id":{"a":1}})", c)), -32600);
  EXPECT_EQ(code(call(R"({"jsonrpc":"2.0","method":"daemon.info","id":1,"extra":2})", c)), -32600);
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"daemon.info","id":1,"extra":2})", c)["id"], 1);
  EXPECT_EQ(code(call(R"({"method":"daemon.info","id":1})", c)), -32600);
  EXPECT_EQ(code(call(R"({"jsonrpc":2.0,"method":"daemon.info","id":1})", c)), -32600);
}

TEST_F(Dispatch, DeepNestingOversizedBatchesAndBadUtf8AreRefusedWithoutCrashing) {
  Connection c;
  EXPECT_EQ(code(call(std::string(100000, '[') + std::string(100000, ']'), c)), -32600);
  std::string batch = "[";
  for (std::size_t i = 0; i <= kMaxBatchLength; ++i) batch += (i ? ",1" : "1");
  batch += "]";
  const auto r = call(batch, c);
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(code(r), -32600);
  EXPECT_EQ(code(call("\"\xff\"", c)), -32700);
  EXPECT_EQ(code(call(std::string(kMaxMessageBytes + 1, ' '), c)), -32600);
}

TEST_F(Dispatch, FuzzedMessagesGiveValidJsonOrNothing) {
  const std::vector<std::string> seeds = {
      R"({"jsonrpc":"2.0","method":"runs.pause","params":{"run_id":1},"id":1})",
      R"([{"jsonrpc":"2.0","method":"daemon.info","id":"a"},{"jsonrpc":"2.0","method":"auth.login","params":{"token":"x"}}])",
      R"({"jsonrpc":"2.0","method":"auth.login","params":{"token":"op-0123456789abcdef"},"id":null})"};
  std::mt19937 rng(12345);
  const char alphabet[] = "{}[]\",:0123456789.-eE truefalsnul\\\x80\xff";
  Dispatcher d(table_, &tokens_, true);
  for (int i = 0; i < 20000; ++i) {
    std::string text = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const auto pos = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[pos] = alphabet[rng() % (sizeof alphabet - 1)]; break;
        case 1: text.erase(pos, 1 + rng() % 4); break;
        default: text.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
      }
    }
    Connection c;
    std::optional<std::string> out;
    ASSERT_NO_THROW(out = d.handle(text, c)) << text;
    if (out) {
      ASSERT_FALSE(json::parse(*out, nullptr, false).is_discarded()) << text;
    }
  }
}

}  // namespace
}  // namespace cyclerd::rpc

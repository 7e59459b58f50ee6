// Every example of section 7 of the JSON-RPC 2.0 specification, sent to the real cyclerd over TCP, with
// daemon.info standing in for the example methods cyclerd does not have (subtract, sum, update,
// notify_hello, get_data). cyclerd's parameters are named, so the examples' positional params are sent
// as an object or left out where they would only be arguments of the example method.
#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

class JsonRpcSpec : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { daemon_ = new Daemon(); }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  static Daemon* daemon_;
};
Daemon* JsonRpcSpec::daemon_ = nullptr;

void expect_error(const json& response, int code, const json& id) {
  ASSERT_TRUE(response.is_object()) << response;
  EXPECT_EQ(response.at("jsonrpc"), "2.0");
  EXPECT_EQ(response.at("error").at("code"), code) << response;
  EXPECT_TRUE(response.at("error").at("message").is_string());
  EXPECT_EQ(response.at("id"), id) << response;
  EXPECT_FALSE(response.contains("result"));
}

void expect_info_result(const json& response, const json& id) {
  ASSERT_TRUE(response.is_object()) << response;
  EXPECT_EQ(response.at("jsonrpc"), "2.0");
  EXPECT_EQ(response.at("id"), id);
  EXPECT_EQ(response.at("result").at("name"), "cyclerd") << response;
  EXPECT_FALSE(response.contains("error"));
}

// "rpc call with positional parameters" (subtract [42, 23]): cyclerd's params are named, so positional
// parameters are -32602 invalid params, answered with the request's id.
TEST_F(JsonRpcSpec, CallWithPositionalParametersIsInvalidParams) {
  Client client(daemon_->port());
  expect_error(client.call(R"({"jsonrpc": "2.0", "method": "daemon.info", "params": [42, 23], "id": 1})"), -32602, 1);
  expect_error(client.call(R"({"jsonrpc": "2.0", "method": "daemon.info", "params": [23, 42], "id": 2})"), -32602, 2);
}

// "rpc call with named parameters": the result comes back with the same id (3 and 4 in the spec).
TEST_F(JsonRpcSpec, CallWithNamedParametersAnswersWithTheId) {
  Client client(daemon_->port());
  expect_info_result(client.call(R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {}, "id": 3})"), 3);
  expect_info_result(client.call(R"({"jsonrpc": "2.0", "method": "daemon.info", "id": 4})"), 4);
  // String ids are echoed as strings; unknown named parameters are -32602.
  expect_info_result(client.call(R"({"jsonrpc": "2.0", "method": "daemon.info", "id": "abc"})"), "abc");
  expect_error(client.call(R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {"subtrahend": 23}, "id": 5})"),
               -32602, 5);
}

// "a Notification": no answer at all, whether the method exists or not. The next answer on the
// connection is the one of the request sent after the notifications.
TEST_F(JsonRpcSpec, NotificationsGetNoAnswer) {
  Client client(daemon_->port());
  ASSERT_TRUE(client.send_line(R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {}})"));
  ASSERT_TRUE(client.send_line(R"({"jsonrpc": "2.0", "method": "foobar"})"));
  ASSERT_TRUE(client.send_line(R"({"jsonrpc": "2.0", "method": "daemon.info", "params": [1, 2, 3, 4, 5]})"));
  expect_info_result(client.call(R"({"jsonrpc": "2.0", "method": "daemon.info", "id": 10})"), 10);
  EXPECT_FALSE(client.read_line(std::chrono::milliseconds(200)).has_value());
}

// "rpc call of non-existent method".
TEST_F(JsonRpcSpec, NonExistentMethodIsMethodNotFound) {
  Client client(daemon_->port());
  expect_error(client.call(R"({"jsonrpc": "2.0", "method": "foobar", "id": "1"})"), -32601, "1");
}

// "rpc call with invalid JSON".
TEST_F(JsonRpcSpec, InvalidJsonIsParseErrorWithNullId) {
  Client client(daemon_->port());
  expect_error(client.call(R"({"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz])"), -32700, nullptr);
}

// "rpc call with invalid Request object".
TEST_F(JsonRpcSpec, InvalidRequestObjectIsInvalidRequestWithNullId) {
  Client client(daemon_->port());
  expect_error(client.call(R"({"jsonrpc": "2.0", "method": 1, "params": "bar"})"), -32600, nullptr);
}

// "rpc call Batch, invalid JSON": one parse error, not an array.
TEST_F(JsonRpcSpec, BatchWithInvalidJsonIsOneParseError) {
  Client client(daemon_->port());
  expect_error(client.call(R"([{"jsonrpc": "2.0", "method": "daemon.info", "id": "1"},{"jsonrpc": "2.0", "method" ])"),
               -32700, nullptr);
}

// "rpc call with an empty Array": one invalid request, not an array.
TEST_F(JsonRpcSpec, EmptyBatchIsOneInvalidRequest) {
  Client client(daemon_->port());
  expect_error(client.call("[]"), -32600, nullptr);
}

// "rpc call with an invalid Batch (but not empty)": an array with one error.
TEST_F(JsonRpcSpec, InvalidBatchOfOneIsAnArrayOfOneError) {
  Client client(daemon_->port());
  const auto response = client.call("[1]");
  ASSERT_TRUE(response.is_array()) << response;
  ASSERT_EQ(response.size(), 1u);
  expect_error(response[0], -32600, nullptr);
}

// "rpc call with invalid Batch": one error per element.
TEST_F(JsonRpcSpec, InvalidBatchOfThreeIsAnArrayOfThreeErrors) {
  Client client(daemon_->port());
  const auto response = client.call("[1,2,3]");
  ASSERT_TRUE(response.is_array()) << response;
  ASSERT_EQ(response.size(), 3u);
  for (const auto& r : response) expect_error(r, -32600, nullptr);
}

// "rpc call Batch": results for the calls, nothing for the notification, an invalid request for
// {"foo": "boo"}, method not found for foo.get; matched by id (the order is not specified).
TEST_F(JsonRpcSpec, MixedBatchAnswersEveryCallButTheNotification) {
  Client client(daemon_->port());
  const auto response = client.call(
      R"([{"jsonrpc": "2.0", "method": "daemon.info", "params": {}, "id": "1"},)"
      R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {}},)"
      R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {}, "id": "2"},)"
      R"({"foo": "boo"},)"
      R"({"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},)"
      R"({"jsonrpc": "2.0", "method": "daemon.info", "id": "9"}])");
  ASSERT_TRUE(response.is_array()) << response;
  ASSERT_EQ(response.size(), 5u) << response;
  std::map<std::string, json> by_id;
  int null_ids = 0;
  for (const auto& r : response) {
    if (r.at("id").is_null()) {
      ++null_ids;
      expect_error(r, -32600, nullptr);
    } else {
      by_id[r.at("id").get<std::string>()] = r;
    }
  }
  EXPECT_EQ(null_ids, 1);
  expect_info_result(by_id.at("1"), "1");
  expect_info_result(by_id.at("2"), "2");
  expect_error(by_id.at("5"), -32601, "5");
  expect_info_result(by_id.at("9"), "9");
}

// "rpc call Batch (all notifications)": nothing is returned at all.
TEST_F(JsonRpcSpec, BatchOfOnlyNotificationsReturnsNothing) {
  Client client(daemon_->port());
  ASSERT_TRUE(client.send_line(R"([{"jsonrpc": "2.0", "method": "daemon.info", "params": {}},)"
                               R"({"jsonrpc": "2.0", "method": "daemon.info"}])"));
  EXPECT_FALSE(client.read_line(std::chrono::milliseconds(300)).has_value());
  // The connection still serves.
  expect_info_result(client.call(R"({"jsonrpc": "2.0", "method": "daemon.info", "id": 1})"), 1);
}

}  // namespace
}  // namespace cyclerd::test

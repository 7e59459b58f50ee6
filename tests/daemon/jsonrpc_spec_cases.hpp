// The examples of section 7 of the JSON-RPC 2.0 specification as one table, so that every transport
// (TCP lines, HTTP POST /rpc, WebSocket /ws) is tested against the same requests and expectations.
// daemon.info stands in for the example methods cyclerd does not have (subtract, sum, update,
// notify_hello, get_data). cyclerd's parameters are named, so the examples' positional params are sent
// as an object or left out where they would only be arguments of the example method.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace cyclerd::test {

// One request of section 7 and what its answer must be.
struct SpecCase {
  std::string name;     // the example, as a test name
  std::string request;  // one message: a call, a notification or a batch
  // Checks the answer; empty when there must be no answer at all (notifications).
  std::function<void(const nlohmann::json&)> check;
};

inline void PrintTo(const SpecCase& spec_case, std::ostream* out) { *out << spec_case.name; }

inline std::string spec_case_name(const ::testing::TestParamInfo<SpecCase>& info) { return info.param.name; }

inline void expect_rpc_error(const nlohmann::json& response, int code, const nlohmann::json& id) {
  ASSERT_TRUE(response.is_object()) << response;
  EXPECT_EQ(response.at("jsonrpc"), "2.0");
  EXPECT_EQ(response.at("error").at("code"), code) << response;
  EXPECT_TRUE(response.at("error").at("message").is_string());
  EXPECT_EQ(response.at("id"), id) << response;
  EXPECT_FALSE(response.contains("result"));
}

inline void expect_info_result(const nlohmann::json& response, const nlohmann::json& id) {
  ASSERT_TRUE(response.is_object()) << response;
  EXPECT_EQ(response.at("jsonrpc"), "2.0");
  EXPECT_EQ(response.at("id"), id);
  EXPECT_EQ(response.at("result").at("name"), "cyclerd") << response;
  EXPECT_FALSE(response.contains("error"));
}

// Sent after a case whose answer must be nothing: on an ordered transport the next answer must be this
// one's, which shows that nothing came for the case without waiting for a timeout.
inline const std::string kSpecProbe = R"({"jsonrpc": "2.0", "method": "daemon.info", "id": "probe"})";

inline const std::vector<SpecCase>& spec_cases() {
  using nlohmann::json;
  static const std::vector<SpecCase> cases = {
      // "rpc call with positional parameters" (subtract [42, 23]): cyclerd's params are named, so
      // positional parameters are -32602 invalid params, answered with the request's id.
      {"PositionalParametersAreInvalidParams",
       R"({"jsonrpc": "2.0", "method": "daemon.info", "params": [42, 23], "id": 1})",
       [](const json& r) { expect_rpc_error(r, -32602, 1); }},
      {"PositionalParametersReversedAreInvalidParams",
       R"({"jsonrpc": "2.0", "method": "daemon.info", "params": [23, 42], "id": 2})",
       [](const json& r) { expect_rpc_error(r, -32602, 2); }},
      // "rpc call with named parameters": the result comes back with the same id.
      {"NamedParametersAnswerWithTheId", R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {}, "id": 3})",
       [](const json& r) { expect_info_result(r, 3); }},
      {"OmittedParametersAnswerWithTheId", R"({"jsonrpc": "2.0", "method": "daemon.info", "id": 4})",
       [](const json& r) { expect_info_result(r, 4); }},
      {"StringIdIsEchoedAsAString", R"({"jsonrpc": "2.0", "method": "daemon.info", "id": "abc"})",
       [](const json& r) { expect_info_result(r, "abc"); }},
      {"UnknownNamedParameterIsInvalidParams",
       R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {"subtrahend": 23}, "id": 5})",
       [](const json& r) { expect_rpc_error(r, -32602, 5); }},
      // "a Notification": no answer at all, whether the method exists or not, the params valid or not.
      {"NotificationGetsNoAnswer", R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {}})", nullptr},
      {"NotificationOfAnUnknownMethodGetsNoAnswer", R"({"jsonrpc": "2.0", "method": "foobar"})", nullptr},
      {"NotificationWithBadParamsGetsNoAnswer",
       R"({"jsonrpc": "2.0", "method": "daemon.info", "params": [1, 2, 3, 4, 5]})", nullptr},
      // "rpc call of non-existent method".
      {"NonExistentMethodIsMethodNotFound", R"({"jsonrpc": "2.0", "method": "foobar", "id": "1"})",
       [](const json& r) { expect_rpc_error(r, -32601, "1"); }},
      // "rpc call with invalid JSON".
      {"InvalidJsonIsParseErrorWithNullId", R"({"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz])",
       [](const json& r) { expect_rpc_error(r, -32700, nullptr); }},
      // "rpc call with invalid Request object".
      {"InvalidRequestObjectIsInvalidRequestWithNullId", R"({"jsonrpc": "2.0", "method": 1, "params": "bar"})",
       [](const json& r) { expect_rpc_error(r, -32600, nullptr); }},
      // "rpc call Batch, invalid JSON": one parse error, not an array.
      {"BatchWithInvalidJsonIsOneParseError",
       R"([{"jsonrpc": "2.0", "method": "daemon.info", "id": "1"},{"jsonrpc": "2.0", "method" ])",
       [](const json& r) { expect_rpc_error(r, -32700, nullptr); }},
      // "rpc call with an empty Array": one invalid request, not an array.
      {"EmptyBatchIsOneInvalidRequest", "[]", [](const json& r) { expect_rpc_error(r, -32600, nullptr); }},
      // "rpc call with an invalid Batch (but not empty)": an array with one error.
      {"InvalidBatchOfOneIsAnArrayOfOneError", "[1]",
       [](const json& r) {
         ASSERT_TRUE(r.is_array()) << r;
         ASSERT_EQ(r.size(), 1u);
         expect_rpc_error(r[0], -32600, nullptr);
       }},
      // "rpc call with invalid Batch": one error per element.
      {"InvalidBatchOfThreeIsAnArrayOfThreeErrors", "[1,2,3]",
       [](const json& r) {
         ASSERT_TRUE(r.is_array()) << r;
         ASSERT_EQ(r.size(), 3u);
         for (const auto& e : r) expect_rpc_error(e, -32600, nullptr);
       }},
      // "rpc call Batch": results for the calls, nothing for the notification, an invalid request for
      // {"foo": "boo"}, method not found for foo.get; matched by id (the order is not specified).
      {"MixedBatchAnswersEveryCallButTheNotification",
       R"([{"jsonrpc": "2.0", "method": "daemon.info", "params": {}, "id": "1"},)"
       R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {}},)"
       R"({"jsonrpc": "2.0", "method": "daemon.info", "params": {}, "id": "2"},)"
       R"({"foo": "boo"},)"
       R"({"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},)"
       R"({"jsonrpc": "2.0", "method": "daemon.info", "id": "9"}])",
       [](const json& r) {
         ASSERT_TRUE(r.is_array()) << r;
         ASSERT_EQ(r.size(), 5u) << r;
         std::map<std::string, json> by_id;
         int null_ids = 0;
         for (const auto& e : r) {
           if (e.at("id").is_null()) {
             ++null_ids;
             expect_rpc_error(e, -32600, nullptr);
           } else {
             by_id[e.at("id").get<std::string>()] = e;
           }
         }
         EXPECT_EQ(null_ids, 1);
         ASSERT_EQ(by_id.size(), 4u) << r;
         expect_info_result(by_id.at("1"), "1");
         expect_info_result(by_id.at("2"), "2");
         expect_rpc_error(by_id.at("5"), -32601, "5");
         expect_info_result(by_id.at("9"), "9");
       }},
      // "rpc call Batch (all notifications)": nothing is returned at all.
      {"BatchOfOnlyNotificationsReturnsNothing",
       R"([{"jsonrpc": "2.0", "method": "daemon.info", "params": {}},{"jsonrpc": "2.0", "method": "daemon.info"}])",
       nullptr},
  };
  return cases;
}

}  // namespace cyclerd::test

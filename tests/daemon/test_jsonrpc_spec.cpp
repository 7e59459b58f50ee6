// Every example of section 7 of the JSON-RPC 2.0 specification (jsonrpc_spec_cases.hpp), sent to the
// real cyclerd over TCP, one JSON text per line. test_http.cpp and test_websocket.cpp send the same
// table over HTTP and WebSocket.
#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"
#include "tests/daemon/jsonrpc_spec_cases.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

class JsonRpcSpecOverTcp : public ::testing::TestWithParam<SpecCase> {
 protected:
  static void SetUpTestSuite() { daemon_ = new Daemon(); }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  static Daemon* daemon_;
};
Daemon* JsonRpcSpecOverTcp::daemon_ = nullptr;

// The answer line of the case, or for a notification none: the next line is the probe's answer.
TEST_P(JsonRpcSpecOverTcp, Example) {
  const auto& spec = GetParam();
  Client client(daemon_->port());
  ASSERT_TRUE(client.send_line(spec.request));
  if (spec.check) {
    const auto line = client.read_line();
    ASSERT_TRUE(line.has_value()) << "no answer";
    spec.check(json::parse(*line));
  }
  expect_info_result(client.call(kSpecProbe), "probe");
}

INSTANTIATE_TEST_SUITE_P(Section7, JsonRpcSpecOverTcp, ::testing::ValuesIn(spec_cases()), spec_case_name);

}  // namespace
}  // namespace cyclerd::test

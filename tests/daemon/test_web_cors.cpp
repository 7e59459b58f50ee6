// CORS opened to named origins (`listen.allowed_origins`) on the real cyclerd: a listed origin's answers
// carry Access-Control-Allow-Origin, its preflight is answered and its WebSocket upgrade accepted, while
// any other origin stays refused (403) and gets no CORS header. Closed by default: test_http.cpp
// (HttpRouting) and test_websocket.cpp (WsOrigin). Bad origins and keys in the configuration are errors
// that name the key.
#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"
#include "tests/daemon/web_client.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;
using namespace web;

constexpr const char* kLab = "https://lab.example.org";
constexpr const char* kOther = "https://other.example.org";

std::string config_allowing(const json& origins) {
  return json{{"auth", {{"required", false}}}, {"listen", {{"allowed_origins", origins}}}}.dump();
}

bhttp::request<bhttp::string_body> request_from(const char* origin, bhttp::verb verb, const std::string& body = {}) {
  bhttp::request<bhttp::string_body> request{verb, "/rpc", 11};
  request.set(bhttp::field::origin, origin);
  request.body() = body;
  return request;
}

class Cors : public ::testing::Test {
 protected:
  Cors() : daemon_(config_allowing({kLab, "http://localhost:8080"}), http_args()) {}
  std::uint16_t port() const { return http_port(daemon_); }
  Daemon daemon_;
};

TEST_F(Cors, AListedOriginsPreflightIsAnsweredWithWhatItsCallsMayCarry) {
  HttpClient client(port());
  auto preflight = request_from(kLab, bhttp::verb::options);
  preflight.set(bhttp::field::access_control_request_method, "POST");
  preflight.set(bhttp::field::access_control_request_headers, "authorization, content-type");
  const auto response = client.send(preflight);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 204);
  EXPECT_EQ(response->at(bhttp::field::access_control_allow_origin), kLab);
  EXPECT_EQ(response->at(bhttp::field::access_control_allow_methods), "POST");
  const auto headers = std::string(response->at(bhttp::field::access_control_allow_headers));
  EXPECT_NE(headers.find("Authorization"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Content-Type"), std::string::npos) << headers;
  EXPECT_GT(std::stoi(std::string(response->at(bhttp::field::access_control_max_age))), 0);
  EXPECT_EQ(response->at(bhttp::field::vary), "Origin");
  EXPECT_TRUE(response->body().empty());
}

TEST_F(Cors, AListedOriginsCallsAndErrorsCarryAccessControlAllowOrigin) {
  HttpClient client(port());
  const auto call = client.send(request_from(kLab, bhttp::verb::post, kInfo));
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(call->result_int(), 200);
  EXPECT_EQ(json::parse(call->body())["result"]["name"], "cyclerd");
  EXPECT_EQ(call->at(bhttp::field::access_control_allow_origin), kLab);
  // An error answer too, so that the page can tell its user why.
  const auto bad = client.send(request_from("http://localhost:8080", bhttp::verb::post, "{not json"));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(error_code(json::parse(bad->body())), -32700);
  EXPECT_EQ(bad->at(bhttp::field::access_control_allow_origin), "http://localhost:8080");
}

TEST_F(Cors, AnotherOriginIsStillRefusedAndGetsNoCorsHeader) {
  HttpClient client(port());
  const auto call = client.send(request_from(kOther, bhttp::verb::post, kReset));
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(call->result_int(), 403);
  EXPECT_EQ(error_code(json::parse(call->body())), -32002);
  EXPECT_EQ(call->count(bhttp::field::access_control_allow_origin), 0u);
  auto preflight = request_from(kOther, bhttp::verb::options);
  preflight.set(bhttp::field::access_control_request_method, "POST");
  const auto refused = client.send(preflight);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->result_int(), 405);
  EXPECT_EQ(refused->at(bhttp::field::allow), "POST, OPTIONS");
  EXPECT_EQ(refused->count(bhttp::field::access_control_allow_origin), 0u);
  // A program (no Origin) is served as always, without CORS headers.
  const auto program = client.post(kInfo);
  ASSERT_TRUE(program.has_value());
  EXPECT_EQ(program->result_int(), 200);
  EXPECT_EQ(program->count(bhttp::field::access_control_allow_origin), 0u);
}

TEST_F(Cors, WebSocketFromAListedOriginIsAcceptedFromAnotherRefusedWith403) {
  WsClient listed(port(), {{bhttp::field::origin, kLab}});
  ASSERT_FALSE(listed.error()) << listed.error().message();
  EXPECT_EQ(listed.call(kInfo)["result"]["name"], "cyclerd");

  WsClient other(port(), {{bhttp::field::origin, kOther}});
  EXPECT_EQ(other.error(), websocket::error::upgrade_declined);
  EXPECT_EQ(other.handshake_response().result_int(), 403);
  EXPECT_EQ(error_code(json::parse(other.handshake_response().body())), -32002);
}

// ---- the configuration key ----

RunResult check_config(const std::string& config_json) {
  const auto dir = make_temp_dir();
  write_file(dir / "cyclerd.json", config_json);
  auto result = run_cyclerd({"--config", (dir / "cyclerd.json").string(), "--check-config"}, dir);
  fs::remove_all(dir);
  return result;
}

TEST(CorsConfig, ValidOriginsPassTheCheck) {
  const auto result = check_config(config_allowing({kLab, "http://127.0.0.1:8080", "http://[::1]:3000", "HTTPS://Lab.Example.Org"}));
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
}

TEST(CorsConfig, MalformedOriginsAreErrorsNamingTheKeyAndTheValue) {
  const std::vector<std::pair<json, std::string>> bad = {
      {"*", "wildcard"},
      {"null", "wildcard"},
      {"lab.example.org", "no scheme"},
      {"ftp://lab.example.org", "http or https"},
      {"https://lab.example.org/", "no path"},
      {"https://lab.example.org/app", "no path"},
      {"https://user@lab.example.org", "no user name"},
      {"https://lab.example.org:99999", "port"},
      {"https://lab.example.org:", "port"},
      {"https://", "host"},
      {"https://lab example.org", "host"},
      {"http://[::1", "]"},
      {42, "non-empty string"},
      {"", "non-empty string"},
  };
  for (const auto& [origin, why] : bad) {
    const auto result = check_config(config_allowing({kLab, origin}));
    EXPECT_EQ(result.exit_code, 1) << origin;
    EXPECT_NE(result.stderr_text.find("/listen/allowed_origins/1"), std::string::npos) << result.stderr_text;
    EXPECT_NE(result.stderr_text.find(why), std::string::npos) << origin << ": " << result.stderr_text;
  }
  const auto not_a_list = check_config(config_allowing(kLab));
  EXPECT_EQ(not_a_list.exit_code, 1);
  EXPECT_NE(not_a_list.stderr_text.find("/listen/allowed_origins: must be an array"), std::string::npos)
      << not_a_list.stderr_text;
}

TEST(CorsConfig, AnUnknownKeyBesideItIsAnErrorNamingTheKey) {
  const auto result = check_config(R"({"auth": {"required": false}, "listen": {"allowed_origin": ["https://a.org"]}})");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.stderr_text.find("/listen/allowed_origin"), std::string::npos) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("unknown key"), std::string::npos) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("allowed_origins"), std::string::npos) << result.stderr_text;  // the known ones
}

}  // namespace
}  // namespace cyclerd::test

// The real cyclerd over HTTP POST /rpc: the JSON-RPC 2.0 examples, bearer authentication and roles,
// routing (no files, 404/405/426), CORS closed, and the limits (1 MiB body, header size, connection
// count, idle timeout). The randomized campaign is in test_web_fuzz.cpp.
#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"
#include "tests/daemon/jsonrpc_spec_cases.hpp"
#include "tests/daemon/web_client.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;
using namespace web;

json body_of(const Response& response) { return json::parse(response.body()); }

using JsonRpcSpecOverHttp = SuiteDaemon<SpecCase>;

// A call is answered 200 with its JSON-RPC answer (errors included); only notifications: 204, no body.
TEST_P(JsonRpcSpecOverHttp, Example) {
  const auto& spec = GetParam();
  HttpClient client(port());
  ASSERT_TRUE(client.connected());
  const auto response = client.post(spec.request);
  ASSERT_TRUE(response.has_value()) << "no answer";
  if (spec.check) {
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->at(bhttp::field::content_type), "application/json");
    spec.check(body_of(*response));
  } else {
    EXPECT_EQ(response->result_int(), 204);
    EXPECT_TRUE(response->body().empty()) << response->body();
  }
  // The connection is kept alive for the next request.
  const auto probe = client.post(kSpecProbe);
  ASSERT_TRUE(probe.has_value());
  expect_info_result(body_of(*probe), "probe");
}

INSTANTIATE_TEST_SUITE_P(Section7, JsonRpcSpecOverHttp, ::testing::ValuesIn(spec_cases()), spec_case_name);

TEST(Http, ReadyFileCarriesTheHttpPort) {
  Daemon daemon({}, http_args());
  const auto port = daemon.ready().at("http");
  ASSERT_TRUE(port.is_number_integer()) << daemon.ready();
  EXPECT_GT(port.get<int>(), 0);
  EXPECT_NE(port.get<int>(), daemon.port());
  HttpClient client(port.get<std::uint16_t>());
  const auto response = client.post(kInfo);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(body_of(*response)["result"]["name"], "cyclerd");
}

TEST(Http, PipelinedRequestsAreAnsweredInOrder) {
  Daemon daemon({}, http_args());
  HttpClient client(http_port(daemon));
  std::string two;
  for (const int id : {1, 2}) {
    const auto body = json{{"jsonrpc", "2.0"}, {"method", "daemon.info"}, {"id", id}}.dump();
    two += "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  ASSERT_TRUE(client.send_raw(two));
  for (const int id : {1, 2}) {
    const auto response = client.read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(body_of(*response)["id"], id);
  }
}

TEST(Http, ExpectContinueGetsTheGoAheadThenTheAnswer) {
  Daemon daemon({}, http_args());
  HttpClient client(http_port(daemon));
  ASSERT_TRUE(client.send_raw("POST /rpc HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                              std::to_string(kInfo.size()) + "\r\n\r\n"));
  const auto go_ahead = client.read();
  ASSERT_TRUE(go_ahead.has_value());
  EXPECT_EQ(go_ahead->result_int(), 100);
  ASSERT_TRUE(client.send_raw(kInfo));
  const auto response = client.read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(body_of(*response)["result"]["name"], "cyclerd");
}

// ---- authentication and roles: the Dispatcher decides, as on TCP ----

using HttpAuth = SecuredDaemon;

// No token: dispatched like a TCP connection that has not logged in; each call answers -32001 with its id.
TEST_F(HttpAuth, NoTokenIsUnauthorizedPerCallWithTheId) {
  HttpClient client(port());
  const auto response = client.post(kInfo);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200);
  const auto body = body_of(*response);
  EXPECT_EQ(error_code(body), -32001) << body;
  EXPECT_EQ(body["error"]["data"]["code"], "unauthorized") << body;
  EXPECT_EQ(body["id"], 7);
}

// A wrong token: the credential is refused whole (401, WWW-Authenticate) with a JSON-RPC -32001 body.
TEST_F(HttpAuth, WrongTokenIs401WithAJsonRpcUnauthorizedBody) {
  HttpClient client(port());
  for (const auto& token : {std::string("not-a-token"), std::string(kOperatorToken) + "x", std::string()}) {
    const auto response = client.post(kInfo, token);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 401) << token;
    EXPECT_NE(response->at(bhttp::field::www_authenticate).find("Bearer"), std::string::npos);
    const auto body = body_of(*response);
    EXPECT_EQ(error_code(body), -32001) << body;
    EXPECT_TRUE(body["id"].is_null());
    EXPECT_FALSE(body.contains("result"));
  }
}

TEST_F(HttpAuth, AuthorizationThatIsNotBearerIs401) {
  HttpClient client(port());
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, "/rpc", 11};
  request.set(bhttp::field::authorization, std::string("Basic ") + kOperatorToken);
  request.body() = kInfo;
  const auto response = client.send(request);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 401);
  EXPECT_EQ(error_code(body_of(*response)), -32001);
}

TEST_F(HttpAuth, ViewerReadsButCannotControl) {
  HttpClient client(port());
  const auto info = client.post(kInfo, kViewerToken);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(body_of(*info)["result"]["name"], "cyclerd");
  const auto reset = client.post(kReset, kViewerToken);
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->result_int(), 200);
  const auto body = body_of(*reset);
  EXPECT_EQ(error_code(body), -32002) << body;
  EXPECT_EQ(body["error"]["data"]["code"], "forbidden");
  // The operator passes the role check (what the channel then says is the method's business).
  const auto as_operator = client.post(kReset, kOperatorToken);
  ASSERT_TRUE(as_operator.has_value());
  const auto operator_code = error_code(body_of(*as_operator));
  EXPECT_NE(operator_code, -32002) << as_operator->body();
  EXPECT_NE(operator_code, -32001) << as_operator->body();
}

TEST_F(HttpAuth, TheTokenHoldsForOneRequestOnly) {
  HttpClient client(port());
  ASSERT_TRUE(client.post(kInfo, kOperatorToken).has_value());
  const auto after = client.post(kInfo);  // same connection, no token
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(error_code(body_of(*after)), -32001);
}

// ---- routing: the daemon serves no files ----

TEST(HttpRouting, AnythingButRpcAndWsIs404) {
  Daemon daemon({}, http_args());
  HttpClient client(http_port(daemon));
  for (const auto* target : {"/", "/index.html", "/rpc/x", "/../../etc/passwd", "/%2e%2e/etc/passwd", "/config/sim.json",
                             "/RPC"}) {
    bhttp::request<bhttp::string_body> request{bhttp::verb::get, target, 11};
    const auto response = client.send(request);
    ASSERT_TRUE(response.has_value()) << target;
    EXPECT_EQ(response->result_int(), 404) << target;
    EXPECT_EQ(response->body().find("root:"), std::string::npos);
    EXPECT_EQ(error_code(body_of(*response)), -32600);
  }
}

TEST(HttpRouting, WrongMethodIs405WithAllow) {
  Daemon daemon({}, http_args());
  HttpClient client(http_port(daemon));
  for (const auto verb : {bhttp::verb::get, bhttp::verb::put, bhttp::verb::delete_, bhttp::verb::options}) {
    const auto response = client.send({verb, "/rpc", 11});
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 405);
    EXPECT_EQ(response->at(bhttp::field::allow), "POST");
  }
  const auto post_ws = client.post(kInfo, std::nullopt, "/ws");
  ASSERT_TRUE(post_ws.has_value());
  EXPECT_EQ(post_ws->result_int(), 405);
  EXPECT_EQ(post_ws->at(bhttp::field::allow), "GET");
  const auto plain_get_ws = client.send({bhttp::verb::get, "/ws", 11});
  ASSERT_TRUE(plain_get_ws.has_value());
  EXPECT_EQ(plain_get_ws->result_int(), 426);
}

// CORS closed: no Access-Control-Allow-Origin, a preflight is 405, a cross-origin POST is refused.
TEST(HttpRouting, CrossOriginRequestsAreRefusedAndNoCorsHeaderIsSent) {
  Daemon daemon({}, http_args());
  const auto port = http_port(daemon);
  HttpClient client(port);
  bhttp::request<bhttp::string_body> preflight{bhttp::verb::options, "/rpc", 11};
  preflight.set(bhttp::field::origin, "http://evil.example");
  preflight.set(bhttp::field::access_control_request_method, "POST");
  const auto refused_preflight = client.send(preflight);
  ASSERT_TRUE(refused_preflight.has_value());
  EXPECT_EQ(refused_preflight->result_int(), 405);
  EXPECT_EQ(refused_preflight->count(bhttp::field::access_control_allow_origin), 0u);

  bhttp::request<bhttp::string_body> cross{bhttp::verb::post, "/rpc", 11};
  cross.set(bhttp::field::origin, "http://evil.example");
  cross.set(bhttp::field::content_type, "text/plain");  // a "simple" request: a browser sends it unasked
  cross.body() = kReset;
  const auto refused = client.send(cross);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->result_int(), 403);
  EXPECT_EQ(error_code(body_of(*refused)), -32002);
  EXPECT_EQ(refused->count(bhttp::field::access_control_allow_origin), 0u);

  bhttp::request<bhttp::string_body> same{bhttp::verb::post, "/rpc", 11};
  same.set(bhttp::field::origin, "http://127.0.0.1:" + std::to_string(port));
  same.body() = kInfo;
  const auto allowed = client.send(same);
  ASSERT_TRUE(allowed.has_value());
  EXPECT_EQ(allowed->result_int(), 200);
  EXPECT_EQ(allowed->count(bhttp::field::access_control_allow_origin), 0u);
}

// ---- limits ----

TEST(HttpLimits, BodyOfExactlyOneMebibyteIsServed) {
  Daemon daemon({}, http_args());
  HttpClient client(http_port(daemon));
  const auto response = client.post(padded_info(std::size_t{1} << 20));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(body_of(*response)["result"]["name"], "cyclerd");
}

TEST(HttpLimits, BodyOverOneMebibyteIs413AndTheConnectionClosed) {
  Daemon daemon({}, http_args());
  HttpClient client(http_port(daemon));
  const auto response = client.post(padded_info((std::size_t{1} << 20) + 1));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 413);
  EXPECT_EQ(error_code(body_of(*response)), -32600);
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(client.closed_by_server(std::chrono::seconds(5)));
  HttpClient other(http_port(daemon));
  ASSERT_TRUE(other.post(kInfo).has_value());
}

// Without a Content-Length the body is counted as it arrives: chunks past 1 MiB are refused too, and a
// 10 MB upload does not make the daemon hold 10 MB.
TEST(HttpLimits, ChunkedBodyOverOneMebibyteIs413) {
  Daemon daemon({}, http_args());
  HttpClient client(http_port(daemon));
  ASSERT_TRUE(client.send_raw("POST /rpc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";  // 64 KiB each
  for (int i = 0; i < 160 && client.send_raw(chunk); ++i) {
  }
  const auto response = client.read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 413);
  EXPECT_TRUE(daemon.alive());
}

TEST(HttpLimits, HeaderOverEightKibibytesIs431) {
  Daemon daemon({}, http_args());
  HttpClient client(http_port(daemon));
  ASSERT_TRUE(client.send_raw("POST /rpc HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(9000, 'a') + "\r\n\r\n"));
  const auto response = client.read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 431);
  EXPECT_TRUE(client.closed_by_server(std::chrono::seconds(5)));
}

TEST(HttpLimits, MalformedRequestIs400AndClosed) {
  Daemon daemon({}, http_args());
  HttpClient client(http_port(daemon));
  ASSERT_TRUE(client.send_raw("POST /rpc HTTP/1.1\r\nContent-Length: banana\r\n\r\n"));
  const auto response = client.read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 400);
  EXPECT_TRUE(client.closed_by_server(std::chrono::seconds(5)));
}

TEST(HttpLimits, ConnectionsBeyondTheLimitGet503UntilOneCloses) {
  Daemon daemon(R"({"auth": {"required": false}, "limits": {"max_connections": 3}})", http_args());
  const auto port = http_port(daemon);
  std::vector<std::unique_ptr<HttpClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<HttpClient>(port));
    ASSERT_TRUE(open.back()->post(kInfo).has_value());  // served, so counted by the daemon
  }
  {
    HttpClient refused(port);
    const auto response = refused.read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 503);
    EXPECT_EQ(error_code(body_of(*response)), -32603);
    EXPECT_TRUE(refused.closed_by_server(std::chrono::seconds(5)));
  }
  open.pop_back();
  // The slot is free once the daemon has seen the close.
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    HttpClient again(port);
    const auto response = again.post(kInfo);
    served = response && response->result_int() == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST(HttpLimits, IdleConnectionsAndHalfSentRequestsAreClosed) {
  Daemon daemon(R"({"auth": {"required": false}, "limits": {"idle_timeout_s": 0.3}})", http_args());
  HttpClient silent(http_port(daemon));
  HttpClient trickling(http_port(daemon));
  ASSERT_TRUE(trickling.send_raw("POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\""));
  EXPECT_TRUE(silent.closed_by_server(std::chrono::seconds(5)));
  EXPECT_TRUE(trickling.closed_by_server(std::chrono::seconds(5)));
  HttpClient fresh(http_port(daemon));
  ASSERT_TRUE(fresh.post(kInfo).has_value());
}

}  // namespace
}  // namespace cyclerd::test

// The real cyclerd over WebSocket /ws: the JSON-RPC 2.0 examples, auth.login and roles, the Origin
// check, and the limits (1 MiB message, idle timeout with keep-alive pings, connection count, the
// bounded write queue that disconnects a client which does not read).
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"
#include "tests/daemon/proc_status.hpp"
#include "tests/daemon/jsonrpc_spec_cases.hpp"
#include "tests/daemon/web_client.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;
using namespace web;

using JsonRpcSpecOverWebSocket = SuiteDaemon<SpecCase>;

// The answer message of the case, or for a notification none: the next message is the probe's answer.
TEST_P(JsonRpcSpecOverWebSocket, Example) {
  const auto& spec = GetParam();
  WsClient client(port());
  ASSERT_FALSE(client.error()) << client.error().message();
  ASSERT_TRUE(client.send(spec.request));
  if (spec.check) {
    const auto answer = client.read();
    ASSERT_TRUE(answer.has_value()) << client.last_error().message();
    spec.check(json::parse(*answer));
  }
  expect_info_result(client.call(kSpecProbe), "probe");
}

INSTANTIATE_TEST_SUITE_P(Section7, JsonRpcSpecOverWebSocket, ::testing::ValuesIn(spec_cases()), spec_case_name);

// ---- authentication and roles ----

using WsAuth = SecuredDaemon;

TEST_F(WsAuth, WithoutLoginNothingIsReadable) {
  WsClient client(port());
  ASSERT_FALSE(client.error());
  const auto response = client.call(kInfo);
  EXPECT_EQ(error_code(response), -32001) << response;
  EXPECT_EQ(response["id"], 7);
}

TEST_F(WsAuth, WrongTokenIsUnauthorizedAndGrantsNothing) {
  WsClient client(port());
  const auto refused = client.call(login("nope"));
  EXPECT_EQ(error_code(refused), -32001) << refused;
  EXPECT_EQ(error_code(client.call(kInfo)), -32001);
}

TEST_F(WsAuth, ViewerLogsInReadsButCannotControl) {
  WsClient client(port());
  const auto who = client.call(login(kViewerToken));
  EXPECT_EQ(who["result"]["name"], "dashboard") << who;
  EXPECT_EQ(who["result"]["role"], "viewer");
  EXPECT_EQ(client.call(kInfo)["result"]["name"], "cyclerd");
  const auto reset = client.call(kReset);
  EXPECT_EQ(error_code(reset), -32002) << reset;
  EXPECT_EQ(reset["error"]["data"]["code"], "forbidden");
  // Logging in again as the operator passes the role check on the same connection.
  EXPECT_EQ(client.call(login(kOperatorToken))["result"]["role"], "operator");
  const auto as_operator = error_code(client.call(kReset));
  EXPECT_NE(as_operator, -32002);
  EXPECT_NE(as_operator, -32001);
}

// A program may present its token on the upgrade instead of auth.login; a wrong one is refused there.
TEST_F(WsAuth, BearerOnTheUpgradeLogsInAndAWrongOneIs401) {
  WsClient viewer(port(), {{bhttp::field::authorization, std::string("Bearer ") + kViewerToken}});
  ASSERT_FALSE(viewer.error()) << viewer.error().message();
  EXPECT_EQ(viewer.call(kInfo)["result"]["name"], "cyclerd");
  EXPECT_EQ(error_code(viewer.call(kReset)), -32002);

  WsClient wrong(port(), {{bhttp::field::authorization, "Bearer nope"}});
  EXPECT_EQ(wrong.error(), websocket::error::upgrade_declined) << wrong.error().message();
  EXPECT_EQ(wrong.handshake_response().result_int(), 401);
  EXPECT_EQ(error_code(json::parse(wrong.handshake_response().body())), -32001);
}

// ---- Origin: CORS closed ----

TEST(WsOrigin, CrossOriginUpgradeIsRefusedSameOriginAndProgramsAreNot) {
  Daemon daemon({}, http_args());
  const auto port = http_port(daemon);
  WsClient cross(port, {{bhttp::field::origin, "http://evil.example"}});
  EXPECT_EQ(cross.error(), websocket::error::upgrade_declined);
  EXPECT_EQ(cross.handshake_response().result_int(), 403);
  EXPECT_EQ(cross.handshake_response().count(bhttp::field::access_control_allow_origin), 0u);

  WsClient same(port, {{bhttp::field::origin, "http://127.0.0.1:" + std::to_string(port)}});
  ASSERT_FALSE(same.error()) << same.error().message();
  EXPECT_EQ(same.call(kInfo)["result"]["name"], "cyclerd");

  WsClient program(port);  // no Origin: not a browser
  ASSERT_FALSE(program.error());
  EXPECT_EQ(program.call(kInfo)["result"]["name"], "cyclerd");
}

// ---- limits ----

TEST(WsLimits, MessageOfExactlyOneMebibyteIsServed) {
  Daemon daemon({}, http_args());
  WsClient client(http_port(daemon));
  EXPECT_EQ(client.call(padded_info(std::size_t{1} << 20))["result"]["name"], "cyclerd");
}

TEST(WsLimits, MessageOverOneMebibyteClosesWithCode1009) {
  Daemon daemon({}, http_args());
  WsClient client(http_port(daemon));
  client.send(padded_info((std::size_t{1} << 20) + 1));
  EXPECT_FALSE(client.read().has_value());
  EXPECT_EQ(client.last_error(), websocket::error::closed) << client.last_error().message();
  EXPECT_EQ(client.stream().reason().code, websocket::close_code::too_big);
  WsClient other(http_port(daemon));
  EXPECT_EQ(other.call(kInfo)["result"]["name"], "cyclerd");
}

// A client that neither sends nor answers pings is closed after the idle timeout; one that answers the
// daemon's pings (any client that reads) stays, however quiet: a subscriber may listen for a week.
TEST(WsLimits, SilentClientIsClosedButAQuietOneThatAnswersPingsStays) {
  Daemon daemon(R"({"auth": {"required": false}, "limits": {"idle_timeout_s": 0.3}})", http_args());
  WsClient silent(http_port(daemon));
  WsClient quiet(http_port(daemon));
  ASSERT_FALSE(silent.error());
  ASSERT_FALSE(quiet.error());
  // `quiet` reads (and so answers pings) for 1.5 s, five idle timeouts, then calls: still connected.
  const auto answer = quiet.call_after_quiet(std::chrono::milliseconds(1500), kInfo);
  EXPECT_FALSE(quiet.quiet_broken()) << "closed while quiet: " << quiet.last_error().message();
  EXPECT_EQ(answer["result"]["name"], "cyclerd") << answer;
  // `silent` never read: its connection is gone.
  EXPECT_FALSE(silent.read(std::chrono::seconds(3)).has_value());
  EXPECT_NE(silent.last_error(), asio::error::timed_out) << silent.last_error().message();
}

TEST(WsLimits, ConnectionsBeyondTheLimitAreRefused) {
  Daemon daemon(R"({"auth": {"required": false}, "limits": {"max_connections": 2}})", http_args());
  const auto port = http_port(daemon);
  WsClient first(port);
  WsClient second(port);
  ASSERT_FALSE(first.error());
  ASSERT_FALSE(second.error());
  WsClient third(port);
  EXPECT_TRUE(third.error());
  EXPECT_EQ(third.handshake_response().result_int(), 503);
  EXPECT_EQ(first.call(kInfo)["result"]["name"], "cyclerd");
}

// The write bound itself: a client that pipelines requests with large answers and never reads is
// disconnected once its queue (4 MiB) and the socket buffers are full, and others are served meanwhile.
TEST(WsLimits, ClientThatNeverReadsIsDisconnectedAtTheWriteQueueBound) {
  Daemon daemon({}, http_args());
  const auto port = http_port(daemon);
  // Small socket buffers, so that the daemon's queue, not the client's kernel, holds the answers not
  // read, and the requests sent are the requests the daemon has read (not a backlog in the kernel).
  WsClient slow(port, {}, std::chrono::seconds(5), 16 * 1024);
  ASSERT_FALSE(slow.error());

  // A batch of 1000 daemon.info calls: about 60 kB asked, a few hundred kB answered.
  json batch = json::array();
  for (int i = 0; i < 1000; ++i) batch.push_back({{"jsonrpc", "2.0"}, {"method", "daemon.info"}, {"id", i}});
  const auto request = batch.dump();
  WsClient probe(port);
  const auto answer_bytes = probe.call(request).dump().size();
  ASSERT_GT(answer_bytes, 100'000u);
  const long peak_before_kB = proc_status_kB(daemon.pid(), "VmHWM");
  ASSERT_GT(peak_before_kB, 0);

  // After each request another client is served: that paces `slow` to the daemon (its requests do not
  // pile up unread in socket buffers), and shows that others are served meanwhile.
  std::size_t asked_bytes = 0;  // answers requested by `slow` before the daemon cut it off
  bool cut_off = false;
  for (int i = 0; i < 400 && !cut_off; ++i) {
    cut_off = !slow.send(request);
    if (!cut_off) asked_bytes += answer_bytes;
    ASSERT_EQ(probe.call(kInfo)["result"]["name"], "cyclerd");
  }
  EXPECT_TRUE(cut_off) << "still connected after " << asked_bytes << " bytes of unread answers";
  // What the daemon held for `slow`: its queue (4 MiB) and a request or two in flight, far below the 130 MB
  // that 400 requests ask for. Measured as the growth of the daemon's peak resident memory, not from the
  // requests sent: under load the kernel's receive buffer (tcp_rmem, up to 32 MB) holds requests the
  // daemon has not read yet, so they were sent but never answered.
  const long growth_kB = proc_status_kB(daemon.pid(), "VmHWM") - peak_before_kB;
  EXPECT_LT(growth_kB, 32 * 1024) << "asked for " << asked_bytes << " bytes of answers";
  EXPECT_NE(read_file(daemon.dir() / "stderr.txt").find("not taken"), std::string::npos);
  EXPECT_EQ(probe.call(kInfo)["result"]["name"], "cyclerd");
}

}  // namespace
}  // namespace cyclerd::test

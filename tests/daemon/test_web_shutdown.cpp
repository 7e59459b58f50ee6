// SIGTERM on the real cyclerd with HTTP and WebSocket clients connected: WebSocket clients (a subscriber
// among them) get a close frame with code 1001 (going away), an idle keep-alive HTTP connection ends
// with a clean end of stream (not a reset), a request under way is answered with `Connection: close`
// first, and the daemon exits 0 without waiting out the shutdown grace.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"
#include "tests/daemon/web_client.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;
using namespace web;
using namespace std::chrono_literals;

// Waits (at most `within`) for the daemon to exit by itself, leaving it to be reaped by terminate(): a
// second SIGTERM must not be what ends it. False when it is still running.
bool exits_within(const Daemon& daemon, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(daemon.pid()), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0) {
      return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// The line the daemon logs when a client made it wait out limits.hpp's shutdown_grace.
bool waited_out_the_grace(const Daemon& daemon) {
  return read_file(daemon.dir() / "stderr.txt").find("shutdown grace") != std::string::npos;
}

TEST(WebShutdown, SigtermSendsWebSocketClientsCloseCode1001AndTheDaemonExitsZero) {
  Daemon daemon({}, http_args());
  const auto port = http_port(daemon);
  WsClient caller(port);
  WsClient subscriber(port);
  ASSERT_FALSE(caller.error()) << caller.error().message();
  ASSERT_FALSE(subscriber.error()) << subscriber.error().message();
  ASSERT_EQ(caller.call(kInfo)["result"]["name"], "cyclerd");
  const auto subscribed = subscriber.call(R"({"jsonrpc": "2.0", "method": "subscribe", "id": 1,
                                              "params": {"topics": [{"topic": "events"}]}})");
  ASSERT_TRUE(subscribed.contains("result")) << subscribed;

  const auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(daemon.pid(), SIGTERM), 0);
  for (auto* client : {&caller, &subscriber}) {
    // Beast answers the close frame inside read(), which then ends with error::closed and its reason.
    EXPECT_FALSE(client->read(5s).has_value());
    EXPECT_EQ(client->last_error(), websocket::error::closed) << client->last_error().message();
    EXPECT_EQ(client->stream().reason().code, websocket::close_code::going_away);
  }
  EXPECT_TRUE(exits_within(daemon, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 5s);
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_FALSE(waited_out_the_grace(daemon)) << read_file(daemon.dir() / "stderr.txt");
}

TEST(WebShutdown, SigtermEndsAnIdleKeepAliveConnectionWithACleanEndOfStream) {
  Daemon daemon({}, http_args());
  {
    HttpClient client(http_port(daemon));
    const auto response = client.post(kInfo);
    ASSERT_TRUE(response.has_value());
    ASSERT_TRUE(response->keep_alive());
    ASSERT_EQ(::kill(daemon.pid(), SIGTERM), 0);
    EXPECT_EQ(client.end_of_connection(5s), asio::error::eof);
  }
  EXPECT_TRUE(exits_within(daemon, 5s));
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_FALSE(waited_out_the_grace(daemon)) << read_file(daemon.dir() / "stderr.txt");
}

// The header has arrived when SIGTERM does, the body after it: the request is still served, and the
// answer says the connection closes.
TEST(WebShutdown, ARequestUnderWayIsAnsweredWithConnectionCloseBeforeTheEnd) {
  Daemon daemon({}, http_args());
  {
    HttpClient client(http_port(daemon));
    ASSERT_TRUE(client.send_raw("POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(kInfo.size()) + "\r\n\r\n"));
    std::this_thread::sleep_for(200ms);  // the daemon has the header
    ASSERT_EQ(::kill(daemon.pid(), SIGTERM), 0);
    std::this_thread::sleep_for(300ms);  // and has begun to stop
    ASSERT_TRUE(client.send_raw(kInfo));
    const auto response = client.read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_FALSE(response->keep_alive());
    EXPECT_EQ(json::parse(response->body())["result"]["name"], "cyclerd");
    EXPECT_EQ(client.end_of_connection(5s), asio::error::eof);
  }
  EXPECT_TRUE(exits_within(daemon, 5s));
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_FALSE(waited_out_the_grace(daemon)) << read_file(daemon.dir() / "stderr.txt");
}

}  // namespace
}  // namespace cyclerd::test

// Test helpers for cyclerd's HTTP and WebSocket face: a small blocking Beast client for each, with
// receive and send timeouts on the socket (so a broken server fails a test instead of hanging it), a
// daemon configuration with tokens and an HTTP listener on an ephemeral port, and the fixtures the
// HTTP and WebSocket tests share (one daemon per suite, or a secured daemon per test).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using Response = bhttp::response<bhttp::string_body>;

inline constexpr const char* kOperatorToken = "op-0123456789abcdef";
inline constexpr const char* kViewerToken = "view-0123456789abcdef";

// A configuration with a token file (auth required) and optional "limits", written into `dir`.
inline std::string secured_config(const fs::path& dir, const std::string& limits = "") {
  write_file(dir / "tokens.txt", std::string("operator ") + kOperatorToken + " Ana Costa\nviewer " + kViewerToken +
                                     " dashboard\n");
  return R"({"auth": {"token_file": ")" + (dir / "tokens.txt").string() + R"(", "required": true},)" +
         (limits.empty() ? "" : R"("limits": )" + limits + ",") +
         R"("channels": [{"id": "sim-1", "driver": "sim", "uri": "sim://zns?seed=1", "speed": "max"}]})";
}

// The extra command-line arguments that make the daemon listen for HTTP on a free port.
inline std::vector<std::string> http_args() { return {"--listen-http", "127.0.0.1:0"}; }

// The HTTP port from the ready file.
inline std::uint16_t http_port(const Daemon& daemon) { return daemon.ready().at("http").get<std::uint16_t>(); }

// Runs one asynchronous operation on `io` for at most `timeout`; timed_out when it did not finish then
// (the socket is cancelled). Blocking calls with socket timeouts do not work with Asio: it waits again.
template <class Start>
boost::system::error_code run_for(asio::io_context& io, tcp::socket& socket, std::chrono::milliseconds timeout,
                                  Start start) {
  boost::system::error_code result;
  bool done = false;
  io.restart();
  start([&](boost::system::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  io.run_for(timeout);
  if (!done) {
    boost::system::error_code ignored;
    socket.cancel(ignored);
    io.restart();
    io.run();
    return asio::error::timed_out;
  }
  return result;
}

// One keep-alive HTTP connection.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : socket_(io_), port_(port), timeout_(timeout) {
    boost::system::error_code ec;
    socket_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    connected_ = !ec;
  }
  bool connected() const { return connected_; }
  tcp::socket& socket() { return socket_; }

  // Sends `request` (Host and Content-Length filled in) and reads the answer; nullopt when none came.
  std::optional<Response> send(bhttp::request<bhttp::string_body> request) {
    if (!request.count(bhttp::field::host)) request.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port_));
    request.prepare_payload();
    const auto ec = run_for(io_, socket_, timeout_, [&](auto handler) { bhttp::async_write(socket_, request, handler); });
    if (ec) return std::nullopt;
    return read();
  }
  // POST /rpc with `body`, with `Authorization: Bearer TOKEN` when a token is given.
  std::optional<Response> post(const std::string& body, const std::optional<std::string>& token = std::nullopt,
                               const std::string& target = "/rpc") {
    bhttp::request<bhttp::string_body> request{bhttp::verb::post, target, 11};
    request.set(bhttp::field::content_type, "application/json");
    if (token) request.set(bhttp::field::authorization, "Bearer " + *token);
    request.body() = body;
    return send(std::move(request));
  }
  // Sends raw bytes (a request written by hand); false when the connection refused them.
  bool send_raw(std::string_view bytes) {
    const auto ec = run_for(io_, socket_, timeout_, [&](auto handler) {
      asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()), handler);
    });
    return !ec;
  }
  // Reads one answer; nullopt on timeout or when the server closed the connection first.
  std::optional<Response> read() {
    Response response;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(std::uint64_t{64} << 20);
    const auto ec =
        run_for(io_, socket_, timeout_, [&](auto handler) { bhttp::async_read(socket_, buffer_, parser, handler); });
    if (ec) return std::nullopt;
    return parser.release();
  }
  // True when the server closes the connection within `within` (anything it sends is dropped).
  bool closed_by_server(std::chrono::milliseconds within) { return end_of_connection(within) != asio::error::timed_out; }
  // Reads (and drops) until the connection ends: asio::error::eof for a clean close, connection_reset
  // for a reset, asio::error::timed_out when it is still open after `within`.
  boost::system::error_code end_of_connection(std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    char chunk[65536];
    while (std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const auto ec = run_for(io_, socket_, std::max(left, std::chrono::milliseconds(1)),
                              [&](auto handler) { socket_.async_read_some(asio::buffer(chunk), handler); });
      if (ec) return ec;
    }
    return asio::error::timed_out;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  bool connected_ = false;
  beast::flat_buffer buffer_;
};

// One WebSocket connection on /ws.
class WsClient {
 public:
  // Connects and shakes hands; `headers` are added to the upgrade request (Origin, Authorization). A
  // `socket_buffer` (bytes, for sending and receiving) is set before connecting, when the kernel still
  // honours it.
  explicit WsClient(std::uint16_t port, std::vector<std::pair<bhttp::field, std::string>> headers = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(5), int socket_buffer = 0)
      : ws_(io_), timeout_(timeout) {
    auto& socket = ws_.next_layer();
    socket.open(tcp::v4(), error_);
    if (error_) return;
    if (socket_buffer > 0) {
      socket.set_option(asio::socket_base::receive_buffer_size(socket_buffer), error_);
      socket.set_option(asio::socket_base::send_buffer_size(socket_buffer), error_);
    }
    socket.connect({asio::ip::make_address("127.0.0.1"), port}, error_);
    if (error_) return;
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
      for (const auto& [field, value] : headers) request.set(field, value);
    }));
    ws_.read_message_max(std::uint64_t{64} << 20);
    error_ = run_for(io_, socket, timeout_, [&](auto handler) {
      ws_.async_handshake(handshake_response_, "127.0.0.1:" + std::to_string(port), "/ws", handler);
    });
  }
  // The error of the handshake (websocket::error::upgrade_declined when the server answered otherwise).
  const boost::system::error_code& error() const { return error_; }
  // The server's answer to the upgrade (101, or the status that refused it).
  const Response& handshake_response() const { return handshake_response_; }
  websocket::stream<tcp::socket>& stream() { return ws_; }

  bool send(const std::string& text) {
    ws_.text(true);
    return !run_for(io_, ws_.next_layer(), timeout_,
                    [&](auto handler) { ws_.async_write(asio::buffer(text), handler); });
  }
  // The next message within `within` (default: the client's timeout); nullopt on timeout, close or
  // error (last_error() says which: asio::error::timed_out when nothing came).
  std::optional<std::string> read(std::optional<std::chrono::milliseconds> within = std::nullopt) {
    beast::flat_buffer buffer;
    read_error_ = run_for(io_, ws_.next_layer(), within.value_or(timeout_),
                          [&](auto handler) { ws_.async_read(buffer, handler); });
    if (read_error_) return std::nullopt;
    return beast::buffers_to_string(buffer.data());
  }
  const boost::system::error_code& last_error() const { return read_error_; }
  // Sends one message and parses the answer (null JSON when none came).
  nlohmann::json call(const std::string& text) {
    if (!send(text)) return nullptr;
    const auto answer = read();
    return answer ? nlohmann::json::parse(*answer) : nlohmann::json(nullptr);
  }
  // Reads (and so answers the server's pings) for `quiet` without anything arriving, then sends `text`
  // and returns its answer; null JSON when a message came early (quiet_broken() is then true) or none.
  nlohmann::json call_after_quiet(std::chrono::milliseconds quiet, const std::string& text) {
    beast::flat_buffer buffer;
    bool arrived = false;
    io_.restart();
    ws_.async_read(buffer, [&](boost::system::error_code ec, std::size_t) {
      read_error_ = ec;
      arrived = true;
    });
    io_.run_for(quiet);
    quiet_broken_ = arrived;
    if (arrived) return nullptr;
    ws_.text(true);
    ws_.async_write(asio::buffer(text), [](boost::system::error_code, std::size_t) {});
    io_.run_for(timeout_);
    if (!arrived || read_error_) return nullptr;
    return nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
  }
  bool quiet_broken() const { return quiet_broken_; }

 private:
  asio::io_context io_;
  bool quiet_broken_ = false;
  websocket::stream<tcp::socket> ws_;
  std::chrono::milliseconds timeout_;
  Response handshake_response_;
  boost::system::error_code error_;
  boost::system::error_code read_error_;
};

inline std::string login(const std::string& token, int id = 1) {
  return nlohmann::json{{"jsonrpc", "2.0"}, {"method", "auth.login"}, {"params", {{"token", token}}}, {"id", id}}.dump();
}
inline const std::string kInfo = R"({"jsonrpc": "2.0", "method": "daemon.info", "id": 7})";
// A control method (operator role): a viewer must get -32002, and nothing may change.
inline const std::string kReset = R"({"jsonrpc": "2.0", "method": "channels.reset", "params": {"channel": "sim-1"}, "id": 8})";

inline int error_code(const nlohmann::json& response) {
  return response.is_object() && response.contains("error") ? response["error"]["code"].get<int>() : 0;
}

// daemon.info padded with spaces to exactly `size` bytes (for the 1 MiB message limit).
inline std::string padded_info(std::size_t size) {
  std::string body = kInfo;
  body.insert(body.size() - 1, size - body.size(), ' ');
  return body;
}

// A parameterized suite sharing one daemon (the embedded configuration, HTTP on a free port).
template <class Param>
class SuiteDaemon : public ::testing::TestWithParam<Param> {
 protected:
  static void SetUpTestSuite() { daemon_ = new Daemon({}, http_args()); }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  static std::uint16_t port() { return http_port(*daemon_); }
  static inline Daemon* daemon_ = nullptr;
};

// A daemon per test with tokens (auth required): kOperatorToken and kViewerToken.
class SecuredDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    daemon_ = std::make_unique<Daemon>(secured_config(dir_), http_args());
  }
  void TearDown() override {
    daemon_.reset();
    fs::remove_all(dir_);
  }
  std::uint16_t port() const { return http_port(*daemon_); }
  fs::path dir_;
  std::unique_ptr<Daemon> daemon_;
};

}  // namespace cyclerd::test::web

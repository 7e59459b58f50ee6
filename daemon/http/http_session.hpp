// One HTTP connection (internal to the listener): reads a request, answers POST /rpc through the
// Dispatcher (and a CORS preflight from an allowed origin) or hands a GET /ws upgrade to a WsSession, and
// refuses everything else with a status and a JSON-RPC error body. One request at a time: a pipelined
// request is read once the answer before it is written, so the answers stay in order and the write queue
// is one response long.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "daemon/http/listener.hpp"

namespace cyclerd::http {

class HttpSession final : public rpc::Session, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, std::uint64_t id, std::shared_ptr<SessionContext> context);
  ~HttpSession() override;

  // Starts reading; the session keeps itself alive through its pending operations.
  void start() override;
  // The daemon stops (from any thread): a connection waiting for its next request is closed at once, one
  // in the middle of a request gets its answer with `Connection: close` first (within shutdown_grace);
  // either way the close is clean (the client reads an end of stream, not a reset).
  void close() override;

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  void do_read_header();
  void on_read_header(boost::system::error_code ec, std::size_t bytes);
  void do_continue();
  void on_continue(boost::system::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_read_body(boost::system::error_code ec, std::size_t bytes);
  void refuse_unreadable(boost::system::error_code ec);
  void handle_request();
  void answer_rpc(const Request& request);
  void answer_preflight(const std::string& origin);
  void answer_ready(std::optional<std::string> answer);
  void upgrade(std::optional<Identity> identity);
  // Queues the one answer; `close_after` also ends the connection once it is written.
  void send(Response response, bool close_after);
  void send_error(unsigned status, int code_for_body, const std::string& message, bool close_after);
  void do_write();
  void on_write(boost::system::error_code ec, std::size_t bytes);
  void do_linger();
  void on_linger(boost::system::error_code ec, std::size_t bytes);
  void fail(boost::system::error_code ec, const char* what);
  void stop();
  void shutdown();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<Response> response_;  // the answer being written
  std::shared_ptr<SessionContext> context_;
  std::uint64_t id_;
  std::string peer_;
  boost::asio::steady_timer stop_deadline_;  // ends a goodbye that takes longer than shutdown_grace
  std::string continue_line_;         // "HTTP/1.1 100 Continue" while it is written
  bool close_after_write_ = false;
  bool awaiting_request_ = false;     // reading the first bytes of the next request
  bool stopping_ = false;             // the daemon stops: no request after this one
  bool lingering_ = false;            // answered and closing: reading what the client still sends
  bool upgraded_ = false;             // the socket now belongs to a WsSession
  bool closed_ = false;
  std::size_t drained_bytes_ = 0;     // read and discarded while lingering
};

}  // namespace cyclerd::http

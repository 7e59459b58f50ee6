// One WebSocket connection on /ws (internal to the listener): each text message is one JSON-RPC
// message for the Dispatcher, answers and pushed notifications go back as text messages, in order,
// through a write queue bounded in bytes (limits.hpp). `auth.login` on the connection (or a bearer
// token on the upgrade request) says who it is; the Dispatcher checks roles as on TCP.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "daemon/http/listener.hpp"
#include "daemon/rpc/caller.hpp"

namespace cyclerd::http {

class WsSession final : public rpc::Session, public rpc::PushSink, public std::enable_shared_from_this<WsSession> {
 public:
  // Takes over an upgraded connection; `upgrade_request` is the request that asked for it.
  WsSession(boost::asio::ip::tcp::socket socket, std::uint64_t id, std::string peer,
            std::shared_ptr<SessionContext> context, std::optional<Identity> identity,
            boost::beast::http::request<boost::beast::http::string_body> upgrade_request);
  ~WsSession() override;

  // Answers the upgrade request (101) and starts reading messages.
  void start() override;
  // The daemon stops (from any thread): what is being written finishes, the rest of the queue is
  // dropped, and a close frame with code 1001 (going away) is sent; the connection ends when the client
  // answers it, or after shutdown_grace.
  void close() override;
  // Queues a notification from any thread; false when the write queue is full or the connection gone
  // (subscriptions then drop this client: see PushSink).
  bool push(std::string json_text) override;
  // Queues the last notice to a subscriber being dropped, past the bound.
  bool push_notice(std::string json_text) override;

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec);
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void send_answer(std::string text);
  void post_push(std::string json_text);
  void enqueue(std::string text);  // `text` is counted in queued_bytes_ already
  void do_write();
  void on_write(boost::system::error_code ec, std::size_t bytes);
  void go_away();
  void do_close();
  void on_close(boost::system::error_code ec);
  void fail(boost::system::error_code ec, const char* what);
  void shutdown();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> upgrade_request_;
  std::shared_ptr<SessionContext> context_;
  rpc::Connection connection_;
  std::deque<std::string> write_queue_;
  std::atomic<std::size_t> queued_bytes_{0};  // also read by push() from other threads
  std::atomic<bool> gone_{false};             // closed or closing: push() refuses at once
  boost::asio::steady_timer stop_deadline_;   // ends a close handshake the client does not answer
  bool writing_ = false;
  bool going_away_ = false;                   // the close frame is sent once the write under way ends
  bool closed_ = false;
};

}  // namespace cyclerd::http

// One TCP connection: reads lines, dispatches them, writes answers in order (internal to tcp_server).
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/rpc/dispatcher.hpp"
#include "daemon/rpc/tcp_server.hpp"

namespace cyclerd::rpc {

class TcpSession final : public Session, public PushSink, public std::enable_shared_from_this<TcpSession> {
 public:
  TcpSession(boost::asio::ip::tcp::socket socket, std::uint64_t id, const Dispatcher& dispatcher,
             const TcpLimits& limits, std::shared_ptr<OpenConnections> connections);
  ~TcpSession() override;

  // Starts reading; the session keeps itself alive through its pending operations.
  void start() override;
  // Closes the connection from any thread (at once: a line client has no goodbye to wait for).
  void close() override;
  // Queues a notification from any thread; false when the queue is full.
  bool push(std::string json_text) override;
  // Queues the last notice to a subscriber being dropped, past the bound.
  bool push_notice(std::string json_text) override;

 private:
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void send(std::string line);
  // Where the dispatcher's answer to one message goes (sent on the session's strand).
  Dispatcher::Respond answer_later();
  void post_push(std::string json_text);
  void enqueue(std::string line);  // `line` ends in '\n' and is counted in queued_bytes_ already
  void do_write();
  void on_write(boost::system::error_code ec, std::size_t bytes);
  void arm_idle_timer();
  void on_idle(boost::system::error_code ec);
  void fail(boost::system::error_code ec, const char* what);
  void linger();
  void on_linger(boost::system::error_code ec, std::size_t bytes);
  void shutdown();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer idle_timer_;
  const Dispatcher& dispatcher_;
  TcpLimits limits_;
  std::shared_ptr<OpenConnections> connections_;
  Connection connection_;
  std::string read_buffer_;
  std::size_t drained_bytes_ = 0;  // read and discarded while lingering
  std::deque<std::string> write_queue_;
  std::atomic<std::size_t> queued_bytes_{0};  // also read by push() from other threads
  std::chrono::steady_clock::time_point idle_deadline_;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // no more reads; close once the queue is written
  bool closed_ = false;
};

}  // namespace cyclerd::rpc

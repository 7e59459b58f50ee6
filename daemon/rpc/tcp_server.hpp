// JSON-RPC over TCP, one JSON text per line (DESIGN.md). A ConnectionListener accepts connections and a
// session per connection reads lines, hands each to the Dispatcher and writes the answers back in order.
// Every limit is explicit and says why it exists.
#pragma once

#include <chrono>
#include <cstddef>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "daemon/config.hpp"
#include "daemon/rpc/connection_listener.hpp"
#include "daemon/rpc/dispatcher.hpp"

namespace cyclerd::rpc {

struct TcpLimits {
  // Each connection holds a socket, a 1 MiB read buffer at most and a write queue: bounded so that a
  // misbehaving script cannot exhaust file descriptors or memory.
  std::size_t max_connections = 64;
  // A connection that neither completes a message nor takes an answer for this long is closed: this is
  // what frees the slots of half-open connections and of clients that stopped reading.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(10)};
  // Reading pauses while this many answer bytes wait to be written (the client is slow to read): the
  // queue cannot grow from requests, only from pushes.
  std::size_t pause_reading_bytes = std::size_t{1} << 20;
  // Pushed notifications beyond this are refused (PushSink::push returns false): a subscriber that
  // cannot keep up loses its subscription rather than making the daemon buffer without end.
  std::size_t max_queued_bytes = std::size_t{8} << 20;
};

class TcpServer {
 public:
  TcpServer(boost::asio::io_context& io, const Dispatcher& dispatcher, TcpLimits limits);

  // Binds and starts accepting; returns the bound endpoint (its port when port 0 was asked for).
  // Throws boost::system::system_error when the address cannot be bound.
  boost::asio::ip::tcp::endpoint listen(const ListenAddress& address) { return listener_.listen(address); }
  // Stops accepting and closes every connection.
  void stop() { listener_.stop(); }
  // Open connections (for tests and daemon.info).
  std::size_t connection_count() const { return listener_.connection_count(); }

 private:
  TcpLimits limits_;
  ConnectionListener listener_;
};

}  // namespace cyclerd::rpc

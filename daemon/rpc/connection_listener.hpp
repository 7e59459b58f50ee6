// What every transport's listener does the same way (TCP lines, HTTP and WebSocket): bind, accept each
// connection on its own strand, keep the open ones under the connection limit, refuse the rest, retry
// after accept errors, and close them all when the daemon stops. The transport only says how to make a
// session and how to refuse a connection beyond the limit.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/config.hpp"

namespace cyclerd::rpc {

// One open connection, as its listener sees it.
class Session {
 public:
  virtual ~Session() = default;
  // Starts serving; called once the session is counted (it keeps itself alive through its operations).
  virtual void start() = 0;
  // Ends the connection from any thread, as the daemon stops: each transport says goodbye its own way
  // (a WebSocket close frame, a last HTTP answer) within a bound; its handlers then end.
  virtual void close() = 0;
};

// The open connections of one listener. Shared with the sessions, so that one outliving the listener (its
// last handler runs while the io_context is torn down) can still take itself off the list.
class OpenConnections {
 public:
  // Counts `session` under `id`, or replaces the entry of `id` (an HTTP session handing its connection to
  // a WebSocket session keeps the id and the slot).
  void put(std::uint64_t id, std::weak_ptr<Session> session);
  // Removes `id` if it is still `session` (the destructor of a session that has been replaced must not
  // remove its successor).
  void remove(std::uint64_t id, const Session* session);
  std::size_t size() const;
  // Every session still alive, for closing them outside the lock.
  std::vector<std::shared_ptr<Session>> alive() const;

 private:
  mutable std::mutex mutex_;  // sessions run on their own strands, possibly on several threads
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
};

class ConnectionListener {
 public:
  // Makes the session of an accepted connection (not started yet) with its id.
  using MakeSession = std::function<std::shared_ptr<Session>(boost::asio::ip::tcp::socket, std::uint64_t id)>;
  // Answers a connection beyond the limit (and closes it); must not block.
  using Refuse = std::function<void(boost::asio::ip::tcp::socket&)>;

  // `what` names the transport in log lines ("TCP", "HTTP"); `logger` is its module's logger name.
  // Connection ids count from `first_id`, so that ids of different transports never meet.
  ConnectionListener(boost::asio::io_context& io, std::string what, std::string logger, std::size_t max_connections,
                     std::uint64_t first_id, MakeSession make, Refuse refuse);
  ~ConnectionListener();
  ConnectionListener(const ConnectionListener&) = delete;
  ConnectionListener& operator=(const ConnectionListener&) = delete;

  // Binds and starts accepting; returns the bound endpoint (its port when port 0 was asked for).
  // Throws boost::system::system_error when the address cannot be bound.
  boost::asio::ip::tcp::endpoint listen(const ListenAddress& address);
  // Stops accepting and asks every connection to close (Session::close).
  void stop();
  std::size_t connection_count() const { return connections_->size(); }
  // Shared with the sessions, which take themselves off it.
  const std::shared_ptr<OpenConnections>& connections() const { return connections_; }

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  std::string what_;
  std::string logger_;
  std::size_t max_connections_;
  MakeSession make_;
  Refuse refuse_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  std::shared_ptr<OpenConnections> connections_ = std::make_shared<OpenConnections>();
  std::uint64_t next_id_;
  bool stopped_ = false;
};

}  // namespace cyclerd::rpc

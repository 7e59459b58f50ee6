// JSON-RPC over HTTP POST /rpc and WebSocket /ws (DESIGN.md), built like Boost.Beast's advanced server:
// this listener accepts connections, an HttpSession per connection reads requests, and a request to
// upgrade /ws hands the connection to a WsSession. The limits are in limits.hpp.
#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "daemon/auth.hpp"
#include "daemon/config.hpp"
#include "daemon/http/limits.hpp"
#include "daemon/rpc/connection_listener.hpp"
#include "daemon/rpc/dispatcher.hpp"

namespace cyclerd::http {

// Connection ids of this listener start here, far above the TCP transport's (which count from 1), so
// that an id names one connection across transports in logs and in subscriptions.
inline constexpr std::uint64_t kFirstConnectionId = std::uint64_t{1} << 40;

// What every session of one listener shares; outlives none of them (held by shared_ptr).
struct SessionContext {
  const rpc::Dispatcher& dispatcher;  // authorisation and the methods: the same as on TCP
  const TokenStore* tokens;           // authenticates `Authorization: Bearer`; null: no token is valid
  HttpLimits limits;
  std::shared_ptr<rpc::OpenConnections> connections;  // the listener's: a WebSocket takes over its HTTP slot
};

class HttpListener {
 public:
  HttpListener(boost::asio::io_context& io, const rpc::Dispatcher& dispatcher, const TokenStore* tokens,
               HttpLimits limits);

  // Binds and starts accepting; returns the bound endpoint (its port when port 0 was asked for).
  // Throws boost::system::system_error when the address cannot be bound.
  boost::asio::ip::tcp::endpoint listen(const ListenAddress& address) { return listener_.listen(address); }
  // Stops accepting and says goodbye to every connection: a WebSocket gets a close frame (1001, going
  // away), an HTTP connection its answer under way, then a clean close (limits.hpp: shutdown_grace).
  void stop() { listener_.stop(); }
  // Open HTTP and WebSocket connections.
  std::size_t connection_count() const { return listener_.connection_count(); }

 private:
  std::shared_ptr<SessionContext> context_;
  rpc::ConnectionListener listener_;
};

}  // namespace cyclerd::http

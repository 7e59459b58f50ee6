// The limits of cyclerd's HTTP and WebSocket face, each with the reason it exists. One place, so that a
// reader sees every bound a hostile or broken client runs into (and the tests can name them).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "daemon/rpc/dispatcher.hpp"

namespace cyclerd::http {

struct HttpLimits {
  // One JSON-RPC message (an HTTP body, a WebSocket message): the same 1 MiB as on TCP (DESIGN.md), so a
  // client may switch transports without meeting a different bound. Larger bodies get 413, larger
  // WebSocket messages close the connection with code 1009 (message too big).
  std::size_t max_message_bytes = rpc::kMaxMessageBytes;
  // The request line and headers together. A JSON-RPC client sends a few hundred bytes; 8 KiB (what most
  // servers allow) leaves room for long tokens and proxies' headers while bounding what a connection may
  // make the daemon hold before a request is complete. Beyond it: 431.
  std::size_t max_header_bytes = std::size_t{8} << 10;
  // HTTP and WebSocket connections together (the TCP transport counts its own): each holds a socket and
  // up to a message and a write queue of memory, so a runaway script cannot exhaust descriptors or
  // memory. Beyond it a connection gets 503 and is closed.
  std::size_t max_connections = 64;
  // HTTP: a whole request must arrive, and a response be taken, within this time; a keep-alive connection
  // with no request for this long is closed. This frees the slots of half-open connections and of
  // slow-loris clients that trickle a header byte by byte. WebSocket: no frame from the client for this
  // long (a ping is sent half-way, which any live client answers) closes the connection, so a quiet
  // subscriber stays connected for a week while a vanished one is noticed.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(10)};
  // The WebSocket opening handshake and closing handshake must finish in this time.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(30)};
  // A WebSocket connection's answers and pushed notifications waiting to be written. A client that does
  // not read makes this grow; past the bound a pushed notification is refused (PushSink::push returns
  // false: its subscriptions are dropped) and an answer to a request closes the connection, rather than
  // the daemon buffering without end. HTTP needs no queue: one request is answered at a time, and a
  // pipelined request is read only once the answer before it is written.
  std::size_t max_queued_bytes = std::size_t{4} << 20;
  // When the daemon stops (SIGTERM), how long a connection may take to say goodbye: a WebSocket client
  // to answer the close frame (1001, going away), an HTTP request under way to be answered (with
  // `Connection: close`). Past it the connection is closed as it is, so that a client that does not
  // read cannot hold up the daemon's exit. Idle keep-alive connections are closed at once.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(2)};
  // Origins (`listen.allowed_origins`, e.g. "https://lab.example.org") whose web pages may use the API:
  // their requests get `Access-Control-Allow-Origin`, their preflights (OPTIONS /rpc) are answered and
  // their WebSocket upgrades accepted. Empty (the default): CORS is closed, no such header is ever sent
  // and OPTIONS is 405. Requests without an Origin header (programs, curl) and from the daemon's own
  // origin are always served; a request from any other origin is 403 on /rpc and on /ws, which also
  // stops what a browser sends without a preflight (a form's POST, a WebSocket upgrade).
  std::vector<std::string> allowed_origins;
  // How long a browser may cache a preflight's answer, so that a page does not send one before every call.
  std::chrono::seconds preflight_max_age{600};
};

}  // namespace cyclerd::http

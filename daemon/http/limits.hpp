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
  // Origins (e.g. "https://lab.example.org") whose web pages may open /ws or POST to /rpc. Empty: none,
  // CORS is closed. Requests without an Origin header (programs, curl) and from the daemon's own origin
  // are always allowed. No Access-Control-Allow-Origin header is ever sent and OPTIONS is 405, so a
  // browser on another origin can neither pass a preflight nor read an answer; the Origin check also
  // stops the requests a browser sends without asking (a form's POST, a WebSocket upgrade).
  std::vector<std::string> allowed_origins;
};

}  // namespace cyclerd::http

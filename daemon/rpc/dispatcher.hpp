// JSON-RPC 2.0 exactly, independent of any transport: one message text in, the response text out (or
// nothing, for notifications). Transports (TCP lines, later HTTP and WebSocket) keep one Connection per
// client and feed it every message. Pure apart from the handlers it calls, so it is unit-tested and fuzzed
// without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/auth.hpp"
#include "daemon/rpc/method_table.hpp"

namespace cyclerd::rpc {

// One message on any transport; what the transport refuses beyond it (DESIGN.md: 1 MiB everywhere).
inline constexpr std::size_t kMaxMessageBytes = std::size_t{1} << 20;
// A batch longer than this is refused whole: 1 MiB of "1," would otherwise ask for half a million
// error objects (tens of MB of answer from one line).
inline constexpr std::size_t kMaxBatchLength = 1000;
// Deeper nesting is refused before parsing: the JSON parser recurses, and 1 MiB of '[' would overflow
// the stack. Protocols need about 130 levels (kMaxJsonDepth of the protocol parser is 256).
inline constexpr int kMaxNesting = 256;

// The per-connection state the dispatcher keeps: who has logged in on it.
struct Connection {
  std::uint64_t id = 0;
  std::string peer;                 // "127.0.0.1:53422", for logs
  std::optional<Identity> identity;  // set by a successful auth.login
  std::weak_ptr<PushSink> push;     // where subscriptions send notifications
};

// What a method answered: a JSON value, or JSON text it keeps ready (Method::text_handler).
struct Result {
  nlohmann::json value;
  std::optional<std::string> text;
};

// One response: the response object, or, for a result served as text, the object without "result" and
// the text to splice in.
struct Answer {
  nlohmann::json object;
  std::optional<std::string> result_text;
};

class Dispatcher {
 public:
  // `tokens` may be null (no token file): then auth.login always fails. With `auth_required` false,
  // a connection that has not logged in acts as an operator named "anonymous".
  Dispatcher(const MethodTable& methods, const TokenStore* tokens, bool auth_required);

  // Handles one message (a request, a notification or a batch). Returns the response text, or nullopt
  // when there is nothing to answer (notifications, a batch of only notifications).
  // An asynchronous method (MethodTable's async_handler) is waited for here: transports that serve
  // several clients on one thread use handle_async.
  std::optional<std::string> handle(std::string_view text, Connection& connection) const;

  // The response text (or nullopt) of one message, through `done`: at once when every request of the
  // message has a synchronous handler, else once the last asynchronous one completes, possibly on
  // another thread (the transport posts it to its own). `connection` is only used before this returns.
  using Respond = std::function<void(std::optional<std::string> response)>;
  void handle_async(std::string_view text, Connection& connection, Respond done) const;

  // The text of an error response with id null (what a transport sends for a message it refuses).
  static std::string error_response(RpcCode code, const std::string& message);

 private:
  // Where the answer of an asynchronous request goes (the response object, or nullopt for a notification).
  using Later = std::function<void(std::optional<Answer>)>;
  // The parsed message, or the error response text for what fails before parsing or cannot be parsed.
  std::optional<std::string> parse(std::string_view text, nlohmann::json& message) const;
  // The response object of one request, or nullopt for a notification. With `later` set, a request for
  // an asynchronous method returns nullopt with `*deferred` true and answers through `later`.
  std::optional<Answer> handle_one(const nlohmann::json& request, Connection& connection,
                                   const Later& later = {}, bool* deferred = nullptr) const;
  // The handler's answer, or nullopt when an asynchronous handler took `later` (it answers there).
  std::optional<Result> call(const std::string& method, const nlohmann::json& params, Connection& connection,
                             const std::function<void(std::function<nlohmann::json()>)>& later) const;
  nlohmann::json login(const nlohmann::json& params, Connection& connection) const;
  Caller caller_of(const Connection& connection) const;

  const MethodTable& methods_;
  const TokenStore* tokens_;
  bool auth_required_;
};

// The number of bytes into `text` where nesting first exceeds `limit`, or nullopt (strings are skipped).
std::optional<std::size_t> nesting_exceeds(std::string_view text, int limit);

}  // namespace cyclerd::rpc

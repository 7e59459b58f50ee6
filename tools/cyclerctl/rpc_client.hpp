// A small blocking JSON-RPC 2.0 client over TCP, one JSON text per line (what cyclerctl needs). Answers
// are matched by id; `notify` messages of a subscription that arrive meanwhile are kept, in order, for
// next_notification() (cyclerctl watch).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace cyclerd::ctl {

// The daemon is not there (connection refused, no route, timeout): exit code 3.
struct Unreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The daemon answered with a JSON-RPC error: exit code 1, with its message and data.
struct RpcFailure : std::runtime_error {
  RpcFailure(int error_code, const std::string& message, nlohmann::json error_data)
      : std::runtime_error(message), code(error_code), data(std::move(error_data)) {}
  int code;
  nlohmann::json data;
};

// A signal interrupted a wait (cyclerctl watch's Ctrl-C handler does not restart system calls).
struct Interrupted {};

class RpcClient {
 public:
  // Connects to "HOST:PORT"; throws Unreachable.
  RpcClient(const std::string& host_port, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // Calls `method` and returns its result; throws RpcFailure, Unreachable or Interrupted.
  nlohmann::json call(const std::string& method, const nlohmann::json& params = nlohmann::json::object());
  // The next notification (kept ones first); nullopt when none came by `deadline`. Throws Unreachable
  // or Interrupted.
  std::optional<nlohmann::json> next_notification(std::chrono::steady_clock::time_point deadline);

 private:
  // The next message; nullopt at `deadline`.
  std::optional<nlohmann::json> read_message(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::int64_t next_id_ = 1;
  std::string buffer_;
  std::deque<nlohmann::json> kept_;  // notifications that came before an answer
};

}  // namespace cyclerd::ctl

// Test helper: a JSON-RPC client that also receives `notify` messages on the same connection. Answers
// are matched by id; notifications that arrive meanwhile are kept, in order, for the test to read.
#pragma once

#include <deque>

#include "tests/daemon/daemon_process.hpp"
#include "tests/daemon/sim_channels_config.hpp"

namespace cyclerd::test {

class PushClient {
 public:
  explicit PushClient(std::uint16_t port) : client_(port) {}

  bool connected() const { return client_.connected(); }

  // The whole answer ({result} or {error}) of one call; null JSON when none came in time.
  nlohmann::json call(const std::string& method, const nlohmann::json& params = nlohmann::json::object(),
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    const int id = ++next_id_;
    if (!client_.send_line(nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump())) {
      return nullptr;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto line = client_.read_line(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!line) return nullptr;
      auto message = nlohmann::json::parse(*line);
      if (message.contains("id") && message["id"] == id) return message;
      notifications_.push_back(std::move(message));
    }
    return nullptr;
  }

  // The result of a call that must succeed (a test failure otherwise).
  nlohmann::json result(const std::string& method, const nlohmann::json& params = nlohmann::json::object()) {
    const auto answer = call(method, params);
    if (!answer.is_object() || !answer.contains("result")) {
      ADD_FAILURE() << method << " " << params.dump() << ": " << answer.dump();
      return nullptr;
    }
    return answer["result"];
  }

  // The next notification (kept ones first), or nullopt after `timeout`.
  std::optional<nlohmann::json> next(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    if (!notifications_.empty()) {
      auto n = std::move(notifications_.front());
      notifications_.pop_front();
      return n;
    }
    const auto line = client_.read_line(timeout);
    if (!line) return std::nullopt;
    return nlohmann::json::parse(*line);
  }

  Client& raw() { return client_; }

 private:
  Client client_;
  int next_id_ = 0;
  std::deque<nlohmann::json> notifications_;
};

}  // namespace cyclerd::test

#include "tools/cyclerctl/rpc_client.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace cyclerd::ctl {

RpcClient::RpcClient(const std::string& host_port, std::chrono::milliseconds timeout) : timeout_(timeout) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) throw Unreachable("--connect wants HOST:PORT, not \"" + host_port + "\"");
  std::string host = host_port.substr(0, colon);
  const std::string port = host_port.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found) {
    throw Unreachable("cannot resolve " + host_port);
  }
  int error = 0;
  for (auto* a = found; a; a = a->ai_next) {
    fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd_ < 0) continue;
    if (::connect(fd_, a->ai_addr, a->ai_addrlen) == 0) break;
    error = errno;
    ::close(fd_);
    fd_ = -1;
  }
  ::freeaddrinfo(found);
  if (fd_ < 0) {
    throw Unreachable("cannot reach cyclerd at " + host_port + " (" + std::strerror(error) +
                      "): is the daemon running? Start it with `cyclerd --config FILE`");
  }
}

RpcClient::~RpcClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<nlohmann::json> RpcClient::read_message(std::chrono::steady_clock::time_point deadline) {
  while (true) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto message = nlohmann::json::parse(std::string_view(buffer_).substr(0, nl), nullptr, false);
      buffer_.erase(0, nl + 1);
      if (message.is_discarded()) throw Unreachable("cyclerd sent something that is not JSON");
      return message;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) throw Interrupted{};
    if (ready <= 0) continue;
    char chunk[65536];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) throw Unreachable("cyclerd closed the connection");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

nlohmann::json RpcClient::call(const std::string& method, const nlohmann::json& params) {
  const std::int64_t id = next_id_++;
  const std::string line = nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump() + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const auto n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw Unreachable("cyclerd closed the connection");
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (true) {
    auto answer = read_message(deadline);
    if (!answer) throw Unreachable("cyclerd did not answer " + method + " within " + std::to_string(timeout_.count() / 1000) + " s");
    if (!answer->contains("id") || (*answer)["id"] != id) {
      kept_.push_back(std::move(*answer));  // a notification of a subscription
      continue;
    }
    if (answer->contains("error")) {
      const auto& e = (*answer)["error"];
      throw RpcFailure(e.value("code", 0), e.value("message", std::string("error")), e.value("data", nlohmann::json()));
    }
    return answer->value("result", nlohmann::json());
  }
}

std::optional<nlohmann::json> RpcClient::next_notification(std::chrono::steady_clock::time_point deadline) {
  if (!kept_.empty()) {
    auto notification = std::move(kept_.front());
    kept_.pop_front();
    return notification;
  }
  return read_message(deadline);
}

}  // namespace cyclerd::ctl

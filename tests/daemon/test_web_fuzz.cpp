// A randomized campaign against the real cyclerd's HTTP and WebSocket face: well-formed, mutated,
// truncated and random HTTP requests, and WebSocket frames of every opcode, length encoding and masking,
// whole or cut short. The daemon must keep serving a well-behaved client throughout (checked every
// kCheckEvery iterations and at the end) and never exit. 5,000 iterations in the default suite;
// 100,000 with CYCLERD_LONG=1 (ctest label `long`). CYCLERD_FUZZ_SEED replays one campaign.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"
#include "tests/daemon/jsonrpc_spec_cases.hpp"
#include "tests/daemon/web_client.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;
using namespace web;

constexpr int kCheckEvery = 250;

// A raw connection: bytes out, anything that comes back read and dropped without blocking. Closed with
// a reset (SO_LINGER 0) so that a hundred thousand connections leave no TIME_WAIT behind.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const linger reset{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    open_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool open() const { return open_; }
  std::size_t total_received() const { return total_received_; }
  // Sends everything, waiting at most a second for room; false (and closed) when the daemon hung up.
  bool send(std::string_view bytes) {
    while (open_ && !bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        drain();
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, 1000) <= 0) open_ = false;
        continue;
      }
      open_ = false;
    }
    return open_;
  }
  // Reads what is there; false when the daemon closed the connection.
  bool drain() {
    char chunk[65536];
    while (open_) {
      const auto n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        total_received_ += static_cast<std::size_t>(n);
        received_.append(chunk, static_cast<std::size_t>(std::min<ssize_t>(n, 4096)));
        if (received_.size() > 65536) received_.erase(0, received_.size() - 4096);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      open_ = false;
    }
    return open_;
  }
  // Waits up to `timeout` for `text` among the bytes received.
  bool wait_for(std::string_view text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(text) == std::string::npos) {
      if (!drain() || std::chrono::steady_clock::now() >= deadline) return false;
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, 10);
    }
    return true;
  }

 private:
  int fd_ = -1;
  bool open_ = false;
  std::string received_;
  std::size_t total_received_ = 0;
};

class Campaign {
 public:
  Campaign(std::uint64_t seed, std::uint16_t port) : rng_(seed), port_(port) {
    for (const auto& spec : spec_cases()) bodies_.push_back(spec.request);
    bodies_.push_back(kInfo);
    bodies_.push_back(kReset);
    bodies_.push_back(login(kViewerToken));
    bodies_.push_back(login("wrong"));
    bodies_.push_back(R"({"jsonrpc": "2.0", "method": "channels.list", "id": 1})");
    bodies_.push_back(R"({"jsonrpc": "2.0", "method": "runs.list", "params": {"state": "running"}, "id": 2})");
    bodies_.push_back(std::string(300, '[') + std::string(300, ']'));
  }

  // Bytes the daemon sent back over HTTP and over WebSocket (answers, errors, pings, close frames).
  std::size_t http_received() const { return http_received_ + (http_ ? http_->total_received() : 0); }
  std::size_t ws_received() const { return ws_received_ + (ws_ ? ws_->total_received() : 0); }

  // One random message on the HTTP or the WebSocket connection.
  void step() {
    if (chance(0.6)) {
      http_step();
    } else {
      ws_step();
    }
  }

 private:
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }
  std::string random_bytes(std::size_t n) {
    std::string bytes(n, '\0');
    for (auto& b : bytes) b = static_cast<char>(below(256));
    return bytes;
  }

  // A body from the corpus, sometimes mutated, or random bytes.
  std::string body() {
    if (chance(0.1)) return random_bytes(below(200));
    auto text = pick(bodies_);
    if (chance(0.4)) mutate(text);
    return text;
  }

  void mutate(std::string& text) {
    const auto edits = 1 + below(4);
    for (std::size_t i = 0; i < edits && !text.empty(); ++i) {
      const auto at = below(text.size());
      switch (below(4)) {
        case 0: text[at] = static_cast<char>(below(256)); break;
        case 1: text.insert(at, random_bytes(1 + below(8))); break;
        case 2: text.erase(at, 1 + below(8)); break;
        default: text.insert(at, text.substr(at, below(32))); break;
      }
    }
  }

  std::string http_request() {
    static const std::vector<std::string> methods = {"POST", "POST", "POST", "GET", "PUT", "OPTIONS", "HEAD", "DELETE",
                                                     "P0ST", "", "CONNECT"};
    static const std::vector<std::string> targets = {"/rpc", "/rpc", "/rpc", "/ws", "/", "/rpc?x=1", "*",
                                                     "/../etc/passwd", "http://127.0.0.1/rpc", "rpc"};
    static const std::vector<std::string> versions = {"HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.x", ""};
    const auto payload = body();
    std::string text = pick(methods) + " " + (chance(0.02) ? std::string(9000, 'a') : pick(targets)) + " " +
                       pick(versions) + "\r\n";
    if (chance(0.9)) text += "Host: 127.0.0.1\r\n";
    if (chance(0.3)) text += std::string("Authorization: ") + (chance(0.5) ? "Bearer " : "") +
                             (chance(0.5) ? std::string(kViewerToken) : random_bytes(below(40))) + "\r\n";
    if (chance(0.1)) text += "Origin: " + std::string(chance(0.5) ? "http://evil.example" : "null") + "\r\n";
    if (chance(0.05)) text += "Expect: 100-continue\r\n";
    if (chance(0.1)) text += std::string("Connection: ") + (chance(0.5) ? "close" : "keep-alive") + "\r\n";
    if (chance(0.05)) text += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n";
    if (chance(0.05)) text += "X-" + random_bytes(below(20)) + ": " + random_bytes(below(60)) + "\r\n";
    if (chance(0.1)) {
      // Chunked, with sizes that are right, wrong or absurd.
      text += "Transfer-Encoding: chunked\r\n\r\n";
      std::ostringstream chunk;
      chunk << std::hex << (chance(0.8) ? payload.size() : below(1u << 30));
      text += chunk.str() + "\r\n" + payload + "\r\n0\r\n\r\n";
    } else {
      const auto length = chance(0.9) ? std::to_string(payload.size())
                                      : pick(std::vector<std::string>{"-1", "99999999999999999999", "2000000", "abc",
                                                                      std::to_string(payload.size() + 5)});
      if (chance(0.95)) text += "Content-Length: " + length + "\r\n";
      if (chance(0.02)) text += "Content-Length: 3\r\n";  // a second, different length
      text += "\r\n" + payload;
    }
    return text;
  }

  void http_step() {
    if (!http_ || !http_->open()) {
      if (http_) http_received_ += http_->total_received();
      http_ = std::make_unique<RawConnection>(port_);
    }
    auto request = chance(0.05) ? random_bytes(1 + below(300)) : http_request();
    if (chance(0.1)) mutate(request);
    const bool truncated = chance(0.15);
    if (truncated) request.resize(below(request.size() + 1));
    http_->send(request);
    http_->drain();
    // A cut-off request leaves the connection waiting for the rest: usually start afresh.
    if ((truncated && chance(0.7)) || chance(0.05)) {
      http_received_ += http_->total_received();
      http_.reset();
    }
  }

  std::string frame(const std::string& payload) {
    static const std::vector<int> opcodes = {1, 1, 1, 2, 0, 8, 9, 10, 3, 7, 11, 15};
    std::string bytes;
    const int fin = chance(0.9) ? 0x80 : 0;
    const int rsv = chance(0.05) ? static_cast<int>(below(8)) << 4 : 0;
    bytes.push_back(static_cast<char>(fin | rsv | pick(opcodes)));
    const bool masked = chance(0.95);  // a client must mask: an unmasked frame is a protocol error
    const auto size = chance(0.05) ? below(1u << 24) : payload.size();  // sometimes a lie
    const int mask_bit = masked ? 0x80 : 0;
    if (size < 126 && chance(0.9)) {
      bytes.push_back(static_cast<char>(mask_bit | static_cast<int>(size)));
    } else if (size < 65536 && chance(0.8)) {
      bytes.push_back(static_cast<char>(mask_bit | 126));
      bytes.push_back(static_cast<char>(size >> 8));
      bytes.push_back(static_cast<char>(size & 0xff));
    } else {
      bytes.push_back(static_cast<char>(mask_bit | 127));
      const std::uint64_t wide = chance(0.1) ? (std::uint64_t{1} << 63) | size : size;
      for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((wide >> shift) & 0xff));
    }
    std::string key = masked ? random_bytes(4) : std::string();
    bytes += key;
    for (std::size_t i = 0; i < payload.size(); ++i) {
      bytes.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
    }
    return bytes;
  }

  void ws_step() {
    if (!ws_ || !ws_->open()) {
      if (ws_) ws_received_ += ws_->total_received();
      ws_ = std::make_unique<RawConnection>(port_);
      ws_->send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
      if (!ws_->wait_for("\r\n\r\n", std::chrono::seconds(5))) {
        ADD_FAILURE() << "no answer to a WebSocket upgrade";
        ws_.reset();
        return;
      }
    }
    auto bytes = frame(body());
    if (chance(0.05)) bytes = random_bytes(1 + below(64));
    if (chance(0.05)) mutate(bytes);
    const bool truncated = chance(0.1);
    if (truncated) bytes.resize(below(bytes.size() + 1));
    ws_->send(bytes);
    ws_->drain();
    if ((truncated && chance(0.7)) || chance(0.03)) {
      ws_received_ += ws_->total_received();
      ws_.reset();
    }
  }

  std::mt19937_64 rng_;
  std::uint16_t port_;
  std::vector<std::string> bodies_;
  std::unique_ptr<RawConnection> http_;
  std::unique_ptr<RawConnection> ws_;
  std::size_t http_received_ = 0;
  std::size_t ws_received_ = 0;
};

// A well-behaved client on each of HTTP and WebSocket gets its answer.
void expect_serving(const Daemon& daemon, int iteration) {
  ASSERT_TRUE(daemon.alive()) << "cyclerd exited by iteration " << iteration;
  HttpClient http(http_port(daemon));
  const auto answer = http.post(kInfo, std::string(kViewerToken));
  ASSERT_TRUE(answer.has_value()) << "no HTTP answer at iteration " << iteration;
  ASSERT_EQ(answer->result_int(), 200) << answer->body();
  EXPECT_EQ(json::parse(answer->body())["result"]["name"], "cyclerd");
  WsClient ws(http_port(daemon));
  ASSERT_FALSE(ws.error()) << "WebSocket upgrade failed at iteration " << iteration << ": " << ws.error().message();
  EXPECT_EQ(ws.call(login(kViewerToken))["result"]["role"], "viewer");
  EXPECT_EQ(ws.call(kInfo)["result"]["name"], "cyclerd") << "at iteration " << iteration;
}

TEST(WebFuzz, RandomAndTruncatedHttpRequestsAndWebSocketFramesLeaveTheDaemonServing) {
  const auto dir = make_temp_dir();
  Daemon daemon(secured_config(dir, R"({"idle_timeout_s": 2})"), http_args());
  ASSERT_TRUE(daemon.alive());
  const int iterations = std::getenv("CYCLERD_LONG") ? 100'000 : 5'000;
  const std::uint64_t seed =
      std::getenv("CYCLERD_FUZZ_SEED") ? std::strtoull(std::getenv("CYCLERD_FUZZ_SEED"), nullptr, 10) : std::random_device{}();
  SCOPED_TRACE("CYCLERD_FUZZ_SEED=" + std::to_string(seed));
  Campaign campaign(seed, http_port(daemon));
  for (int i = 1; i <= iterations; ++i) {
    campaign.step();
    if (i % kCheckEvery == 0) {
      expect_serving(daemon, i);
      if (::testing::Test::HasFatalFailure()) break;
    }
  }
  expect_serving(daemon, iterations);
  // The campaign reached the daemon's parsers rather than bouncing off: both sides answered.
  EXPECT_GT(campaign.http_received(), 0u);
  EXPECT_GT(campaign.ws_received(), 0u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test

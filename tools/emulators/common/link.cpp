#include "tools/emulators/common/link.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace cyclerd::emulator {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

// Splits complete lines off `buffer`.
std::optional<std::string> take_line(std::string& buffer) {
  auto nl = buffer.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  std::string line = buffer.substr(0, nl);
  buffer.erase(0, nl + 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool write_all(int fd, const std::string& text, bool socket) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = socket ? ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL)
                       : ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The cable is cut until this moment; max() for good.
class Outage {
 public:
  void cut(std::chrono::milliseconds down) {
    std::lock_guard lock(mutex_);
    until_ = down.count() < 0 ? Clock::time_point::max() : Clock::now() + down;
  }
  bool active() const {
    std::lock_guard lock(mutex_);
    return Clock::now() < until_;
  }

 private:
  mutable std::mutex mutex_;
  Clock::time_point until_{};
};

class PtyLink final : public Link {
 public:
  PtyLink() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) fail("cannot make a pseudo-terminal");
    path_ = ::ptsname(master_);
    // Holding the slave open keeps the master readable between host connections (no EIO), and lets
    // the line start raw: no echo, no newline translation, as a USB serial port behaves.
    slave_ = ::open(path_.c_str(), O_RDWR | O_NOCTTY);
    if (slave_ < 0) fail("cannot open " + path_);
    termios tio{};
    ::tcgetattr(slave_, &tio);
    ::cfmakeraw(&tio);
    ::tcsetattr(slave_, TCSANOW, &tio);
  }
  ~PtyLink() override {
    ::close(slave_);
    ::close(master_);
  }

  std::optional<std::string> read_line(std::chrono::milliseconds timeout) override {
    auto deadline = Clock::now() + timeout;
    while (true) {
      if (auto line = take_line(buffer_)) {
        if (outage_.active()) continue;  // nobody is on the cable: what was sent is lost
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{master_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno != EINTR) fail("poll");
      if (r <= 0) continue;
      char chunk[4096];
      ssize_t n = ::read(master_, chunk, sizeof chunk);
      if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
      if (outage_.active()) buffer_.clear();
    }
  }

  bool write(const std::string& text) override {
    if (outage_.active()) return false;
    std::lock_guard lock(write_mutex_);
    return write_all(master_, text, false);
  }

  void cut(std::chrono::milliseconds down) override {
    outage_.cut(down);
    // What the host had not read yet is lost with the cable.
    ::tcflush(slave_, TCIOFLUSH);
  }

  std::optional<std::size_t> unread() const override {
    int n = 0;
    if (::ioctl(slave_, FIONREAD, &n) != 0) return std::nullopt;
    return static_cast<std::size_t>(n);
  }

  std::string describe() const override { return "pty " + path_; }

 private:
  int master_ = -1;
  int slave_ = -1;
  std::string path_;
  std::string buffer_;
  std::mutex write_mutex_;
  Outage outage_;
};

class TcpLink final : public Link {
 public:
  explicit TcpLink(unsigned short port) {
    listen_on(port);
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~TcpLink() override {
    if (client_ >= 0) ::close(client_);
    if (listener_ >= 0) ::close(listener_);
  }

  std::optional<std::string> read_line(std::chrono::milliseconds timeout) override {
    auto deadline = Clock::now() + timeout;
    while (true) {
      if (auto line = take_line(buffer_)) return line;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      if (cut_pending_.exchange(false)) drop_client();
      if (outage_.active()) {
        if (listener_ >= 0) ::close(listener_), listener_ = -1;
        std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(20)));
        continue;
      }
      if (listener_ < 0) listen_on(port_);
      int fd = current_client();
      pollfd p{fd >= 0 ? fd : listener_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::min(left, std::chrono::milliseconds(50)).count()));
      if (r < 0 && errno != EINTR) fail("poll");
      if (r <= 0) continue;
      if (fd < 0) {
        int c = ::accept(listener_, nullptr, nullptr);
        if (c >= 0) {
          std::lock_guard lock(mutex_);
          client_ = c;
          buffer_.clear();
        }
        continue;
      }
      char chunk[4096];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        drop_client();  // the host hung up; the next one may connect
        continue;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  bool write(const std::string& text) override {
    int fd = current_client();
    if (fd < 0 || outage_.active()) return false;
    std::lock_guard lock(write_mutex_);
    return write_all(fd, text, true);
  }

  void cut(std::chrono::milliseconds down) override {
    outage_.cut(down);
    std::lock_guard lock(mutex_);
    // Shutting the socket down unblocks a writer; the reading thread closes it.
    if (client_ >= 0) ::shutdown(client_, SHUT_RDWR);
    cut_pending_ = true;
  }

  std::string describe() const override { return "tcp 127.0.0.1:" + std::to_string(port_); }

 private:
  void listen_on(unsigned short port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listener_ < 0) fail("socket");
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("bind");
    if (::listen(listener_, 4) != 0) fail("listen");
  }
  int current_client() {
    std::lock_guard lock(mutex_);
    return client_;
  }
  void drop_client() {
    std::lock_guard lock(mutex_);
    if (client_ >= 0) ::close(client_);
    client_ = -1;
    buffer_.clear();
  }

  int listener_ = -1;
  unsigned short port_ = 0;
  std::mutex mutex_;        // guards client_
  std::mutex write_mutex_;  // one writer at a time, so lines never interleave
  int client_ = -1;
  std::atomic<bool> cut_pending_{false};
  std::string buffer_;
  Outage outage_;
};

}  // namespace

std::unique_ptr<Link> open_pty_link() { return std::make_unique<PtyLink>(); }
std::unique_ptr<Link> open_tcp_link(unsigned short port) { return std::make_unique<TcpLink>(port); }

}  // namespace cyclerd::emulator

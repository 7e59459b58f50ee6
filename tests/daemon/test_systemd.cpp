// systemd integration as systemd sees it: READY=1 on $NOTIFY_SOCKET once cyclerd listens, then
// WATCHDOG=1 pings at half of $WATCHDOG_USEC, and STOPPING=1 on SIGTERM.
#include <sys/un.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {
namespace {

// Every datagram that arrives within `timeout`, joined by '|'.
std::string receive_all(int fd, std::chrono::milliseconds timeout) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buffer[4096];
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) got += std::string(buffer, static_cast<std::size_t>(n)) + "|";
  }
  return got;
}

TEST(Systemd, NotifiesReadyPingsTheWatchdogAndSaysStopping) {
  const auto dir = make_temp_dir();
  const auto path = (dir / "notify.sock").string();
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::copy(path.begin(), path.end(), addr.sun_path);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);  // pings every 100 ms
  {
    Daemon daemon;
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    const auto got = receive_all(fd, std::chrono::milliseconds(600));
    EXPECT_NE(got.find("READY=1"), std::string::npos) << got;
    std::size_t pings = 0;
    for (auto at = got.find("WATCHDOG=1"); at != std::string::npos; at = got.find("WATCHDOG=1", at + 1)) ++pings;
    EXPECT_GE(pings, 3u) << got;
    EXPECT_EQ(daemon.terminate(), 0);
    EXPECT_NE(receive_all(fd, std::chrono::milliseconds(200)).find("STOPPING=1"), std::string::npos);
  }
  ::close(fd);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test

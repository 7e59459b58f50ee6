#include "daemon/systemd.hpp"

#include <systemd/sd-daemon.h>

#include <spdlog/spdlog.h>

namespace cyclerd {

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io) : watchdog_(io) {}

void SystemdNotifier::ready() {
  sd_notify(0, "READY=1\nSTATUS=serving");
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    // Half the period, as sd_watchdog_enabled(3) recommends: one late ping must not kill the daemon.
    interval_ = std::chrono::microseconds(static_cast<std::int64_t>(usec / 2));
    spdlog::get("daemon")->info("systemd watchdog: pinging every {} ms", interval_.count() / 1000);
    ping();
  }
}

void SystemdNotifier::ping() {
  // The ping runs on the io_context that serves clients: a stuck event loop stops the pings and
  // systemd restarts the daemon, which is the point.
  sd_notify(0, "WATCHDOG=1");
  watchdog_.expires_after(interval_);
  watchdog_.async_wait([this](boost::system::error_code ec) {
    if (!ec) ping();
  });
}

void SystemdNotifier::stopping() {
  sd_notify(0, "STOPPING=1");
  watchdog_.cancel();
}

}  // namespace cyclerd

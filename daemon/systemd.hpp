// systemd integration through libsystemd: READY=1 once the daemon listens, WATCHDOG=1 at half of the
// unit's WatchdogSec, STOPPING=1 on shutdown. Every call does nothing when not started by systemd.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace cyclerd {

class SystemdNotifier {
 public:
  explicit SystemdNotifier(boost::asio::io_context& io);

  // Tells systemd the daemon is serving (Type=notify), and starts the watchdog pings if it asked for them.
  void ready();
  // Tells systemd the daemon is shutting down and stops the pings.
  void stopping();

 private:
  void ping();

  boost::asio::steady_timer watchdog_;
  std::chrono::microseconds interval_{0};
};

}  // namespace cyclerd

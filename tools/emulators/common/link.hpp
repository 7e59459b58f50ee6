// The emulator's end of the cable: a pseudo-terminal (what a USB serial instrument looks like) or one
// TCP client at a time (a serial-to-LAN bridge). Lines in, text out, and a way to cut the cable.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace cyclerd::emulator {

class Link {
 public:
  virtual ~Link() = default;
  // The next line (terminator and a trailing '\r' removed), or nullopt after `timeout` without one.
  // Called from one thread only.
  virtual std::optional<std::string> read_line(std::chrono::milliseconds timeout) = 0;
  // Writes `text` whole; false when the cable is cut or nobody is connected (the text is lost).
  // May block while the host does not read (the backpressure of a real serial line). Thread-safe.
  virtual bool write(const std::string& text) = 0;
  // Cuts the cable for `down` (negative: for good). The instrument itself keeps running.
  virtual void cut(std::chrono::milliseconds down) = 0;
  // Bytes written and not yet read by the host, where the link can tell (a pty can, TCP cannot).
  virtual std::optional<std::size_t> unread() const { return std::nullopt; }
  // What a host connects to: "pty /dev/pts/4" or "tcp 127.0.0.1:40123".
  virtual std::string describe() const = 0;
};

// A pseudo-terminal in raw mode; the slave path is in describe().
std::unique_ptr<Link> open_pty_link();
// A TCP listener on 127.0.0.1:`port` (0: any free port).
std::unique_ptr<Link> open_tcp_link(unsigned short port);

}  // namespace cyclerd::emulator

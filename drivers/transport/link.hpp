// The byte stream under a Transport: a serial device or a TCP socket, both as Asio objects so that
// nothing blocks the io_context. Internal to drivers/transport.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "core/error.hpp"
#include "drivers/transport/endpoint.hpp"

struct sp_port;

namespace cyclerd {

class Link {
 public:
  using Handler = std::function<void(const boost::system::error_code&, std::size_t)>;

  explicit Link(boost::asio::any_io_executor executor);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Opens and configures a serial device at once (opening a tty does not wait when O_NONBLOCK is
  // given); throws Error(disconnected) naming the device and the reason.
  void open_serial(const Endpoint& endpoint);
  // Resolves and connects within `timeout`; `done` gets nullopt or Error(disconnected | timeout).
  void async_connect_tcp(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                         std::function<void(std::optional<Error>)> done);

  bool is_open() const;
  void async_read_some(char* data, std::size_t size, Handler handler);
  void async_write_all(const std::string& bytes, Handler handler);
  // Reads what has already arrived without waiting (for discarding stale input).
  std::string read_available();
  // Cancels reads and writes in flight (they complete with operation_aborted).
  void cancel();
  void close();
  // "libserialport" or "termios" for serial links (which path opened the device), "tcp" otherwise.
  const std::string& flavour() const { return flavour_; }

 private:
  int native_handle();

  boost::asio::any_io_executor executor_;
  std::optional<boost::asio::posix::stream_descriptor> serial_;
  std::optional<boost::asio::ip::tcp::socket> tcp_;
  sp_port* port_ = nullptr;  // kept open while libserialport owns the device settings
  std::string flavour_;
  std::shared_ptr<bool> connect_alive_;  // guards a TCP connect in flight against close()
};

}  // namespace cyclerd

#include "drivers/transport/link.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <boost/asio/connect.hpp>
#include <libserialport.h>

namespace cyclerd {

namespace {

Error link_error(const Endpoint& e, const std::string& what) {
  return Error(ErrorCode::disconnected, what, e.describe());
}

speed_t termios_speed(int baud) {
  switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return B0;
  }
}

// A device libserialport cannot describe (a pseudo-terminal: it has no sysfs entry, which
// libserialport 0.1 requires) is opened directly and put in raw mode with the same line settings.
int open_with_termios(const Endpoint& e) {
  int fd = ::open(e.path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw link_error(e, "cannot open serial device: " + std::string(std::strerror(errno)));
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    int err = errno;
    ::close(fd);
    throw link_error(e, "not a serial device: " + std::string(std::strerror(err)));
  }
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  tio.c_cflag |= e.data_bits == 5 ? CS5 : e.data_bits == 6 ? CS6 : e.data_bits == 7 ? CS7 : CS8;
  if (e.parity != SerialParity::none) tio.c_cflag |= PARENB | (e.parity == SerialParity::odd ? PARODD : 0);
  if (e.stop_bits == 2) tio.c_cflag |= CSTOPB;
  if (e.flow == SerialFlow::rtscts) tio.c_cflag |= CRTSCTS;
  if (e.flow == SerialFlow::xonxoff) tio.c_iflag |= IXON | IXOFF;
  if (speed_t speed = termios_speed(e.baud); speed != B0) ::cfsetspeed(&tio, speed);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    int err = errno;
    ::close(fd);
    throw link_error(e, "cannot configure serial device: " + std::string(std::strerror(err)));
  }
  ::tcflush(fd, TCIOFLUSH);
  return fd;
}

}  // namespace

Link::Link(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

Link::~Link() { close(); }

void Link::open_serial(const Endpoint& e) {
  close();
  sp_port* port = nullptr;
  int fd = -1;
  if (sp_get_port_by_name(e.path.c_str(), &port) == SP_OK) {
    auto fail = [&](const char* what) {
      std::string reason = std::string(what) + ": " + sp_last_error_message();
      sp_close(port);
      sp_free_port(port);
      throw link_error(e, reason);
    };
    if (sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
      std::string reason = std::string("cannot open serial device: ") + sp_last_error_message();
      sp_free_port(port);
      throw link_error(e, reason);
    }
    if (sp_set_baudrate(port, e.baud) != SP_OK) fail("cannot set the baud rate");
    if (sp_set_bits(port, e.data_bits) != SP_OK) fail("cannot set the data bits");
    sp_parity parity = e.parity == SerialParity::odd    ? SP_PARITY_ODD
                       : e.parity == SerialParity::even ? SP_PARITY_EVEN
                                                        : SP_PARITY_NONE;
    if (sp_set_parity(port, parity) != SP_OK) fail("cannot set the parity");
    if (sp_set_stopbits(port, e.stop_bits) != SP_OK) fail("cannot set the stop bits");
    sp_flowcontrol flow = e.flow == SerialFlow::rtscts    ? SP_FLOWCONTROL_RTSCTS
                          : e.flow == SerialFlow::xonxoff ? SP_FLOWCONTROL_XONXOFF
                                                          : SP_FLOWCONTROL_NONE;
    if (sp_set_flowcontrol(port, flow) != SP_OK) fail("cannot set the flow control");
    sp_flush(port, SP_BUF_BOTH);
    int handle = -1;
    if (sp_get_port_handle(port, &handle) != SP_OK) fail("no file descriptor");
    // Asio owns a duplicate so that closing either side never closes the other's descriptor twice.
    fd = ::fcntl(handle, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) fail("cannot duplicate the file descriptor");
    port_ = port;
    flavour_ = "libserialport";
  } else {
    fd = open_with_termios(e);
    flavour_ = "termios";
  }
  serial_.emplace(executor_, fd);
}

void Link::async_connect_tcp(const Endpoint& e, std::chrono::milliseconds timeout,
                             std::function<void(std::optional<Error>)> done) {
  close();
  namespace ip = boost::asio::ip;
  tcp_.emplace(executor_);
  flavour_ = "tcp";
  auto alive = std::make_shared<bool>(true);
  connect_alive_ = alive;
  auto resolver = std::make_shared<ip::tcp::resolver>(executor_);
  auto timer = std::make_shared<boost::asio::steady_timer>(executor_, timeout);
  auto finished = std::make_shared<bool>(false);
  auto finish = [this, alive, finished, timer, resolver, done, e](std::optional<Error> error) {
    if (*finished) return;
    *finished = true;
    timer->cancel();
    if (!*alive) return;
    if (error && tcp_) {
      boost::system::error_code ignored;
      tcp_->close(ignored);
      tcp_.reset();
    }
    done(std::move(error));
  };
  timer->async_wait([this, alive, finished, resolver, finish, timeout](const boost::system::error_code& ec) {
    if (ec || *finished || !*alive) return;
    resolver->cancel();
    if (tcp_) {
      boost::system::error_code ignored;
      tcp_->cancel(ignored);
    }
    finish(Error(ErrorCode::timeout,
                 "no TCP connection within " + std::to_string(timeout.count()) + " ms", ""));
  });
  resolver->async_resolve(
      e.host, std::to_string(e.port),
      [this, alive, finished, finish, e](const boost::system::error_code& ec, ip::tcp::resolver::results_type results) {
        if (*finished || !*alive) return;
        if (ec) return finish(link_error(e, "cannot resolve " + e.host + ": " + ec.message()));
        boost::asio::async_connect(*tcp_, results,
                                   [alive, finished, finish, e, this](const boost::system::error_code& ec2,
                                                                      const ip::tcp::endpoint&) {
                                     if (*finished || !*alive) return;
                                     if (ec2) return finish(link_error(e, "cannot connect: " + ec2.message()));
                                     boost::system::error_code ignored;
                                     tcp_->set_option(ip::tcp::no_delay(true), ignored);
                                     finish(std::nullopt);
                                   });
      });
}

bool Link::is_open() const { return (serial_ && serial_->is_open()) || (tcp_ && tcp_->is_open()); }

void Link::async_read_some(char* data, std::size_t size, Handler handler) {
  if (serial_) serial_->async_read_some(boost::asio::buffer(data, size), std::move(handler));
  else if (tcp_) tcp_->async_read_some(boost::asio::buffer(data, size), std::move(handler));
  else boost::asio::post(executor_, [handler = std::move(handler)] { handler(boost::asio::error::not_connected, 0); });
}

void Link::async_write_all(const std::string& bytes, Handler handler) {
  if (serial_) boost::asio::async_write(*serial_, boost::asio::buffer(bytes), std::move(handler));
  else if (tcp_) boost::asio::async_write(*tcp_, boost::asio::buffer(bytes), std::move(handler));
  else boost::asio::post(executor_, [handler = std::move(handler)] { handler(boost::asio::error::not_connected, 0); });
}

int Link::native_handle() {
  if (serial_ && serial_->is_open()) return serial_->native_handle();
  if (tcp_ && tcp_->is_open()) return tcp_->native_handle();
  return -1;
}

std::string Link::read_available() {
  std::string out;
  int fd = native_handle();
  if (fd < 0) return out;
  char chunk[4096];
  // Only what FIONREAD says has arrived is read, so this never waits even on a blocking descriptor.
  for (;;) {
    int ready = 0;
    if (::ioctl(fd, FIONREAD, &ready) != 0 || ready <= 0) break;
    ssize_t n = ::read(fd, chunk, std::min(sizeof chunk, static_cast<std::size_t>(ready)));
    if (n <= 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) break;
  }
  return out;
}

void Link::cancel() {
  boost::system::error_code ignored;
  if (serial_) serial_->cancel(ignored);
  if (tcp_) tcp_->cancel(ignored);
}

void Link::close() {
  if (connect_alive_) *connect_alive_ = false;
  connect_alive_.reset();
  boost::system::error_code ignored;
  if (serial_) serial_->close(ignored);
  serial_.reset();
  if (tcp_) tcp_->close(ignored);
  tcp_.reset();
  if (port_ != nullptr) {
    sp_close(port_);
    sp_free_port(port_);
    port_ = nullptr;
  }
}

}  // namespace cyclerd

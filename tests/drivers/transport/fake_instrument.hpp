// A scripted instrument on the far end of a real pseudo-terminal or a real TCP port, for transport and
// driver tests: every received line goes to a responder, whose answer (bytes, sent as they are) goes back.
// Runs on the test's io_context, like the transport under test.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>

namespace cyclerd::test {

class FakeInstrument {
 public:
  // What to send back for one received line (without its terminator); nullopt sends nothing.
  using Responder = std::function<std::optional<std::string>(const std::string& line)>;

  enum class Kind { pty, tcp };

  FakeInstrument(boost::asio::io_context& io, Kind kind, Responder responder, std::string terminator = "\n")
      : io_(io), kind_(kind), responder_(std::move(responder)), terminator_(std::move(terminator)) {
    if (kind_ == Kind::pty) {
      int master = ::posix_openpt(O_RDWR | O_NOCTTY);
      if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) throw std::runtime_error("no pty");
      path_ = ::ptsname(master);
      pty_.emplace(io_, master);
      // Keep a slave descriptor open until the transport opens its own: a pty master reads EIO while
      // no slave is open, which would look like a cut link.
      hold_slave_ = ::open(path_.c_str(), O_RDWR | O_NOCTTY);
      read_pty();
    } else {
      acceptor_.emplace(io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
      accept();
    }
  }
  ~FakeInstrument() {
    if (hold_slave_ >= 0) ::close(hold_slave_);
  }

  // The URI a transport connects to.
  std::string uri() const {
    if (kind_ == Kind::pty) return "serial://" + path_ + "?baud=57600";
    return "tcp://127.0.0.1:" + std::to_string(acceptor_->local_endpoint().port());
  }
  // Every line received, in order.
  const std::vector<std::string>& received() const { return received_; }
  // Sends bytes unasked (noise, a late reply).
  void send(const std::string& bytes) {
    auto data = std::make_shared<std::string>(bytes);
    auto done = [data](const boost::system::error_code&, std::size_t) {};
    if (pty_) boost::asio::async_write(*pty_, boost::asio::buffer(*data), done);
    else if (socket_ && socket_->is_open()) boost::asio::async_write(*socket_, boost::asio::buffer(*data), done);
  }
  // Cuts the link: closes the TCP connection (the listener stays, so a reconnect succeeds) or the pty.
  void cut() {
    boost::system::error_code ignored;
    if (socket_) socket_->close(ignored);
    if (pty_) pty_->close(ignored);
    if (hold_slave_ >= 0) ::close(hold_slave_);
    hold_slave_ = -1;
  }
  // Stops listening: later connection attempts are refused.
  void stop_listening() {
    boost::system::error_code ignored;
    if (acceptor_) acceptor_->close(ignored);
  }
  int connections() const { return connections_; }

 private:
  void accept() {
    acceptor_->async_accept([this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
      if (ec) return;
      ++connections_;
      socket_.emplace(std::move(socket));
      inbox_.clear();
      read_tcp();
      accept();
    });
  }
  void read_tcp() {
    socket_->async_read_some(boost::asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;
      on_bytes(n);
      read_tcp();
    });
  }
  void read_pty() {
    pty_->async_read_some(boost::asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;
      if (hold_slave_ >= 0) {  // the transport has its own slave descriptor by now
        ::close(hold_slave_);
        hold_slave_ = -1;
      }
      on_bytes(n);
      read_pty();
    });
  }
  void on_bytes(std::size_t n) {
    inbox_.append(buffer_.data(), n);
    std::size_t end;
    while ((end = inbox_.find(terminator_)) != std::string::npos) {
      std::string line = inbox_.substr(0, end);
      inbox_.erase(0, end + terminator_.size());
      received_.push_back(line);
      if (auto reply = responder_(line)) send(*reply);
    }
  }

  boost::asio::io_context& io_;
  Kind kind_;
  Responder responder_;
  std::string terminator_;
  std::string path_;
  int hold_slave_ = -1;
  std::optional<boost::asio::posix::stream_descriptor> pty_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::optional<boost::asio::ip::tcp::socket> socket_;
  std::array<char, 4096> buffer_{};
  std::string inbox_;
  std::vector<std::string> received_;
  int connections_ = 0;
};

}  // namespace cyclerd::test

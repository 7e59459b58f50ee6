#include "daemon/rpc/tcp_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace cyclerd::rpc {

namespace asio = boost::asio;

namespace {

std::shared_ptr<spdlog::logger> log() {
  auto logger = spdlog::get("rpc");
  return logger ? logger : spdlog::default_logger();
}

// A line may end in "\r\n" (telnet, Windows clients): one byte of slack beyond the message limit, plus
// the '\n' itself.
constexpr std::size_t kMaxLineBytes = kMaxMessageBytes + 2;

bool blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

}  // namespace

TcpSession::TcpSession(asio::ip::tcp::socket socket, std::uint64_t id, const Dispatcher& dispatcher,
                       const TcpLimits& limits, std::shared_ptr<OpenConnections> connections)
    : socket_(std::move(socket)),
      idle_timer_(socket_.get_executor()),
      dispatcher_(dispatcher),
      limits_(limits),
      connections_(std::move(connections)) {
  connection_.id = id;
  boost::system::error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  connection_.peer = ec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
}

TcpSession::~TcpSession() { connections_->remove(connection_.id, this); }

void TcpSession::start() {
  connection_.push = weak_from_this();
  log()->debug("connection {} from {}", connection_.id, connection_.peer);
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    self->arm_idle_timer();
    self->do_read();
  });
}

void TcpSession::close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->shutdown(); });
}

bool TcpSession::push(std::string json_text) {
  // Counted when queued, not when the strand gets to it: a burst of publications within one handler
  // (a channel at speed "max") must meet the bound too. Two racing pushes may pass it by one message.
  if (queued_bytes_.load() + json_text.size() + 1 > limits_.max_queued_bytes) return false;
  post_push(std::move(json_text));
  return true;
}

bool TcpSession::push_notice(std::string json_text) {
  post_push(std::move(json_text));
  return true;
}

void TcpSession::post_push(std::string json_text) {
  json_text.push_back('\n');
  queued_bytes_ += json_text.size();
  asio::post(socket_.get_executor(),
             [self = shared_from_this(), line = std::move(json_text)]() mutable { self->enqueue(std::move(line)); });
}

void TcpSession::do_read() {
  if (closing_ || closed_ || reading_) return;
  reading_ = true;
  // The buffer's maximum size is what keeps a 10 MB line from being buffered: read_until stops with
  // error::not_found once the buffer is full without a newline.
  asio::async_read_until(socket_, asio::dynamic_buffer(read_buffer_, kMaxLineBytes), '\n',
                         [self = shared_from_this()](boost::system::error_code ec, std::size_t bytes) {
                           self->on_read(ec, bytes);
                         });
}

void TcpSession::on_read(boost::system::error_code ec, std::size_t bytes) {
  reading_ = false;
  if (ec == asio::error::not_found) {
    log()->warn("connection {} from {}: a line longer than 1 MiB; closing", connection_.id, connection_.peer);
    read_buffer_.clear();
    read_buffer_.shrink_to_fit();
    send(Dispatcher::error_response(RpcCode::invalid_request,
                                    "message longer than 1 MiB (1048576 bytes); closing the connection"));
    closing_ = true;
    return;
  }
  if (ec == asio::error::eof && !blank(read_buffer_) && !closed_) {
    // The client half-closed after a last message without a newline (`printf ... | nc`): answer it.
    std::string last = std::move(read_buffer_);
    read_buffer_.clear();
    dispatcher_.handle_async(last, connection_, answer_later());
    closing_ = true;
    if (!writing_) linger();
    return;
  }
  if (ec) return fail(ec, "read");
  if (closed_) return;

  std::string_view line(read_buffer_.data(), bytes - 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  arm_idle_timer();
  if (!blank(line)) dispatcher_.handle_async(line, connection_, answer_later());
  read_buffer_.erase(0, bytes);
  if (queued_bytes_ < limits_.pause_reading_bytes) do_read();
}

Dispatcher::Respond TcpSession::answer_later() {
  // A synchronous answer arrives on the strand and is queued at once, keeping answers in request order;
  // an asynchronous one (protocols.estimate) comes from a worker thread and is posted to the strand.
  return [self = shared_from_this()](std::optional<std::string> response) {
    if (!response) return;
    asio::dispatch(self->socket_.get_executor(),
                   [self, text = std::move(*response)]() mutable { self->send(std::move(text)); });
  };
}

void TcpSession::send(std::string line) {
  if (closed_) return;
  line.push_back('\n');
  queued_bytes_ += line.size();
  enqueue(std::move(line));
}

void TcpSession::enqueue(std::string line) {
  if (closed_) {
    queued_bytes_ -= line.size();  // counted by push(); shutdown() has emptied the queue
    return;
  }
  write_queue_.push_back(std::move(line));
  if (!writing_) do_write();
}

void TcpSession::do_write() {
  writing_ = true;
  asio::async_write(socket_, asio::buffer(write_queue_.front()),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t bytes) {
                      self->on_write(ec, bytes);
                    });
}

void TcpSession::on_write(boost::system::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return fail(ec, "write");
  queued_bytes_ -= write_queue_.front().size();
  write_queue_.pop_front();
  arm_idle_timer();
  if (!write_queue_.empty()) return do_write();
  if (closing_) return linger();
  do_read();  // reading may have paused while the queue was long
}

void TcpSession::arm_idle_timer() {
  idle_deadline_ = std::chrono::steady_clock::now() + limits_.idle_timeout;
  // A wait that ends before the new deadline re-checks it when it fires; a later one must be replaced.
  const auto expiry = idle_timer_.expiry();
  if (expiry > std::chrono::steady_clock::now() && expiry <= idle_deadline_) return;
  idle_timer_.expires_at(idle_deadline_);
  idle_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) { self->on_idle(ec); });
}

void TcpSession::on_idle(boost::system::error_code ec) {
  if (ec || closed_) return;
  if (std::chrono::steady_clock::now() < idle_deadline_) {
    // There was activity since the timer was set: wait for the rest of the new deadline.
    idle_timer_.expires_at(idle_deadline_);
    idle_timer_.async_wait([self = shared_from_this()](boost::system::error_code e) { self->on_idle(e); });
    return;
  }
  log()->info("connection {} from {}: idle for {} ms; closing", connection_.id, connection_.peer,
              limits_.idle_timeout.count());
  shutdown();
}

void TcpSession::fail(boost::system::error_code ec, const char* what) {
  // A client going away is normal; anything else is worth a line in the log.
  if (ec != asio::error::eof && ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
      ec != asio::error::broken_pipe) {
    log()->warn("connection {} from {}: {}: {}", connection_.id, connection_.peer, what, ec.message());
  }
  shutdown();
}

// Closing a socket with unread bytes makes the kernel send a reset, which can destroy the error line we
// just wrote before the client reads it. So the sending side is shut and what the client still sends is
// read and dropped, up to a bound in bytes and in time, before the close.
constexpr std::size_t kMaxDrainBytes = std::size_t{16} << 20;
constexpr auto kMaxLinger = std::chrono::seconds(2);

void TcpSession::linger() {
  if (closed_) return;
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  limits_.idle_timeout = std::min<std::chrono::milliseconds>(limits_.idle_timeout, kMaxLinger);
  arm_idle_timer();
  read_buffer_.resize(64 * 1024);
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t bytes) {
                            self->on_linger(ec, bytes);
                          });
}

void TcpSession::on_linger(boost::system::error_code ec, std::size_t bytes) {
  drained_bytes_ += bytes;
  if (ec || closed_ || drained_bytes_ > kMaxDrainBytes) return shutdown();
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](boost::system::error_code e, std::size_t n) {
                            self->on_linger(e, n);
                          });
}

void TcpSession::shutdown() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  idle_timer_.cancel();
  // Only what was queued here: pushes still on their way to the strand subtract themselves (enqueue).
  for (const auto& line : write_queue_) queued_bytes_ -= line.size();
  write_queue_.clear();
  log()->debug("connection {} from {} closed", connection_.id, connection_.peer);
}

}  // namespace cyclerd::rpc

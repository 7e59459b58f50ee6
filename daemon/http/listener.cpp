#include "daemon/http/listener.hpp"

#include <array>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "daemon/http/http_session.hpp"

namespace cyclerd::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::shared_ptr<spdlog::logger> log() {
  auto logger = spdlog::get("http");
  return logger ? logger : spdlog::default_logger();
}

// Sent to a connection beyond the limit, so that a client learns why rather than seeing a bare close.
std::string busy_response() {
  const std::string body = rpc::Dispatcher::error_response(
      rpc::RpcCode::internal_error, "too many HTTP connections (limits.max_connections); try again later");
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
         "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

HttpListener::HttpListener(asio::io_context& io, const rpc::Dispatcher& dispatcher, const TokenStore* tokens,
                           HttpLimits limits)
    : io_(io),
      context_(std::make_shared<SessionContext>(SessionContext{dispatcher, tokens, std::move(limits)})),
      acceptor_(io),
      accept_retry_(io) {}

HttpListener::~HttpListener() { stop(); }

tcp::endpoint HttpListener::listen(const ListenAddress& address) {
  const auto host = address.host == "localhost" ? std::string("127.0.0.1") : address.host;
  const tcp::endpoint endpoint(asio::ip::make_address(host), address.port);
  acceptor_.open(endpoint.protocol());
  // A restarted daemon must be able to bind while old connections sit in TIME_WAIT.
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  do_accept();
  return acceptor_.local_endpoint();
}

void HttpListener::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently, whatever the thread count.
  acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpListener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || stopped_) return;
  if (ec) {
    // Out of file descriptors and the like: retry shortly rather than spin on the error.
    log()->warn("accept: {}", ec.message());
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && !stopped_) do_accept();
    });
    return;
  }
  std::shared_ptr<HttpSession> session;
  {
    auto& open = *context_->connections;
    std::lock_guard lock(open.mutex);
    if (open.sessions.size() >= context_->limits.max_connections) {
      boost::system::error_code ignored;
      log()->warn("refusing an HTTP connection from {}: {} connections open (limit)",
                  socket.remote_endpoint(ignored).address().to_string(), open.sessions.size());
    } else {
      const auto id = next_id_++;
      session = std::make_shared<HttpSession>(std::move(socket), id, context_);
      open.sessions.emplace(id, session);
    }
  }
  if (session) {
    session->start();
  } else {
    refuse(socket);
  }
  do_accept();
}

void HttpListener::refuse(tcp::socket& socket) {
  // One non-blocking write: the answer fits any socket buffer, and a client that is not reading must not
  // hold up the listener. Whatever does not go out is lost with the close.
  // What the client already sent is read first: closing with unread bytes would make the kernel answer
  // with a reset, which can destroy the 503 before the client reads it.
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  std::array<char, 4096> drain{};
  for (int i = 0; i < 16 && socket.available(ignored) > 0; ++i) socket.read_some(asio::buffer(drain), ignored);
  asio::write(socket, asio::buffer(busy_response()), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void HttpListener::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(context_->connections->mutex);
    for (auto& [id, weak] : context_->connections->sessions) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open) session->close();
}

std::size_t HttpListener::connection_count() const {
  std::lock_guard lock(context_->connections->mutex);
  return context_->connections->sessions.size();
}

}  // namespace cyclerd::http

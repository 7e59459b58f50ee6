#include "daemon/rpc/tcp_server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "daemon/rpc/tcp_session.hpp"

namespace cyclerd::rpc {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
std::shared_ptr<spdlog::logger> log() {
  auto logger = spdlog::get("rpc");
  return logger ? logger : spdlog::default_logger();
}
}  // namespace

TcpServer::TcpServer(asio::io_context& io, const Dispatcher& dispatcher, TcpLimits limits)
    : io_(io),
      dispatcher_(dispatcher),
      limits_(limits),
      acceptor_(io),
      accept_retry_(io),
      sessions_(std::make_shared<SessionRegistry>()) {}

TcpServer::~TcpServer() { stop(); }

tcp::endpoint TcpServer::listen(const ListenAddress& address) {
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

void TcpServer::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently, whatever the thread count.
  acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void TcpServer::on_accept(boost::system::error_code ec, tcp::socket socket) {
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
  std::shared_ptr<TcpSession> session;
  {
    std::lock_guard lock(sessions_->mutex);
    if (sessions_->sessions.size() >= limits_.max_connections) {
      boost::system::error_code ignored;
      log()->warn("refusing a connection from {}: {} connections open (limit)",
                  socket.remote_endpoint(ignored).address().to_string(), sessions_->sessions.size());
      socket.close(ignored);
    } else {
      const auto id = next_id_++;
      session = std::make_shared<TcpSession>(std::move(socket), id, dispatcher_, limits_, sessions_);
      sessions_->sessions.emplace(id, session);
    }
  }
  if (session) session->start();
  do_accept();
}

void TcpServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  std::vector<std::shared_ptr<TcpSession>> open;
  {
    std::lock_guard lock(sessions_->mutex);
    for (auto& [id, weak] : sessions_->sessions) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open) session->close();
}

std::size_t TcpServer::connection_count() const {
  std::lock_guard lock(sessions_->mutex);
  return sessions_->sessions.size();
}

}  // namespace cyclerd::rpc

#include "daemon/rpc/connection_listener.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

namespace cyclerd::rpc {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void OpenConnections::put(std::uint64_t id, std::weak_ptr<Session> session) {
  std::lock_guard lock(mutex_);
  sessions_[id] = std::move(session);
}

void OpenConnections::remove(std::uint64_t id, const Session* session) {
  std::lock_guard lock(mutex_);
  const auto found = sessions_.find(id);
  if (found == sessions_.end()) return;
  const auto current = found->second.lock();
  if (!current || current.get() == session) sessions_.erase(found);
}

std::size_t OpenConnections::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::vector<std::shared_ptr<Session>> OpenConnections::alive() const {
  std::vector<std::shared_ptr<Session>> open;
  std::lock_guard lock(mutex_);
  for (const auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) open.push_back(std::move(session));
  }
  return open;
}

ConnectionListener::ConnectionListener(asio::io_context& io, std::string what, std::string logger,
                                       std::size_t max_connections, std::uint64_t first_id, MakeSession make,
                                       Refuse refuse)
    : io_(io),
      what_(std::move(what)),
      logger_(std::move(logger)),
      max_connections_(max_connections),
      make_(std::move(make)),
      refuse_(std::move(refuse)),
      acceptor_(io),
      accept_retry_(io),
      next_id_(first_id) {}

ConnectionListener::~ConnectionListener() { stop(); }

tcp::endpoint ConnectionListener::listen(const ListenAddress& address) {
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

void ConnectionListener::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently, whatever the thread count.
  acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void ConnectionListener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || stopped_) return;
  auto log = spdlog::get(logger_);
  if (!log) log = spdlog::default_logger();
  if (ec) {
    // Out of file descriptors and the like: retry shortly rather than spin on the error.
    log->warn("{} accept: {}", what_, ec.message());
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && !stopped_) do_accept();
    });
    return;
  }
  // Only this loop adds connections, so the count cannot grow between the check and the put.
  if (const auto open = connections_->size(); open >= max_connections_) {
    boost::system::error_code ignored;
    log->warn("refusing a {} connection from {}: {} connections open (limit)", what_,
              socket.remote_endpoint(ignored).address().to_string(), open);
    refuse_(socket);
  } else {
    const auto id = next_id_++;
    auto session = make_(std::move(socket), id);
    // Counted before it starts: a session that ends at once then takes itself off a list it is on.
    connections_->put(id, session);
    session->start();
  }
  do_accept();
}

void ConnectionListener::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  for (auto& session : connections_->alive()) session->close();
}

}  // namespace cyclerd::rpc

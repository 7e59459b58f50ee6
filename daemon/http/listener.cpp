#include "daemon/http/listener.hpp"

#include <array>

#include <boost/asio/write.hpp>

#include "daemon/http/http_session.hpp"

namespace cyclerd::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Sent to a connection beyond the limit, so that a client learns why rather than seeing a bare close.
std::string busy_response() {
  const std::string body = rpc::Dispatcher::error_response(
      rpc::RpcCode::internal_error, "too many HTTP connections (limits.max_connections); try again later");
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
         "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void refuse(tcp::socket& socket) {
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

}  // namespace

HttpListener::HttpListener(asio::io_context& io, const rpc::Dispatcher& dispatcher, const TokenStore* tokens,
                           HttpLimits limits)
    : context_(std::make_shared<SessionContext>(SessionContext{dispatcher, tokens, std::move(limits), nullptr})),
      listener_(
          io, "HTTP", "http", context_->limits.max_connections, kFirstConnectionId,
          [this](tcp::socket socket, std::uint64_t id) -> std::shared_ptr<rpc::Session> {
            return std::make_shared<HttpSession>(std::move(socket), id, context_);
          },
          refuse) {
  context_->connections = listener_.connections();
}

}  // namespace cyclerd::http

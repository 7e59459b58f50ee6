#include "daemon/rpc/tcp_server.hpp"

#include "daemon/rpc/tcp_session.hpp"

namespace cyclerd::rpc {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TcpServer::TcpServer(asio::io_context& io, const Dispatcher& dispatcher, TcpLimits limits)
    : limits_(limits),
      listener_(
          io, "TCP", "rpc", limits.max_connections, 1,
          [this, &dispatcher](tcp::socket socket, std::uint64_t id) -> std::shared_ptr<Session> {
            return std::make_shared<TcpSession>(std::move(socket), id, dispatcher, limits_, listener_.connections());
          },
          // A line client has no status line to read: the close says it all.
          [](tcp::socket& socket) {
            boost::system::error_code ignored;
            socket.close(ignored);
          }) {}

}  // namespace cyclerd::rpc

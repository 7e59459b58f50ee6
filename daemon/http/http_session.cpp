#include "daemon/http/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "daemon/http/request_checks.hpp"
#include "daemon/http/ws_session.hpp"

namespace cyclerd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using rpc::RpcCode;

namespace {

std::shared_ptr<spdlog::logger> log() {
  auto logger = spdlog::get("http");
  return logger ? logger : spdlog::default_logger();
}

// The parser takes body bytes out of the read buffer as they arrive, so the buffer holds at most a
// header and one read beyond it; its own bound makes that explicit.
constexpr std::size_t kReadChunkBytes = 64 * 1024;

// Closing a socket with unread bytes makes the kernel send a reset, which can destroy the error answer
// just written (a 413 while the client is still sending its 10 MB body). So the sending side is shut
// and what the client still sends is read and dropped, up to a bound in bytes and in time.
constexpr std::size_t kMaxDrainBytes = std::size_t{16} << 20;
constexpr auto kMaxLinger = std::chrono::seconds(2);

std::string_view path_of(beast::string_view target) {
  const std::string_view text(target.data(), target.size());
  return text.substr(0, text.find('?'));
}

bool is_parse_error(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, std::uint64_t id, std::shared_ptr<SessionContext> context)
    : stream_(std::move(socket)),
      buffer_(context->limits.max_header_bytes + kReadChunkBytes),
      context_(std::move(context)),
      id_(id),
      stop_deadline_(stream_.get_executor()) {
  boost::system::error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  peer_ = ec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
}

HttpSession::~HttpSession() { context_->connections->remove(id_, this); }

void HttpSession::start() {
  log()->debug("HTTP connection {} from {}", id_, peer_);
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read_header(); });
}

void HttpSession::close() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->stop(); });
}

void HttpSession::stop() {
  if (stopping_ || upgraded_ || closed_) return;
  stopping_ = true;
  // Between requests: the pending read ends (on_read_header) and the connection closes cleanly. A
  // request under way is answered first (send() then closes), unless that takes too long.
  if (awaiting_request_) stream_.cancel();
  stop_deadline_.expires_after(context_->limits.shutdown_grace);
  stop_deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    // Lingering ends here too: the client had the answer and the end of the stream.
    if (!self->lingering_) {
      log()->warn("HTTP connection {} from {}: request not answered within the shutdown grace; closing", self->id_,
                  self->peer_);
    }
    self->shutdown();
  });
}

void HttpSession::do_read_header() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_->limits.max_header_bytes));
  parser_->body_limit(context_->limits.max_message_bytes);
  // One deadline for the whole request, header and body: a client trickling bytes cannot hold the slot.
  stream_.expires_after(context_->limits.idle_timeout);
  awaiting_request_ = true;
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&HttpSession::on_read_header, shared_from_this()));
}

void HttpSession::on_read_header(boost::system::error_code ec, std::size_t) {
  awaiting_request_ = false;
  if (ec == bhttp::error::end_of_stream) return shutdown();  // the client closed between requests
  // The daemon stops: no further request. Nothing was answered, so nothing can be lost to a reset: the
  // close is at once (the client reads the end of the stream).
  if (stopping_ && ec) return shutdown();
  if (ec) return refuse_unreadable(ec);
  const auto& request = parser_->get();
  // curl and others send `Expect: 100-continue` before a large body and wait for a go-ahead; a body
  // that is too large has already been refused above (its Content-Length is in the header).
  if (beast::iequals(request[bhttp::field::expect], "100-continue") && !parser_->is_done()) return do_continue();
  do_read_body();
}

void HttpSession::do_continue() {
  continue_line_ = "HTTP/1.1 100 Continue\r\n\r\n";
  asio::async_write(stream_, asio::buffer(continue_line_),
                    beast::bind_front_handler(&HttpSession::on_continue, shared_from_this()));
}

void HttpSession::on_continue(boost::system::error_code ec, std::size_t) {
  if (ec) return fail(ec, "write");
  do_read_body();
}

void HttpSession::do_read_body() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&HttpSession::on_read_body, shared_from_this()));
}

void HttpSession::on_read_body(boost::system::error_code ec, std::size_t) {
  if (ec) return refuse_unreadable(ec);
  handle_request();
}

void HttpSession::refuse_unreadable(boost::system::error_code ec) {
  // The rest of the request cannot be read: answer why, then close (the connection is out of step).
  if (ec == bhttp::error::body_limit) {
    log()->warn("HTTP connection {} from {}: body larger than {} bytes; refused", id_, peer_,
                context_->limits.max_message_bytes);
    return send_error(413, static_cast<int>(RpcCode::invalid_request),
                      "request body larger than 1 MiB (" + std::to_string(context_->limits.max_message_bytes) +
                          " bytes); one JSON-RPC message is limited to that on every transport",
                      true);
  }
  if (ec == bhttp::error::header_limit) {
    log()->warn("HTTP connection {} from {}: header larger than {} bytes; refused", id_, peer_,
                context_->limits.max_header_bytes);
    return send_error(431, static_cast<int>(RpcCode::invalid_request),
                      "request line and headers larger than " + std::to_string(context_->limits.max_header_bytes) +
                          " bytes",
                      true);
  }
  if (is_parse_error(ec)) {
    log()->info("HTTP connection {} from {}: malformed request: {}", id_, peer_, ec.message());
    return send_error(400, static_cast<int>(RpcCode::invalid_request), "malformed HTTP request: " + ec.message(),
                      true);
  }
  fail(ec, "read");
}

void HttpSession::handle_request() {
  const auto& request = parser_->get();
  const auto path = path_of(request.target());
  const auto& limits = context_->limits;
  if (path == "/rpc") {
    // A browser asks before a cross-origin call with a token or a JSON body; only listed origins get a yes.
    if (request.method() == bhttp::verb::options) {
      if (const auto origin = listed_origin(request, limits.allowed_origins)) return answer_preflight(*origin);
    }
    if (request.method() != bhttp::verb::post) {
      return send_error(405, static_cast<int>(RpcCode::invalid_request), "/rpc takes POST", false);
    }
    if (!origin_allowed(request, limits.allowed_origins)) {
      log()->warn("HTTP connection {} from {}: POST /rpc from origin {} refused", id_, peer_,
                  std::string(request[bhttp::field::origin]));
      return send_error(403, static_cast<int>(RpcCode::forbidden),
                        "requests from this origin are not allowed (listen.allowed_origins)", false);
    }
    return answer_rpc(request);
  }
  if (path == "/ws") {
    if (request.method() != bhttp::verb::get) {
      return send_error(405, static_cast<int>(RpcCode::invalid_request), "/ws takes GET with Upgrade: websocket",
                        false);
    }
    if (!beast::websocket::is_upgrade(request)) {
      return send_error(426, static_cast<int>(RpcCode::invalid_request), "/ws is a WebSocket endpoint", false);
    }
    if (!origin_allowed(request, limits.allowed_origins)) {
      log()->warn("HTTP connection {} from {}: WebSocket upgrade from origin {} refused", id_, peer_,
                  std::string(request[bhttp::field::origin]));
      return send_error(403, static_cast<int>(RpcCode::forbidden),
                        "WebSocket connections from this origin are not allowed (listen.allowed_origins)", false);
    }
    // The listener has already asked every connection to close: a new WebSocket would be missed.
    if (stopping_) {
      return send_error(503, static_cast<int>(RpcCode::internal_error), "cyclerd is stopping", true);
    }
    // Browsers cannot set headers on a WebSocket, so auth.login is the way in; a program may instead
    // present its token on the upgrade, which must then be valid.
    auto bearer = check_bearer(request, context_->tokens);
    if (bearer.presented && !bearer.identity) {
      return send_error(401, static_cast<int>(RpcCode::unauthorized), bearer.problem, false);
    }
    return upgrade(std::move(bearer.identity));
  }
  send_error(404, static_cast<int>(RpcCode::invalid_request),
             "cyclerd serves only POST /rpc and GET /ws (WebSocket), no files", false);
}

void HttpSession::answer_rpc(const Request& request) {
  // Authorisation happens in the Dispatcher, as on every transport; here only the token is looked up.
  // No token: the request is dispatched like a TCP connection that has not logged in (each call that
  // needs a role answers -32001, in a 200, with its id). A wrong or malformed token: the credential
  // itself is refused (RFC 6750: 401 with WWW-Authenticate) and nothing is dispatched.
  auto bearer = check_bearer(request, context_->tokens);
  if (bearer.presented && !bearer.identity) {
    log()->warn("HTTP connection {} from {}: {}", id_, peer_, bearer.problem);
    return send_error(401, static_cast<int>(RpcCode::unauthorized), bearer.problem, false);
  }
  rpc::Connection connection;
  connection.id = id_;
  connection.peer = peer_;
  connection.identity = std::move(bearer.identity);
  // The answer may come later from a worker (protocols.estimate): nothing more is read until it is
  // written, so answers keep the order of the requests.
  context_->dispatcher.handle_async(
      request.body(), connection, [self = shared_from_this()](std::optional<std::string> answer) {
        asio::dispatch(self->stream_.get_executor(),
                       [self, answer = std::move(answer)]() mutable { self->answer_ready(std::move(answer)); });
      });
}

void HttpSession::answer_preflight(const std::string& origin) {
  // send() adds Access-Control-Allow-Origin; this says what the page's calls may carry (RFC: Fetch, CORS).
  log()->debug("HTTP connection {} from {}: preflight from {}", id_, peer_, origin);
  Response response;
  response.result(bhttp::status::no_content);
  response.set(bhttp::field::access_control_allow_methods, "POST");
  response.set(bhttp::field::access_control_allow_headers, "Authorization, Content-Type");
  response.set(bhttp::field::access_control_max_age, std::to_string(context_->limits.preflight_max_age.count()));
  send(std::move(response), false);
}

void HttpSession::answer_ready(std::optional<std::string> answer) {
  if (closed_) return;
  Response response;
  if (answer) {
    response.result(bhttp::status::ok);
    response.set(bhttp::field::content_type, "application/json");
    response.body() = std::move(*answer);
  } else {
    // Only notifications: nothing to answer, as JSON-RPC over HTTP usually says it.
    response.result(bhttp::status::no_content);
  }
  send(std::move(response), false);
}

void HttpSession::upgrade(std::optional<Identity> identity) {
  upgraded_ = true;
  stream_.expires_never();  // the WebSocket stream has its own timeouts
  auto session = std::make_shared<WsSession>(stream_.release_socket(), id_, peer_, context_, std::move(identity),
                                             parser_->release());
  context_->connections->put(id_, session);  // the same id and slot
  session->start();
}

void HttpSession::send_error(unsigned status, int code_for_body, const std::string& message, bool close_after) {
  Response response;
  response.result(static_cast<bhttp::status>(status));
  response.set(bhttp::field::content_type, "application/json");
  if (status == 401) response.set(bhttp::field::www_authenticate, R"(Bearer realm="cyclerd", error="invalid_token")");
  if (status == 405) {
    const bool rpc_preflights = !context_->limits.allowed_origins.empty();
    response.set(bhttp::field::allow,
                 path_of(parser_->get().target()) == "/ws" ? "GET" : (rpc_preflights ? "POST, OPTIONS" : "POST"));
  }
  if (status == 426) response.set(bhttp::field::upgrade, "websocket");
  response.body() = rpc::Dispatcher::error_response(static_cast<RpcCode>(code_for_body), message);
  send(std::move(response), close_after);
}

void HttpSession::send(Response response, bool close_after) {
  const auto& request = parser_->get();
  response.version(request.version() == 10 ? 10 : 11);
  response.set(bhttp::field::server, "cyclerd");
  // Answers carry lab data and must not linger in caches; a browser must not guess another type.
  response.set(bhttp::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  // CORS: a page from a listed origin may read the answer (errors included, so it can say why).
  if (!context_->limits.allowed_origins.empty()) {
    response.set(bhttp::field::vary, "Origin");
    if (const auto origin = listed_origin(request, context_->limits.allowed_origins)) {
      response.set(bhttp::field::access_control_allow_origin, *origin);
    }
  }
  response.keep_alive(!close_after && !stopping_ && request.keep_alive());
  response.prepare_payload();
  // RFC 9110: a 204 carries no Content-Length (Beast's prepare_payload writes 0).
  if (response.result() == bhttp::status::no_content) response.erase(bhttp::field::content_length);
  close_after_write_ = !response.keep_alive();
  response_ = std::move(response);
  do_write();
}

void HttpSession::do_write() {
  // A client that does not take its answer within the idle timeout loses the connection.
  stream_.expires_after(context_->limits.idle_timeout);
  bhttp::async_write(stream_, *response_, beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
}

void HttpSession::on_write(boost::system::error_code ec, std::size_t) {
  if (ec) return fail(ec, "write");
  response_.reset();
  if (close_after_write_ || stopping_) return do_linger();
  do_read_header();
}

void HttpSession::do_linger() {
  lingering_ = true;
  boost::system::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::min<std::chrono::steady_clock::duration>(context_->limits.idle_timeout, kMaxLinger));
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                          beast::bind_front_handler(&HttpSession::on_linger, shared_from_this()));
}

void HttpSession::on_linger(boost::system::error_code ec, std::size_t bytes) {
  drained_bytes_ += bytes;
  if (ec || closed_ || drained_bytes_ > kMaxDrainBytes) return shutdown();
  stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                          beast::bind_front_handler(&HttpSession::on_linger, shared_from_this()));
}

void HttpSession::fail(boost::system::error_code ec, const char* what) {
  if (closed_) return;  // an operation that was pending when the connection was closed
  // A client going away or timing out is normal; anything else is worth a line in the log.
  if (ec == beast::error::timeout) {
    log()->info("HTTP connection {} from {}: idle for {} ms; closing", id_, peer_,
                context_->limits.idle_timeout.count());
  } else if (ec != asio::error::eof && ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
             ec != asio::error::broken_pipe && ec != bhttp::error::partial_message) {
    log()->warn("HTTP connection {} from {}: {}: {}", id_, peer_, what, ec.message());
  }
  shutdown();
}

void HttpSession::shutdown() {
  if (closed_ || upgraded_) return;
  closed_ = true;
  stop_deadline_.cancel();
  boost::system::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  log()->debug("HTTP connection {} from {} closed", id_, peer_);
}

}  // namespace cyclerd::http

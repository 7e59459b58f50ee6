#include "daemon/http/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <spdlog/spdlog.h>

namespace cyclerd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

std::shared_ptr<spdlog::logger> log() {
  auto logger = spdlog::get("ws");
  return logger ? logger : spdlog::default_logger();
}

}  // namespace

WsSession::WsSession(asio::ip::tcp::socket socket, std::uint64_t id, std::string peer,
                     std::shared_ptr<SessionContext> context, std::optional<Identity> identity,
                     beast::http::request<beast::http::string_body> upgrade_request)
    : ws_(std::move(socket)),
      upgrade_request_(std::move(upgrade_request)),
      context_(std::move(context)),
      stop_deadline_(ws_.get_executor()) {
  connection_.id = id;
  connection_.peer = std::move(peer);
  connection_.identity = std::move(identity);
}

WsSession::~WsSession() { context_->connections->remove(connection_.id, this); }

void WsSession::start() {
  connection_.push = std::weak_ptr<rpc::PushSink>(shared_from_this());
  asio::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void WsSession::close() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] { self->go_away(); });
}

bool WsSession::push(std::string json_text) {
  // Counted when queued, not when the strand gets to it: a burst of publications within one handler must
  // meet the bound too. Two racing pushes may pass it by one message.
  if (gone_ || queued_bytes_.load() + json_text.size() > context_->limits.max_queued_bytes) return false;
  post_push(std::move(json_text));
  return true;
}

bool WsSession::push_notice(std::string json_text) {
  // Past the bound, once per drop (the topic bus sees to that): a slow client still learns why.
  if (gone_) return false;
  post_push(std::move(json_text));
  return true;
}

void WsSession::post_push(std::string json_text) {
  queued_bytes_ += json_text.size();
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), text = std::move(json_text)]() mutable { self->enqueue(std::move(text)); });
}

void WsSession::do_accept() {
  const auto& limits = context_->limits;
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = limits.handshake_timeout;
  timeout.idle_timeout = limits.idle_timeout;
  // A ping half-way through the idle time keeps a quiet but live client (a subscriber) connected.
  timeout.keep_alive_pings = true;
  ws_.set_option(timeout);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(beast::http::field::server, "cyclerd"); }));
  // permessage-deflate stays off (Beast's default): a compressed message could inflate far past the
  // message limit before it is counted, and the answers are small.
  ws_.read_message_max(limits.max_message_bytes);
  ws_.async_accept(upgrade_request_, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(boost::system::error_code ec) {
  if (ec) return fail(ec, "accept");
  upgrade_request_ = {};
  log()->debug("WebSocket connection {} from {}", connection_.id, connection_.peer);
  do_read();
}

void WsSession::do_read() {
  if (closed_) return;
  ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(boost::system::error_code ec, std::size_t) {
  // The client closed normally, or answered our close frame (on_close then finishes).
  if (ec == websocket::error::closed) return going_away_ ? void() : shutdown();
  if (ec == websocket::error::message_too_big) {
    // Beast has already sent close code 1009 (message too big).
    log()->warn("WebSocket connection {} from {}: message larger than {} bytes; closed", connection_.id,
                connection_.peer, context_->limits.max_message_bytes);
    return shutdown();
  }
  if (ec) return fail(ec, "read");
  if (closed_) return;
  if (going_away_) {
    buffer_.consume(buffer_.size());  // sent before the client saw the close frame: not served
    return do_read();                 // the client's answer to the close frame comes next
  }
  // Text and binary messages alike carry one JSON text; the Dispatcher refuses what is not JSON.
  const auto text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  // A synchronous answer comes back at once, on this strand, keeping answers in request order; an
  // asynchronous one (protocols.estimate) comes from a worker thread and is posted here.
  context_->dispatcher.handle_async(text, connection_, [self = shared_from_this()](std::optional<std::string> answer) {
    if (!answer) return;
    asio::dispatch(self->ws_.get_executor(),
                   [self, text = std::move(*answer)]() mutable { self->send_answer(std::move(text)); });
  });
  do_read();
}

void WsSession::send_answer(std::string text) {
  if (closed_ || going_away_) return;
  // Reading goes on while answers wait, so a client that sends requests but does not read their answers
  // fills the queue: it is closed rather than buffered for without end.
  if (queued_bytes_ + text.size() > context_->limits.max_queued_bytes) {
    log()->warn("WebSocket connection {} from {}: {} bytes of answers not taken (limit {}); closing",
                connection_.id, connection_.peer, queued_bytes_.load(), context_->limits.max_queued_bytes);
    return shutdown();
  }
  queued_bytes_ += text.size();
  enqueue(std::move(text));
}

void WsSession::enqueue(std::string text) {
  if (closed_ || going_away_) {
    queued_bytes_ -= text.size();  // counted by post_push(); shutdown() or go_away() emptied the queue
    return;
  }
  write_queue_.push_back(std::move(text));
  if (!writing_) do_write();
}

void WsSession::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(asio::buffer(write_queue_.front()),
                  beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(boost::system::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return fail(ec, "write");
  if (closed_) return;
  queued_bytes_ -= write_queue_.front().size();
  write_queue_.pop_front();
  if (going_away_) return do_close();
  if (!write_queue_.empty()) do_write();
}

void WsSession::go_away() {
  if (closed_ || going_away_) return;
  going_away_ = true;
  gone_ = true;  // no more pushes: the subscriptions end with the connection
  // Before the handshake there is no WebSocket to close yet.
  if (!ws_.is_open()) return shutdown();
  // What waits is dropped: the client is told the daemon goes away, not given a backlog first.
  const std::size_t keep = writing_ ? 1 : 0;
  while (write_queue_.size() > keep) {
    queued_bytes_ -= write_queue_.back().size();
    write_queue_.pop_back();
  }
  stop_deadline_.expires_after(context_->limits.shutdown_grace);
  stop_deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    log()->warn("WebSocket connection {} from {}: no answer to the close frame within the shutdown grace; closing",
                self->connection_.id, self->connection_.peer);
    self->shutdown();
  });
  if (!writing_) do_close();
}

void WsSession::do_close() {
  // Beast sends the frame, lets the pending read take the client's answer (it ends with error::closed)
  // and then closes the socket.
  ws_.async_close(websocket::close_reason(websocket::close_code::going_away, "cyclerd is stopping"),
                  beast::bind_front_handler(&WsSession::on_close, shared_from_this()));
}

void WsSession::on_close(boost::system::error_code ec) {
  if (ec && ec != asio::error::operation_aborted) {
    log()->debug("WebSocket connection {} from {}: close: {}", connection_.id, connection_.peer, ec.message());
  }
  shutdown();
}

void WsSession::fail(boost::system::error_code ec, const char* what) {
  if (closed_) return;  // an operation that was pending when the connection was closed
  // A client going away is normal; a silent one (no frame, no pong within the idle time) is worth a note.
  if (ec == beast::error::timeout) {
    log()->info("WebSocket connection {} from {}: no frame for {} ms; closing", connection_.id, connection_.peer,
                context_->limits.idle_timeout.count());
  } else if (ec != asio::error::eof && ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
             ec != asio::error::broken_pipe) {
    log()->warn("WebSocket connection {} from {}: {}: {}", connection_.id, connection_.peer, what, ec.message());
  }
  shutdown();
}

void WsSession::shutdown() {
  if (closed_) return;
  closed_ = true;
  gone_ = true;
  stop_deadline_.cancel();
  // Abrupt: a close handshake would wait behind a write the client is not taking.
  auto& stream = beast::get_lowest_layer(ws_);
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream.close();
  // Only what was queued here: pushes still on their way to the strand subtract themselves (enqueue).
  // The message being written stays until its write ends: the write still refers to it.
  const std::size_t keep = writing_ ? 1 : 0;
  while (write_queue_.size() > keep) {
    queued_bytes_ -= write_queue_.back().size();
    write_queue_.pop_back();
  }
  log()->debug("WebSocket connection {} from {} closed", connection_.id, connection_.peer);
}

}  // namespace cyclerd::http

#include "drivers/transport/transport.hpp"

#include <array>
#include <deque>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "drivers/transport/line_framer.hpp"
#include "drivers/transport/link.hpp"

namespace cyclerd {

namespace {

using Clock = std::chrono::steady_clock;

long long elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

// What an error quotes of the text received: the last `limit` bytes, saying how many came before them
// (an instrument that streams garbage must not make an error message of megabytes).
std::string quote_tail(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return "\"" + printable(text, limit * 4) + "\"";
  return "(" + std::to_string(text.size()) + " bytes, the first " + std::to_string(text.size() - limit) +
         " cut) \"..." + printable(std::string_view(text).substr(text.size() - limit), limit * 4) + "\"";
}

}  // namespace

struct Transport::Impl : std::enable_shared_from_this<Impl> {
  enum class Kind { connect, reconnect, exchange, write_raw, read };
  struct Job {
    Kind kind = Kind::exchange;
    std::string out;  // bytes to write, terminator included
    std::string request;  // the request as given, for the trace and errors
    Reply reply;
    LinesHandler lines_done;
    LinkHandler link_done;
  };

  Impl(boost::asio::any_io_executor ex, TransportConfig cfg, std::shared_ptr<spdlog::logger> log, std::string name)
      : executor(ex),
        config(std::move(cfg)),
        logger(log ? std::move(log) : spdlog::default_logger()),
        id(std::move(name)),
        link(ex),
        framer(config.options.read_terminator, config.options.strip_cr, config.options.max_line_bytes),
        deadline(ex),
        backoff(ex) {}

  boost::asio::any_io_executor executor;
  TransportConfig config;
  std::shared_ptr<spdlog::logger> logger;
  std::string id;
  Link link;
  LineFramer framer;
  boost::asio::steady_timer deadline;
  boost::asio::steady_timer backoff;
  std::deque<Job> queue;
  std::optional<Job> current;
  std::uint64_t job_number = 0;  // identifies the current job to its timer and write callbacks
  std::vector<std::string> got;  // reply lines of the current job
  bool writing = false;
  bool reading = false;
  // Counts timeouts: a read started before the last timeout belongs to the request that timed out, and
  // whatever it still brings is that request's late reply, never the next request's answer.
  std::uint64_t read_epoch = 0;
  bool dead = false;  // the Transport is gone: drop everything
  int attempt = 0;
  Clock::time_point started;
  std::array<char, 4096> read_buffer{};
  Stats stats;

  std::string where() const { return id + " " + config.endpoint.describe(); }

  void enqueue(Job job) {
    queue.push_back(std::move(job));
    // Started from a posted function, so that no handler can run inline from the initiating call.
    boost::asio::post(executor, [self = shared_from_this()] { self->start_next(); });
  }

  void start_next() {
    if (dead || current || queue.empty()) return;
    current = std::move(queue.front());
    queue.pop_front();
    ++job_number;
    got.clear();
    started = Clock::now();
    switch (current->kind) {
      case Kind::connect:
        attempt = 0;
        connect_once(false);
        break;
      case Kind::reconnect:
        attempt = 0;
        link.close();
        framer.discard();
        connect_once(true);
        break;
      case Kind::exchange:
      case Kind::write_raw:
      case Kind::read:
        begin_io();
        break;
    }
  }

  // ---- connecting -------------------------------------------------------------------------------

  void connect_once(bool with_backoff) {
    ++attempt;
    const Endpoint& e = config.endpoint;
    if (e.kind == Endpoint::Kind::serial) {
      std::optional<Error> error;
      try {
        link.open_serial(e);
      } catch (const Error& err) {
        error = err;
      }
      boost::asio::post(executor, [self = shared_from_this(), error, with_backoff] {
        self->on_connect(error, with_backoff);
      });
      return;
    }
    link.async_connect_tcp(e, config.options.connect_timeout,
                           [self = shared_from_this(), with_backoff](std::optional<Error> error) {
                             self->on_connect(std::move(error), with_backoff);
                           });
  }

  void on_connect(std::optional<Error> error, bool with_backoff) {
    if (dead || !current) return;
    if (!error) {
      framer.discard();
      if (with_backoff) ++stats.reconnects;
      logger->info("{}: connected ({}{})", where(), link.flavour(),
                   attempt > 1 ? ", attempt " + std::to_string(attempt) : std::string());
      finish_link(std::nullopt);
      return;
    }
    std::string reason = error->message();
    if (!with_backoff || attempt >= config.options.reconnect_attempts) {
      logger->warn("{}: cannot connect: {}", where(), reason);
      std::string text = with_backoff ? "cannot reconnect after " + std::to_string(attempt) + " attempts: " + reason
                                      : "cannot connect: " + reason;
      finish_link(Error(ErrorCode::disconnected, text, config.endpoint.describe()));
      return;
    }
    auto wait = config.options.backoff_initial * (1LL << std::min(attempt - 1, 20));
    if (wait > config.options.backoff_max) wait = config.options.backoff_max;
    logger->warn("{}: reconnect attempt {} of {} failed ({}); next in {} ms", where(), attempt,
                 config.options.reconnect_attempts, reason, wait.count());
    backoff.expires_after(wait);
    backoff.async_wait([self = shared_from_this(), n = job_number](const boost::system::error_code& ec) {
      if (ec || self->dead || !self->current || self->job_number != n) return;
      self->connect_once(true);
    });
  }

  // ---- exchanges --------------------------------------------------------------------------------

  void begin_io() {
    Job& job = *current;
    if (!link.is_open()) {
      finish_io(Error(ErrorCode::disconnected, "not connected (request \"" + printable(job.request) + "\")",
                      config.endpoint.describe()));
      return;
    }
    if (job.kind != Kind::write_raw) {
      auto limit = job.reply.timeout.value_or(config.options.timeout);
      deadline.expires_after(limit);
      deadline.async_wait([self = shared_from_this(), n = job_number, limit](const boost::system::error_code& ec) {
        if (ec || self->dead || !self->current || self->job_number != n) return;
        self->on_timeout(limit);
      });
    }
    if (job.kind == Kind::read) {
      pump();
      return;
    }
    if (job.kind == Kind::exchange && config.options.discard_unsolicited) {
      std::string stale = framer.discard() + link.read_available();
      if (!stale.empty()) {
        stats.discarded_bytes += stale.size();
        logger->warn("{}: discarded {} unsolicited bytes before \"{}\": \"{}\"", where(), stale.size(),
                     printable(job.request), printable(stale));
      }
    }
    if (!job.request.empty() || job.kind == Kind::write_raw) {
      logger->debug("{} > {}", where(), printable(job.out, 2000));
    }
    if (job.out.empty()) {
      pump();
      return;
    }
    writing = true;
    auto bytes = std::make_shared<std::string>(job.out);
    link.async_write_all(*bytes, [self = shared_from_this(), bytes, n = job_number](const boost::system::error_code& ec,
                                                                                     std::size_t) {
      if (self->dead) return;
      if (self->job_number != n || !self->current) return;
      self->writing = false;
      if (ec) return self->link_lost(ec, "write");
      if (self->current->kind == Kind::write_raw) return self->finish_io(std::nullopt);
      self->pump();
    });
  }

  bool reply_complete(const std::string& last) const {
    const Reply& r = current->reply;
    if (r.until) return r.until(last);
    return got.size() >= r.lines;
  }

  void pump() {
    if (dead || !current || writing) return;
    Job& job = *current;
    if (!job.reply.until && job.reply.lines == 0) return finish_io(std::nullopt);
    while (auto line = framer.next_line()) {
      logger->debug("{} < {} ({} ms)", where(), printable(*line, 2000), elapsed_ms(started));
      got.push_back(std::move(*line));
      if (reply_complete(got.back())) return finish_io(std::nullopt);
    }
    if (framer.overlong()) {
      std::string dropped = framer.discard();
      return finish_io(Error(ErrorCode::instrument_fault,
                             "reply to \"" + printable(job.request) + "\" exceeds " +
                                 std::to_string(config.options.max_line_bytes) + " bytes without a line end: \"" +
                                 printable(dropped, 60) + "\"",
                             config.endpoint.describe()));
    }
    start_read();
  }

  void start_read() {
    if (reading || !link.is_open()) return;
    reading = true;
    link.async_read_some(read_buffer.data(), read_buffer.size(),
                         [self = shared_from_this(), epoch = read_epoch](const boost::system::error_code& ec,
                                                                         std::size_t n) { self->on_read(ec, n, epoch); });
  }

  void on_read(const boost::system::error_code& ec, std::size_t n, std::uint64_t epoch) {
    if (dead) return;
    reading = false;
    if (n > 0 && epoch != read_epoch && config.options.discard_unsolicited && current &&
        current->kind == Kind::exchange) {
      // Read for a request that has timed out since: its late reply, not the present request's. (With no
      // exchange waiting, the bytes are kept: the next exchange discards them, a streamed read wants them.)
      stats.discarded_bytes += n;
      logger->warn("{}: discarded {} bytes of a late reply read after a timeout: {}", where(), n,
                   quote_tail(std::string(read_buffer.data(), n), 200));
    } else if (n > 0) {
      // Bytes are kept even when nobody waits for them: the next exchange discards them as stale.
      framer.feed(std::string_view(read_buffer.data(), n));
    }
    if (ec == boost::asio::error::operation_aborted) {
      if (current && (current->kind == Kind::exchange || current->kind == Kind::read)) pump();
      return;
    }
    if (ec) return link_lost(ec, "read");
    if (current && (current->kind == Kind::exchange || current->kind == Kind::read)) pump();
  }

  void on_timeout(std::chrono::milliseconds limit) {
    ++stats.timeouts;
    Job& job = *current;
    std::string received;
    for (const auto& line : got) received += line + "\n";
    received += framer.pending();
    std::string text = (job.request.empty() ? std::string("no complete reply")
                                            : "no complete reply to \"" + printable(job.request) + "\"") +
                       " within " + std::to_string(limit.count()) + " ms" +
                       (writing ? " (the write did not finish)" : "") +
                       (received.empty() ? "" : "; received " + quote_tail(received, 200));
    logger->warn("{}: {}", where(), text);
    // Neither a write stuck behind flow control nor the read waiting for this reply stays in flight under
    // the next request: both are cancelled, and what the read still brings is counted as this reply's
    // (a streamed read, async_read, keeps its bytes: the stream goes on where it stopped).
    if (writing || reading) link.cancel();
    if (job.kind == Kind::exchange) ++read_epoch;
    writing = false;
    finish_io(Error(ErrorCode::timeout, text, config.endpoint.describe()));
  }

  void link_lost(const boost::system::error_code& ec, const char* during) {
    bool was_open = link.is_open();
    link.close();  // a read still pending completes with operation_aborted and clears `reading`
    writing = false;
    if (was_open) {
      ++stats.disconnects;
      logger->warn("{}: link lost during {}: {}", where(), during, ec.message());
    }
    if (current && current->kind != Kind::connect && current->kind != Kind::reconnect) {
      finish_io(Error(ErrorCode::disconnected,
                      "link lost during " + std::string(during) +
                          (current->request.empty() ? "" : " of \"" + printable(current->request) + "\"") + ": " +
                          ec.message(),
                      config.endpoint.describe()));
    }
  }

  // ---- completion -------------------------------------------------------------------------------

  void finish_io(std::optional<Error> error) {
    deadline.cancel();
    Job job = std::move(*current);
    current.reset();
    if (!error) ++stats.exchanges;
    auto lines = std::move(got);
    got.clear();
    if (job.lines_done) {
      boost::asio::post(executor, [self = shared_from_this(), done = std::move(job.lines_done), error,
                                   lines = std::move(lines)]() mutable {
        if (!self->dead) done(std::move(error), std::move(lines));
      });
    } else if (job.link_done) {
      deliver(std::move(job.link_done), std::move(error));
    }
    start_next();
  }

  void finish_link(std::optional<Error> error) {
    Job job = std::move(*current);
    current.reset();
    deliver(std::move(job.link_done), std::move(error));
    start_next();
  }

  void deliver(LinkHandler done, std::optional<Error> error) {
    if (!done) return;
    boost::asio::post(executor, [self = shared_from_this(), done = std::move(done), error]() mutable {
      if (!self->dead) done(std::move(error));
    });
  }

  void fail_all(const std::string& why) {
    backoff.cancel();
    deadline.cancel();
    std::deque<Job> jobs;
    jobs.swap(queue);
    if (current) jobs.push_front(std::move(*current));
    current.reset();
    ++job_number;
    for (auto& job : jobs) {
      Error error(ErrorCode::disconnected, why, config.endpoint.describe());
      if (job.lines_done) {
        boost::asio::post(executor, [self = shared_from_this(), done = std::move(job.lines_done), error] {
          if (!self->dead) done(error, {});
        });
      } else {
        deliver(std::move(job.link_done), error);
      }
    }
  }
};

Transport::Transport(boost::asio::any_io_executor executor, TransportConfig config,
                     std::shared_ptr<spdlog::logger> logger, std::string id)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config), std::move(logger), std::move(id))) {}

Transport::~Transport() {
  impl_->dead = true;
  impl_->backoff.cancel();
  impl_->deadline.cancel();
  impl_->link.close();
}

void Transport::async_connect(LinkHandler done) {
  Impl::Job job;
  job.kind = Impl::Kind::connect;
  job.link_done = std::move(done);
  impl_->enqueue(std::move(job));
}

void Transport::async_reconnect(LinkHandler done) {
  Impl::Job job;
  job.kind = Impl::Kind::reconnect;
  job.link_done = std::move(done);
  impl_->enqueue(std::move(job));
}

void Transport::async_exchange(std::string request, Reply reply, LinesHandler done) {
  Impl::Job job;
  job.kind = Impl::Kind::exchange;
  job.out = request.empty() ? std::string() : request + impl_->config.options.write_terminator;
  job.request = std::move(request);
  job.reply = std::move(reply);
  job.lines_done = std::move(done);
  impl_->enqueue(std::move(job));
}

void Transport::async_write_raw(std::string bytes, LinkHandler done) {
  Impl::Job job;
  job.kind = Impl::Kind::write_raw;
  job.out = bytes;
  job.request = std::move(bytes);
  job.link_done = std::move(done);
  impl_->enqueue(std::move(job));
}

void Transport::async_read(Reply reply, LinesHandler done) {
  Impl::Job job;
  job.kind = Impl::Kind::read;
  job.reply = std::move(reply);
  job.lines_done = std::move(done);
  impl_->enqueue(std::move(job));
}

void Transport::close() {
  impl_->link.close();
  impl_->writing = false;
  impl_->framer.discard();
  impl_->fail_all("the connection was closed");
}

bool Transport::is_open() const { return impl_->link.is_open(); }
const Endpoint& Transport::endpoint() const { return impl_->config.endpoint; }
const TransportOptions& Transport::options() const { return impl_->config.options; }
Transport::Stats Transport::stats() const { return impl_->stats; }

std::shared_ptr<spdlog::logger> driver_logger(const std::string& name) {
  if (auto logger = spdlog::get(name)) return logger;
  // Not registered: a driver may be built (to check a configuration) before the program sets up its
  // sinks, and a logger registered then would keep the old ones for good.
  auto fallback = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(name, fallback->sinks().begin(), fallback->sinks().end());
  logger->set_level(fallback->level());
  return logger;
}

}  // namespace cyclerd

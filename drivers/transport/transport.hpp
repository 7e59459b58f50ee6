// A line-oriented, asynchronous connection to an instrument over serial or TCP.
//
// Every operation is queued and runs alone on the wire, in the order it was started; its handler runs
// on the transport's executor, never inline from the call. Every exchange has a deadline: it ends with
// Error(timeout) when the reply is not complete in time (the lines received so far are passed along).
// A read error or end of stream closes the link and ends the operation with Error(disconnected); a
// later async_reconnect() brings it back with exponential backoff. Destroying the Transport closes the
// link and drops pending handlers without calling them (so they may capture their owner's `this`).
// Every exchange is traced at debug level through the logger given: "> request", "< reply" with its
// duration; timeouts, discarded input and reconnects at warn level.
// Like a driver, a Transport is used from one thread or strand: the one its executor runs on.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/error.hpp"
#include "drivers/transport/endpoint.hpp"

namespace spdlog {
class logger;
}

namespace cyclerd {

// The completion of an exchange: nullopt or the Error that stopped it, and the reply lines received
// (all of them on success; those received before the error otherwise).
using LinesHandler = std::function<void(std::optional<Error>, std::vector<std::string>)>;
// The completion of connect, reconnect and raw writes.
using LinkHandler = std::function<void(std::optional<Error>)>;

// What completes the reply to a request.
struct Reply {
  std::size_t lines = 1;  // this many lines (0: a write without reply)
  // When set, lines are read until one satisfies it (that line included), whatever `lines` says.
  std::function<bool(std::string_view line)> until;
  // Overrides TransportOptions::timeout for this exchange (e.g. a slow sweep or a script).
  std::optional<std::chrono::milliseconds> timeout;

  static Reply none() { return Reply{0, {}, {}}; }
  static Reply line() { return Reply{1, {}, {}}; }
  static Reply count(std::size_t n) { return Reply{n, {}, {}}; }
  static Reply until_line(std::function<bool(std::string_view)> last) { return Reply{0, std::move(last), {}}; }
  Reply& within(std::chrono::milliseconds t) {
    timeout = t;
    return *this;
  }
};

class Transport {
 public:
  // Nothing is opened yet; `id` names the channel or instrument in the trace. `logger` may be null
  // (then the trace goes to spdlog's default logger).
  Transport(boost::asio::any_io_executor executor, TransportConfig config, std::shared_ptr<spdlog::logger> logger,
            std::string id);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Opens the link once (serial: at once; TCP: within connect_timeout).
  void async_connect(LinkHandler done);
  // Closes the link and opens it again, waiting backoff_initial, then twice as long each time (up to
  // backoff_max), for at most reconnect_attempts attempts; the error names the last failure.
  void async_reconnect(LinkHandler done);
  // Writes `request` plus the write terminator (nothing when `request` is empty: a pure read) and reads
  // the reply that `reply` describes. With discard_unsolicited, input that arrived before the request
  // (a late reply to a timed-out exchange, line noise) is dropped first and logged.
  void async_exchange(std::string request, Reply reply, LinesHandler done);
  // Writes bytes exactly as given (a multi-line script), no terminator added, nothing read.
  void async_write_raw(std::string bytes, LinkHandler done);
  // Reads the next `reply` lines without writing and without discarding anything (streamed data).
  void async_read(Reply reply, LinesHandler done);
  // Closes the link; queued and in-flight operations end with Error(disconnected).
  void close();

  bool is_open() const;
  const Endpoint& endpoint() const;
  const TransportOptions& options() const;
  // Counters since construction, for diagnostics and tests.
  struct Stats {
    std::size_t exchanges = 0;   // operations completed successfully
    std::size_t timeouts = 0;
    std::size_t disconnects = 0; // links lost while in use
    std::size_t reconnects = 0;  // successful reconnections
    std::size_t discarded_bytes = 0;
  };
  Stats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The logger of a driver module ("drv.scpi-smu"): the registered one, or else a new one (not registered)
// sharing the present default logger's sinks and level.
std::shared_ptr<spdlog::logger> driver_logger(const std::string& name);

}  // namespace cyclerd

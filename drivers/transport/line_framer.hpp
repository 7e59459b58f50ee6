// Splits a byte stream into lines at a configurable terminator: the pure part of the transport.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cyclerd {

class LineFramer {
 public:
  // `terminator` must not be empty; `strip_cr` drops one '\r' left before it ("\r\n" when the
  // terminator is "\n"); a line longer than `max_line_bytes` is reported as overlong.
  LineFramer(std::string terminator, bool strip_cr, std::size_t max_line_bytes);

  // Appends received bytes.
  void feed(std::string_view bytes) { pending_.append(bytes); }
  // The next complete line without its terminator, or nullopt if none is complete yet.
  std::optional<std::string> next_line();
  // True when the unterminated tail has grown past the limit (the peer sends garbage without end).
  bool overlong() const { return pending_.size() > max_line_bytes_; }
  // Drops everything received and not yet taken; returns what was dropped.
  std::string discard();
  // Bytes received and not yet taken as lines.
  const std::string& pending() const { return pending_; }

 private:
  std::string terminator_;
  bool strip_cr_;
  std::size_t max_line_bytes_;
  std::string pending_;
};

// A printable rendering of instrument text for logs and error messages: control bytes as \r, \n,
// \xNN, and at most `limit` characters.
std::string printable(std::string_view text, std::size_t limit = 200);

}  // namespace cyclerd

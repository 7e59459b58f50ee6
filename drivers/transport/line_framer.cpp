#include "drivers/transport/line_framer.hpp"

#include <cstdio>
#include <stdexcept>

namespace cyclerd {

LineFramer::LineFramer(std::string terminator, bool strip_cr, std::size_t max_line_bytes)
    : terminator_(std::move(terminator)), strip_cr_(strip_cr), max_line_bytes_(max_line_bytes) {
  if (terminator_.empty()) throw std::invalid_argument("a line terminator must not be empty");
}

std::optional<std::string> LineFramer::next_line() {
  std::size_t end = pending_.find(terminator_);
  if (end == std::string::npos) return std::nullopt;
  std::string line = pending_.substr(0, end);
  pending_.erase(0, end + terminator_.size());
  if (strip_cr_ && !line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string LineFramer::discard() {
  std::string dropped;
  dropped.swap(pending_);
  return dropped;
}

std::string printable(std::string_view text, std::size_t limit) {
  std::string out;
  for (char c : text) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace cyclerd

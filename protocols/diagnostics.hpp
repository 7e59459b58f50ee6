// Validation errors with JSON pointers, and the collector that gathers all of them at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace cyclerd {

// One problem in a protocol: where (RFC 6901 pointer, "" for the whole document) and what would be
// right. Maps onto JSON-RPC -32005 `validation_failed`, `data.errors: [{pointer, message}]`.
struct ValidationError {
  std::string pointer;
  std::string message;

  bool operator==(const ValidationError&) const = default;
};

// `base` + "/" + `token`, with '~' and '/' escaped as RFC 6901 requires.
std::string pointer_append(std::string_view base, std::string_view token);
// `base` + "/" + index.
std::string pointer_append(std::string_view base, std::size_t index);

// Collects errors; stops growing past a bound so that hostile input cannot make the answer huge.
class Diagnostics {
 public:
  // More than this many errors means the input is not a protocol; the rest are summarised.
  static constexpr std::size_t kMaxErrors = 100;

  void add(std::string pointer, std::string message);
  // An Error from a parser below us: its `where` is the pointer, else `fallback_pointer`.
  void add(const Error& error, const std::string& fallback_pointer);

  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }
  const std::vector<ValidationError>& errors() const { return errors_; }
  std::vector<ValidationError> take() { return std::move(errors_); }

 private:
  std::vector<ValidationError> errors_;
  std::size_t dropped_ = 0;
};

// `text` with every byte that is not part of valid UTF-8 replaced by '?': messages end up in JSON.
std::string valid_utf8(std::string_view text);

// Text quoted for a message, shortened so that a huge string does not make a huge message.
std::string quote(std::string_view text);

}  // namespace cyclerd

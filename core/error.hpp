// Error codes and the exception carried across cyclerd's input boundaries.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace cyclerd {

// Stable error codes; the daemon maps them onto JSON-RPC `data.code` strings.
enum class ErrorCode {
  invalid_input,      // text, file or parameter that cannot be understood
  unit_mismatch,      // a quantity of the wrong dimension ("3 V" where a current was expected)
  out_of_range,       // a value outside what the device, cell or protocol allows
  not_found,          // an unknown preset, driver, channel, cell, run...
  invalid_state,      // an operation that the current state does not allow
  instrument_fault,   // the instrument failed, timed out or answered nonsense
  timeout,            // an exchange with an instrument took too long
  disconnected,       // the connection to an instrument is gone
  storage_error,      // the database refused or failed
  internal,           // a bug: should never reach a user
};

// The snake_case name of a code, as used in logs and JSON (`data.code`).
std::string_view to_string(ErrorCode code);

// An error with a code, a human sentence, and where it happened (field, JSON pointer, file:line).
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::string where = {});

  ErrorCode code() const noexcept { return code_; }
  // Where the error was found, e.g. "/steps/3/current" or "presets/zns.json"; may be empty.
  const std::string& where() const noexcept { return where_; }
  // The bare sentence without the location prefix.
  const std::string& message() const noexcept { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
  std::string where_;
};

}  // namespace cyclerd

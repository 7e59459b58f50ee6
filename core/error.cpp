#include "core/error.hpp"

namespace cyclerd {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_input: return "invalid_input";
    case ErrorCode::unit_mismatch: return "unit_mismatch";
    case ErrorCode::out_of_range: return "out_of_range";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::invalid_state: return "invalid_state";
    case ErrorCode::instrument_fault: return "instrument_fault";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::disconnected: return "disconnected";
    case ErrorCode::storage_error: return "storage_error";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

namespace {
std::string compose(const std::string& where, const std::string& message) {
  return where.empty() ? message : where + ": " + message;
}
}  // namespace

Error::Error(ErrorCode code, std::string message, std::string where)
    : std::runtime_error(compose(where, message)),
      code_(code),
      message_(std::move(message)),
      where_(std::move(where)) {}

}  // namespace cyclerd

// JSON-RPC 2.0 error codes (the standard ones and cyclerd's application codes) and the exception that a
// method handler throws to answer with one of them.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cyclerd::rpc {

// The codes of the JSON-RPC 2.0 specification (section 5.1) and DESIGN.md's application codes.
enum class RpcCode : int {
  parse_error = -32700,
  invalid_request = -32600,
  method_not_found = -32601,
  invalid_params = -32602,
  internal_error = -32603,
  unauthorized = -32001,
  forbidden = -32002,
  not_found = -32003,
  invalid_state = -32004,
  validation_failed = -32005,
  channel_busy = -32006,
  storage_error = -32007,
};

// The stable `data.code` string of an application code ("unauthorized"...); empty for standard codes.
std::string_view data_code(RpcCode code);

// One problem in the parameters, located by an RFC 6901 pointer into `params`.
struct FieldError {
  std::string pointer;
  std::string message;
};

// Thrown by handlers (and the dispatcher) to answer a request with an error object.
class RpcError : public std::runtime_error {
 public:
  // `data` is merged with {"code": data_code(code)} for application codes.
  RpcError(RpcCode code, std::string message, nlohmann::json data = nullptr);

  RpcCode code() const noexcept { return code_; }
  // The "error" member of the response: {code, message, data?}.
  nlohmann::json to_json() const;

  // -32602 with every offending parameter (data.errors).
  static RpcError invalid_params(std::string message, const std::vector<FieldError>& errors = {});
  // -32005 with every problem at once (data.errors), as DESIGN.md requires.
  static RpcError validation_failed(std::string message, const std::vector<FieldError>& errors);
  // -32003 naming what was not found.
  static RpcError not_found(std::string message);
  // -32004: the operation is not allowed in the present state.
  static RpcError invalid_state(std::string message);
  // -32006: the channel already has a run.
  static RpcError channel_busy(std::string message);
  // -32007: the database refused or failed.
  static RpcError storage_error(std::string message);

 private:
  RpcCode code_;
  nlohmann::json data_;
};

// A list of field errors as JSON ([{pointer, message}]).
nlohmann::json to_json(const std::vector<FieldError>& errors);

}  // namespace cyclerd::rpc

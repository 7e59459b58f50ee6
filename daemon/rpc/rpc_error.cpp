#include "daemon/rpc/rpc_error.hpp"

namespace cyclerd::rpc {

std::string_view data_code(RpcCode code) {
  switch (code) {
    case RpcCode::unauthorized: return "unauthorized";
    case RpcCode::forbidden: return "forbidden";
    case RpcCode::not_found: return "not_found";
    case RpcCode::invalid_state: return "invalid_state";
    case RpcCode::validation_failed: return "validation_failed";
    case RpcCode::channel_busy: return "channel_busy";
    case RpcCode::storage_error: return "storage_error";
    default: return {};
  }
}

RpcError::RpcError(RpcCode code, std::string message, nlohmann::json data)
    : std::runtime_error(std::move(message)), code_(code), data_(std::move(data)) {
  const auto name = data_code(code_);
  if (name.empty()) return;
  if (data_.is_null()) data_ = nlohmann::json::object();
  if (data_.is_object()) data_["code"] = std::string(name);
}

nlohmann::json RpcError::to_json() const {
  nlohmann::json error = {{"code", static_cast<int>(code_)}, {"message", what()}};
  if (!data_.is_null()) error["data"] = data_;
  return error;
}

nlohmann::json to_json(const std::vector<FieldError>& errors) {
  auto list = nlohmann::json::array();
  for (const auto& e : errors) list.push_back({{"pointer", e.pointer}, {"message", e.message}});
  return list;
}

RpcError RpcError::invalid_params(std::string message, const std::vector<FieldError>& errors) {
  nlohmann::json data = nullptr;
  if (!errors.empty()) data = {{"errors", rpc::to_json(errors)}};
  return RpcError(RpcCode::invalid_params, std::move(message), std::move(data));
}

RpcError RpcError::validation_failed(std::string message, const std::vector<FieldError>& errors) {
  return RpcError(RpcCode::validation_failed, std::move(message), {{"errors", rpc::to_json(errors)}});
}

RpcError RpcError::not_found(std::string message) { return RpcError(RpcCode::not_found, std::move(message)); }
RpcError RpcError::invalid_state(std::string message) {
  return RpcError(RpcCode::invalid_state, std::move(message));
}
RpcError RpcError::channel_busy(std::string message) {
  return RpcError(RpcCode::channel_busy, std::move(message));
}
RpcError RpcError::storage_error(std::string message) {
  return RpcError(RpcCode::storage_error, std::move(message));
}

}  // namespace cyclerd::rpc

#include "daemon/rpc/dispatcher.hpp"

#include <algorithm>
#include <future>
#include <mutex>

#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace cyclerd::rpc {

namespace {

using nlohmann::json;

std::string dump(const json& value) {
  // Strings from handlers may carry bytes that are not UTF-8 (file names, instrument replies).
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json error_object(const json& id, const RpcError& error) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", error.to_json()}};
}

// The text of one response. A result a method served as text is spliced in as it is; the members come in
// the order nlohmann's object gives them (id, jsonrpc, result), so it reads exactly as the dumped object.
std::string serialize(const Answer& answer) {
  if (!answer.result_text) return dump(answer.object);
  const auto& text = *answer.result_text;
  std::string out;
  out.reserve(text.size() + 48);
  out += "{\"id\":";
  out += dump(answer.object.at("id"));
  out += ",\"jsonrpc\":\"2.0\",\"result\":";
  out += text;
  out += '}';
  return out;
}

// A batch's responses as one JSON array.
std::string serialize(const std::vector<std::optional<Answer>>& answers) {
  std::string out = "[";
  for (const auto& a : answers) {
    if (!a) continue;
    if (out.size() > 1) out += ',';
    out += serialize(*a);
  }
  out += ']';
  return out;
}

// A cyclerd::Error from the layers below, as the application error a client can act on.
RpcError from_error(const Error& error) {
  switch (error.code()) {
    case ErrorCode::not_found: return RpcError::not_found(error.what());
    case ErrorCode::invalid_state: return RpcError::invalid_state(error.what());
    case ErrorCode::storage_error: return RpcError::storage_error(error.what());
    case ErrorCode::invalid_input:
    case ErrorCode::unit_mismatch:
    case ErrorCode::out_of_range:
      return RpcError::validation_failed(error.message(), {{error.where(), error.message()}});
    default: return RpcError(RpcCode::internal_error, error.what());
  }
}

std::shared_ptr<spdlog::logger> log() {
  auto logger = spdlog::get("rpc");
  return logger ? logger : spdlog::default_logger();
}

}  // namespace

std::optional<std::size_t> nesting_exceeds(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

Dispatcher::Dispatcher(const MethodTable& methods, const TokenStore* tokens, bool auth_required)
    : methods_(methods), tokens_(tokens), auth_required_(auth_required) {}

std::string Dispatcher::error_response(RpcCode code, const std::string& message) {
  return dump(error_object(nullptr, RpcError(code, message)));
}

std::optional<std::string> Dispatcher::parse(std::string_view text, json& message) const {
  if (text.size() > kMaxMessageBytes) {
    return error_response(RpcCode::invalid_request, "message longer than 1 MiB (1048576 bytes)");
  }
  if (const auto at = nesting_exceeds(text, kMaxNesting)) {
    return error_response(RpcCode::invalid_request, "JSON nested more than " + std::to_string(kMaxNesting) +
                                                         " levels at byte " + std::to_string(*at));
  }
  message = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return error_response(RpcCode::parse_error, "Parse error: not valid JSON");
  if (message.is_array() && message.empty()) return error_response(RpcCode::invalid_request, "Invalid Request: empty batch");
  if (message.is_array() && message.size() > kMaxBatchLength) {
    return error_response(RpcCode::invalid_request,
                          "batch of " + std::to_string(message.size()) + " requests; at most " +
                              std::to_string(kMaxBatchLength) + " per message");
  }
  return std::nullopt;
}

std::optional<std::string> Dispatcher::handle(std::string_view text, Connection& connection) const {
  json message;
  if (auto refused = parse(text, message)) return refused;

  if (!message.is_array()) {
    auto response = handle_one(message, connection);
    if (!response) return std::nullopt;
    return serialize(*response);
  }
  std::vector<std::optional<Answer>> responses;
  bool any = false;
  for (const auto& request : message) {
    responses.push_back(handle_one(request, connection));
    any = any || responses.back().has_value();
  }
  if (!any) return std::nullopt;  // only notifications: nothing at all is returned
  return serialize(responses);
}

namespace {
// The answers of one message that has asynchronous requests: the last one to arrive sends them all, in
// the order of the requests (any thread may complete one).
struct PendingMessage {
  std::mutex mutex;
  bool batch = false;
  std::vector<std::optional<Answer>> answers;
  std::size_t outstanding = 1;  // the message itself, released once every request has been started
  Dispatcher::Respond done;

  void complete(std::size_t slot, std::optional<Answer> answer) {
    {
      std::lock_guard lock(mutex);
      if (slot < answers.size()) answers[slot] = std::move(answer);
      if (--outstanding != 0) return;
    }
    if (!batch) return done(answers.front() ? std::optional<std::string>(serialize(*answers.front())) : std::nullopt);
    const bool any = std::any_of(answers.begin(), answers.end(), [](const auto& a) { return a.has_value(); });
    done(any ? std::optional<std::string>(serialize(answers)) : std::nullopt);
  }
};
}  // namespace

void Dispatcher::handle_async(std::string_view text, Connection& connection, Respond done) const {
  json message;
  if (auto refused = parse(text, message)) return done(std::move(refused));
  auto pending = std::make_shared<PendingMessage>();
  pending->batch = message.is_array();
  pending->answers.resize(pending->batch ? message.size() : 1);
  pending->done = std::move(done);
  const auto start = [&](const json& request, std::size_t slot) {
    {
      std::lock_guard lock(pending->mutex);
      ++pending->outstanding;
    }
    bool deferred = false;
    auto answer = handle_one(request, connection, [pending, slot](std::optional<Answer> a) { pending->complete(slot, std::move(a)); },
                             &deferred);
    if (!deferred) pending->complete(slot, std::move(answer));
  };
  if (pending->batch) {
    for (std::size_t i = 0; i < message.size(); ++i) start(message[i], i);
  } else {
    start(message, 0);
  }
  pending->complete(pending->answers.size(), std::nullopt);  // every request started: release the message
}

std::optional<Answer> Dispatcher::handle_one(const json& request, Connection& connection, const Later& later,
                                             bool* deferred) const {
  // The id is echoed when it is a valid one, even in an invalid request; otherwise it is null.
  json id = nullptr;
  const bool is_object = request.is_object();
  const bool has_id = is_object && request.contains("id");
  bool id_ok = true;
  if (has_id) {
    const auto& candidate = request.at("id");
    id_ok = candidate.is_string() || candidate.is_number() || candidate.is_null();
    if (id_ok) id = candidate;
  }
  const auto invalid = [&](const std::string& why) -> std::optional<Answer> {
    return Answer{error_object(id, RpcError(RpcCode::invalid_request, "Invalid Request: " + why)), std::nullopt};
  };
  if (!is_object) return invalid("not an object");
  if (!id_ok) return invalid("id must be a string, a number or null");
  const auto version = request.find("jsonrpc");
  if (version == request.end() || *version != "2.0") return invalid("\"jsonrpc\" must be \"2.0\"");
  const auto method = request.find("method");
  if (method == request.end() || !method->is_string()) return invalid("\"method\" must be a string");
  for (const auto& [key, value] : request.items()) {
    if (key != "jsonrpc" && key != "method" && key != "params" && key != "id") {
      return invalid("unknown member \"" + key + "\"");
    }
  }
  const auto params_it = request.find("params");
  if (params_it != request.end() && !params_it->is_object() && !params_it->is_array()) {
    return invalid("\"params\" must be an object or an array");
  }

  // The response to what `produce` answers or throws; the same for a handler's answer now or later.
  const std::string name = method->get<std::string>();
  const auto respond = [id, has_id, name](const std::function<Result()>& produce) -> std::optional<Answer> {
    Result result;
    try {
      result = produce();
    } catch (const RpcError& error) {
      if (!has_id) return std::nullopt;
      return Answer{error_object(id, error), std::nullopt};
    } catch (const Error& error) {
      if (!has_id) return std::nullopt;
      return Answer{error_object(id, from_error(error)), std::nullopt};
    } catch (const std::exception& error) {
      // A bug in a handler: logged with its detail, answered without it.
      log()->error("{} failed: {}", name, error.what());
      if (!has_id) return std::nullopt;
      return Answer{error_object(id, RpcError(RpcCode::internal_error, "Internal error")), std::nullopt};
    }
    if (!has_id) return std::nullopt;
    if (result.text) return Answer{json{{"jsonrpc", "2.0"}, {"id", id}}, std::move(result.text)};
    return Answer{json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result.value)}}, std::nullopt};
  };
  std::optional<Result> answer;
  bool handed_over = false;
  auto response = respond([&]() -> Result {
    if (params_it != request.end() && params_it->is_array()) {
      throw RpcError::invalid_params("params must be named (an object); cyclerd has no positional parameters");
    }
    const json params = params_it == request.end() ? json::object() : *params_it;
    std::function<void(std::function<json()>)> finish;
    if (later) {
      finish = [later, respond](std::function<json()> produce) {
        later(respond([&produce] { return Result{produce(), std::nullopt}; }));
      };
    }
    answer = call(name, params, connection, finish);
    handed_over = !answer;
    return answer ? std::move(*answer) : Result{};
  });
  if (handed_over && deferred) {
    *deferred = true;
    return std::nullopt;
  }
  return response;
}

Caller Dispatcher::caller_of(const Connection& connection) const {
  Caller caller;
  caller.connection_id = connection.id;
  caller.push = connection.push;
  if (connection.identity) {
    caller.name = connection.identity->name;
    caller.role = connection.identity->role;
  } else if (!auth_required_) {
    caller.name = "anonymous";
    caller.role = Role::operator_;
  }
  return caller;
}

std::optional<Result> Dispatcher::call(const std::string& name, const json& params, Connection& connection,
                                       const std::function<void(std::function<json()>)>& later) const {
  if (name == "auth.login") return Result{login(params, connection), std::nullopt};
  const Method* method = methods_.find(name);
  if (method == nullptr) throw RpcError(RpcCode::method_not_found, "Method not found: " + name);
  const auto caller = caller_of(connection);
  if (!caller.may(method->role)) {
    if (caller.role == Role::anyone) {
      throw RpcError(RpcCode::unauthorized, name + " needs a token: call auth.login {token} first");
    }
    throw RpcError(RpcCode::forbidden, name + " needs the " + std::string(to_string(method->role)) +
                                           " role; " + caller.name + " is a " + std::string(to_string(caller.role)));
  }
  if (auto errors = check_params(*method, params); !errors.empty()) {
    throw RpcError::invalid_params("Invalid params: " + errors.front().message, errors);
  }
  if (method->handler) return Result{method->handler(params, caller), std::nullopt};
  if (method->text_handler) return Result{json(), method->text_handler(params, caller)};
  if (later) {
    method->async_handler(params, caller, later);
    return std::nullopt;
  }
  // A transport that answers synchronously waits for the asynchronous handler (it completes elsewhere).
  std::promise<std::function<json()>> promise;
  auto future = promise.get_future();
  method->async_handler(params, caller, [&promise](std::function<json()> produce) { promise.set_value(std::move(produce)); });
  return Result{future.get()(), std::nullopt};
}

json Dispatcher::login(const json& params, Connection& connection) const {
  const auto token = params.find("token");
  if (token == params.end() || !token->is_string() || params.size() != 1) {
    throw RpcError::invalid_params("auth.login takes {token: string}", {{"/token", "a string is required"}});
  }
  const auto identity = tokens_ ? tokens_->authenticate(token->get_ref<const std::string&>()) : std::nullopt;
  if (!identity) {
    // A failed login also forgets an earlier one: the connection is whoever it last proved to be.
    connection.identity.reset();
    log()->warn("connection {} from {}: login with an unknown token", connection.id, connection.peer);
    throw RpcError(RpcCode::unauthorized, "unknown token");
  }
  connection.identity = identity;
  log()->info("connection {} from {}: {} logged in ({})", connection.id, connection.peer, identity->name,
              to_string(identity->role));
  return {{"name", identity->name}, {"role", std::string(to_string(identity->role))}};
}

}  // namespace cyclerd::rpc

// The method table: the seam between the JSON-RPC layer and what serves the methods (the daemon's own
// methods now, the Lab's channels/cells/runs later). One row per method: name, required role, the named
// parameters it accepts, and the handler. The dispatcher checks the role and the parameters before the
// handler runs, so handlers only see an object with known keys of the declared types.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/rpc/caller.hpp"
#include "daemon/rpc/rpc_error.hpp"

namespace cyclerd::rpc {

// The JSON type a parameter must have.
enum class ParamType { string, number, integer, boolean, object, array, any };

// One named parameter of a method.
struct Param {
  std::string name;
  ParamType type = ParamType::any;
  bool required = false;
  std::string description;  // one line, for rpc.describe-style listings and errors
};

// Serves one method: `params` is always an object (an absent params member arrives as {}); returns the
// result, or throws RpcError (or cyclerd::Error, mapped by the dispatcher) to answer with an error.
using Handler = std::function<nlohmann::json(const nlohmann::json& params, const Caller& who)>;

// Serves a method whose result is JSON text kept ready (channels.list: assembled from texts kept per channel
// rather than built and serialized again for each of many callers); the dispatcher splices it into the
// response unparsed, so it must be one valid JSON value.
using TextHandler = std::function<std::string(const nlohmann::json& params, const Caller& who)>;

// Completes an asynchronous method, from any thread: `result` returns the answer or throws as a Handler
// would (the dispatcher maps the error the same way).
using Completion = std::function<void(std::function<nlohmann::json()> result)>;
// Serves a method whose work is long (protocols.estimate's dry run) without holding the transport's thread:
// it checks what needs the caller's thread, starts the work elsewhere and returns; `done` is then called
// exactly once, from any thread. Throwing instead of starting answers at once, as a Handler does.
using AsyncHandler = std::function<void(const nlohmann::json& params, const Caller& who, Completion done)>;

// One row of the method table.
struct Method {
  std::string name;           // "noun.verb"
  Role role = Role::viewer;   // least role allowed to call it; mutating methods need Role::operator_
  std::vector<Param> params;  // every accepted key; unknown keys are -32602
  Handler handler;
  std::string summary;        // one line saying what it does
  AsyncHandler async_handler = {};  // set instead of `handler` for long work (see Dispatcher::handle_async)
  TextHandler text_handler = {};    // set instead of `handler` for a result served as ready JSON text
};

class MethodTable {
 public:
  // Adds a row; throws std::logic_error for a duplicate or malformed name (a programming error).
  void add(Method method);
  // The row of `name`, or nullptr.
  const Method* find(std::string_view name) const;
  // Every method name, sorted.
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Method, std::less<>> methods_;
};

// Every problem of `params` (an object) against `method`'s declared parameters: unknown keys, missing
// required ones and wrong types, each with its pointer. Empty when the parameters are acceptable.
std::vector<FieldError> check_params(const Method& method, const nlohmann::json& params);

// A required string parameter that check_params has vetted (helper for handlers).
const std::string& string_param(const nlohmann::json& params, std::string_view name);

}  // namespace cyclerd::rpc

// Who is calling: the identity a connection authenticated as, passed to every method handler so that
// the lab can record who made each change.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cyclerd::rpc {

// What a caller may do; each role includes the ones before it (operator ⊇ viewer ⊇ anyone).
enum class Role {
  anyone,     // not authenticated: only auth.login
  viewer,     // reads
  operator_,  // reads and controls (trailing underscore: `operator` is a C++ keyword)
};

// "anyone", "viewer", "operator".
std::string_view to_string(Role role);

// Where a connection's pushed notifications go (subscriptions use it; the TCP session implements it).
class PushSink {
 public:
  virtual ~PushSink() = default;
  // Queues one JSON text for the client; false when the client cannot keep up and the line was dropped.
  virtual bool push(std::string json_text) = 0;
  // Queues one short last message even past the bound (the `subscription.dropped` notice, once per
  // drop, so a slow client still learns why its stream ended). A transport that cannot may refuse it.
  virtual bool push_notice(std::string json_text) { return push(std::move(json_text)); }
};

// The identity behind one request.
struct Caller {
  std::string name;                // the token's NAME, recorded with every change ("anonymous" without auth)
  Role role = Role::anyone;
  std::uint64_t connection_id = 0;  // distinguishes connections of the same name in logs and subscriptions
  std::weak_ptr<PushSink> push;     // expired when the connection is gone

  // True when this caller's role includes `required`.
  bool may(Role required) const { return static_cast<int>(role) >= static_cast<int>(required); }
};

}  // namespace cyclerd::rpc

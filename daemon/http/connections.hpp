// The open HTTP and WebSocket connections of one listener: counted against the connection limit and
// closed when the daemon stops. A connection upgraded to WebSocket keeps its id and its slot.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace cyclerd::http {

// What the listener may do to any of its connections.
class Session {
 public:
  virtual ~Session() = default;
  // Closes the connection from any thread (its handlers then end and it is destroyed).
  virtual void close() = 0;
};

// Shared with the sessions, so that one outliving the listener can still take itself off the list.
struct OpenConnections {
  std::mutex mutex;  // sessions run on their own strands, possibly on several threads
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions;

  // Replaces the entry of `id` (an HTTP session handing its connection to a WebSocket session).
  void replace(std::uint64_t id, std::weak_ptr<Session> session) {
    std::lock_guard lock(mutex);
    sessions[id] = std::move(session);
  }
  // Removes `id` if it is still `session` (the destructor of a session that has been replaced must not
  // remove its successor).
  void remove(std::uint64_t id, const Session* session) {
    std::lock_guard lock(mutex);
    const auto found = sessions.find(id);
    if (found == sessions.end()) return;
    const auto current = found->second.lock();
    if (!current || current.get() == session) sessions.erase(found);
  }
};

}  // namespace cyclerd::http

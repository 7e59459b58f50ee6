// subscribe / unsubscribe (DESIGN.md): a connection with a push channel (TCP, WebSocket) asks for topics
// and receives `notify` messages on the same connection.
#pragma once

#include <cstdint>
#include <functional>

#include "daemon/push/topic_bus.hpp"
#include "daemon/rpc/method_table.hpp"

namespace cyclerd::push {

// Throws rpc::RpcError::not_found when run `run_id` does not exist (the Lab's run_info does).
using RunCheck = std::function<void(std::int64_t run_id)>;

// Adds `subscribe {topics: [{topic, run_id?, max_rate_hz?}]}` and `unsubscribe {topics}` (viewer role).
void add_push_methods(rpc::MethodTable& table, TopicBus& bus, RunCheck run_exists);

}  // namespace cyclerd::push

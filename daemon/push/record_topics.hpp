// The Lab's stored rows as push notifications: a sample (runs.samples), a cycle summary (runs.cycles) and
// an event (events) are sent with the same field names as runs.samples' columns, runs.cycles and
// runs.events, so a client reads pushed and fetched data the same way. Nothing is built when nobody
// subscribed to the topic.
#pragma once

#include "daemon/push/topic_bus.hpp"
#include "schema/records.hpp"

namespace cyclerd::push {

// runs.samples: {index, test_time_s, unix_time_s, voltage_V, current_A, temperature_C, cycle_index,
// step_index, step_id}, decimated per subscriber.
void publish(TopicBus& bus, const store::SampleRow& sample);
// runs.cycles: one row of the cycle table.
void publish(TopicBus& bus, const store::CycleSummaryRow& cycle);
// One row of the cycle table with DESIGN.md's field names (null where a value is missing): what the
// runs.cycles method answers and the runs.cycles topic pushes, so the two cannot drift apart.
nlohmann::json cycle_json(const store::CycleSummaryRow& cycle);
// events: {unix_time_s, kind, text, who, data}; run_id null for events of no run (a channel reset).
void publish(TopicBus& bus, const store::EventRow& event);

}  // namespace cyclerd::push

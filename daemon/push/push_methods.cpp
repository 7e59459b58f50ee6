#include "daemon/push/push_methods.hpp"

#include <cmath>

namespace cyclerd::push {

using nlohmann::json;

namespace {

// The topics of a subscribe or unsubscribe call, every problem found at once (-32602 names each topic
// and its pointer). `with_rate`: whether max_rate_hz is accepted (subscribe).
std::vector<Subscription> parse_topics(const json& params, bool with_rate) {
  std::vector<Subscription> out;
  std::vector<rpc::FieldError> errors;
  const json& topics = params.at("topics");
  if (topics.empty()) errors.push_back({"/topics", "at least one topic: " + topic_names()});
  for (std::size_t i = 0; i < topics.size(); ++i) {
    const std::string at = "/topics/" + std::to_string(i);
    const json& item = topics[i];
    // A bare name is the topic for every run.
    const json entry = item.is_string() ? json{{"topic", item}} : item;
    if (!entry.is_object()) {
      errors.push_back({at, "a topic name or an object {topic, run_id?, max_rate_hz?}"});
      continue;
    }
    Subscription s;
    bool ok = true;
    for (const auto& [key, value] : entry.items()) {
      if (key != "topic" && key != "run_id" && (key != "max_rate_hz" || !with_rate)) {
        errors.push_back({at + "/" + key, "unknown key \"" + key + "\" (allowed: topic, run_id" +
                                              (with_rate ? ", max_rate_hz)" : ")")});
        ok = false;
      }
    }
    const json topic = entry.value("topic", json());
    if (!topic.is_string()) {
      errors.push_back({at + "/topic", "a topic name is required: " + topic_names()});
      continue;
    }
    const auto known = topic_from(topic.get<std::string>());
    if (!known) {
      errors.push_back({at + "/topic", "unknown topic \"" + topic.get<std::string>() + "\" (topics: " + topic_names() + ")"});
      continue;
    }
    s.topic = *known;
    if (entry.contains("run_id")) {
      const json& id = entry["run_id"];
      if (id.is_number_integer()) {
        s.run_id = id.get<std::int64_t>();
      } else if (!id.is_null()) {
        errors.push_back({at + "/run_id", "a run id (integer) for topic \"" + topic.get<std::string>() + "\""});
        ok = false;
      }
    }
    if (entry.contains("max_rate_hz")) {
      const json& rate = entry["max_rate_hz"];
      if (s.topic != Topic::runs_samples) {
        errors.push_back({at + "/max_rate_hz", "max_rate_hz applies to runs.samples only, not \"" +
                                                   topic.get<std::string>() + "\""});
        ok = false;
      } else if (!rate.is_number() || !(rate.get<double>() > 0) || rate.get<double>() > kMaxSampleRateHz) {
        errors.push_back({at + "/max_rate_hz", "a number of notifications per second, above 0 and at most " +
                                                   std::to_string(static_cast<int>(kMaxSampleRateHz)) +
                                                   ", for topic \"runs.samples\""});
        ok = false;
      } else {
        s.max_rate_hz = rate.get<double>();
      }
    }
    if (s.topic == Topic::runs_samples && s.max_rate_hz == 0) s.max_rate_hz = kDefaultSampleRateHz;
    if (ok) out.push_back(s);
  }
  if (!errors.empty()) {
    std::string message = errors.size() == 1 ? errors.front().message
                                             : std::to_string(errors.size()) + " problems in topics: " + errors.front().message + ", ...";
    throw rpc::RpcError::invalid_params(message, errors);
  }
  return out;
}

json to_json(const std::vector<Subscription>& subscriptions) {
  json out = json::array();
  for (const auto& s : subscriptions) {
    json item = {{"topic", to_string(s.topic)}, {"run_id", s.run_id ? json(*s.run_id) : json(nullptr)}};
    if (s.topic == Topic::runs_samples) item["max_rate_hz"] = s.max_rate_hz;
    out.push_back(std::move(item));
  }
  return out;
}

// The caller's push channel; HTTP POST /rpc has none (one answer per request, nothing afterwards).
std::shared_ptr<rpc::PushSink> sink_of(const rpc::Caller& who) {
  auto sink = who.push.lock();
  if (!sink) {
    throw rpc::RpcError::invalid_state("subscriptions need a connection that stays open: TCP or WebSocket /ws");
  }
  return sink;
}

}  // namespace

void add_push_methods(rpc::MethodTable& table, TopicBus& bus, RunCheck run_exists) {
  const std::string topics_help = "[{topic, run_id?, max_rate_hz?}] or topic names; topics: " + topic_names();
  table.add({
      .name = "subscribe",
      .role = rpc::Role::viewer,
      .params = {{"topics", rpc::ParamType::array, true, topics_help}},
      .handler =
          [&bus, run_exists](const json& p, const rpc::Caller& who) {
            const auto sink = sink_of(who);
            const auto wanted = parse_topics(p, true);
            // A run that does not exist is an error now rather than a subscription that never fires.
            if (run_exists) {
              for (const auto& s : wanted) {
                if (s.run_id) run_exists(*s.run_id);
              }
            }
            bus.subscribe(sink, wanted);
            return json{{"subscriptions", to_json(bus.subscriptions_of(sink))}};
          },
      .summary = "push notifications of runs.progress, runs.samples (at most max_rate_hz), runs.cycles, events",
  });
  table.add({
      .name = "unsubscribe",
      .role = rpc::Role::viewer,
      .params = {{"topics", rpc::ParamType::array, true, "[{topic, run_id?}] or topic names (no run_id: every run)"}},
      .handler =
          [&bus](const json& p, const rpc::Caller& who) {
            const auto sink = sink_of(who);
            const auto removed = bus.unsubscribe(sink, parse_topics(p, false));
            return json{{"removed", removed}, {"subscriptions", to_json(bus.subscriptions_of(sink))}};
          },
      .summary = "stop notifications of these topics",
  });
}

}  // namespace cyclerd::push

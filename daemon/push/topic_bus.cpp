#include "daemon/push/topic_bus.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace cyclerd::push {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, kTopicCount> kNames = {"runs.progress", "runs.samples", "runs.cycles", "events"};

std::shared_ptr<spdlog::logger> log() {
  auto logger = spdlog::get("push");
  return logger ? logger : spdlog::default_logger();
}

bool same_target(const Subscription& a, const Subscription& b) { return a.topic == b.topic && a.run_id == b.run_id; }

bool matches(const Subscription& s, Topic topic, std::optional<std::int64_t> run_id) {
  return s.topic == topic && (!s.run_id || s.run_id == run_id);
}

}  // namespace

std::string_view to_string(Topic topic) { return kNames[static_cast<std::size_t>(topic)]; }

std::optional<Topic> topic_from(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Topic>(i);
  }
  return std::nullopt;
}

std::string topic_names() {
  std::string out;
  for (const auto name : kNames) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

std::string TopicBus::notification(std::string_view topic, std::optional<std::int64_t> run_id, const json& data) {
  return json{{"jsonrpc", "2.0"},
              {"method", "notify"},
              {"params", {{"topic", topic}, {"run_id", run_id ? json(*run_id) : json(nullptr)}, {"data", data}}}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

void TopicBus::count(const Subscription& s, int delta) {
  counts_[static_cast<std::size_t>(s.topic)].fetch_add(delta, std::memory_order_relaxed);
}

void TopicBus::subscribe(const std::weak_ptr<rpc::PushSink>& sink, const std::vector<Subscription>& subscriptions) {
  std::lock_guard lock(mutex_);
  auto& subscriber = subscribers_[sink];
  subscriber.sink = sink;
  for (const auto& s : subscriptions) {
    auto it = std::find_if(subscriber.held.begin(), subscriber.held.end(),
                           [&](const Held& h) { return same_target(h.subscription, s); });
    if (it != subscriber.held.end()) {
      it->subscription = s;  // a new rate for the same topic and run
      continue;
    }
    subscriber.held.push_back({s, {}});
    count(s, +1);
  }
}

std::size_t TopicBus::unsubscribe(const std::weak_ptr<rpc::PushSink>& sink, const std::vector<Subscription>& subscriptions) {
  std::lock_guard lock(mutex_);
  const auto it = subscribers_.find(sink);
  if (it == subscribers_.end()) return 0;
  auto& held = it->second.held;
  std::size_t removed = 0;
  for (const auto& s : subscriptions) {
    const auto end = std::remove_if(held.begin(), held.end(), [&](const Held& h) {
      const bool gone = h.subscription.topic == s.topic && (!s.run_id || h.subscription.run_id == s.run_id);
      if (gone) count(h.subscription, -1);
      return gone;
    });
    removed += static_cast<std::size_t>(held.end() - end);
    held.erase(end, held.end());
  }
  if (held.empty()) subscribers_.erase(it);
  return removed;
}

std::vector<Subscription> TopicBus::subscriptions_of(const std::weak_ptr<rpc::PushSink>& sink) const {
  std::lock_guard lock(mutex_);
  std::vector<Subscription> out;
  if (const auto it = subscribers_.find(sink); it != subscribers_.end()) {
    for (const auto& h : it->second.held) out.push_back(h.subscription);
  }
  return out;
}

std::size_t TopicBus::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

void TopicBus::drop(std::map<Key, Subscriber, std::owner_less<Key>>::iterator it,
                    const std::shared_ptr<rpc::PushSink>& sink) {
  json topics = json::array();
  for (const auto& h : it->second.held) {
    count(h.subscription, -1);
    topics.push_back({{"topic", to_string(h.subscription.topic)},
                      {"run_id", h.subscription.run_id ? json(*h.subscription.run_id) : json(nullptr)}});
  }
  subscribers_.erase(it);
  if (!sink) return;  // the connection is gone: nobody to tell
  dropped_.fetch_add(1);
  log()->warn("a subscriber could not keep up; its {} subscriptions are dropped", topics.size());
  // The notice goes past the queue bound (it is one short line): the client learns why the stream ended.
  sink->push_notice(notification(kDroppedTopic, std::nullopt,
                                 {{"reason", "the client did not read its notifications fast enough (write queue full)"},
                                  {"topics", topics}}));
}

void TopicBus::publish(Topic topic, std::optional<std::int64_t> run_id, const std::function<json()>& data,
                       Clock::time_point now) {
  if (!wanted(topic)) return;
  std::lock_guard lock(mutex_);
  std::optional<std::string> text;  // built once, for the first subscriber that takes it
  for (auto it = subscribers_.begin(); it != subscribers_.end();) {
    auto& subscriber = it->second;
    bool takes = false;
    for (auto& h : subscriber.held) {
      if (!matches(h.subscription, topic, run_id)) continue;
      if (topic == Topic::runs_samples) {
        // Decimation by wall time: a subscriber sees at most max_rate_hz samples per second of each run,
        // each with its own index, so it knows what it skipped.
        auto& last = h.last_sent[run_id.value_or(0)];
        const auto period = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / h.subscription.max_rate_hz));
        if (last != Clock::time_point{} && now - last < period) continue;
        last = now;
      }
      takes = true;
      break;
    }
    if (!takes) {
      ++it;
      continue;
    }
    const auto sink = subscriber.sink.lock();
    if (!sink) {  // the connection closed: forget it quietly
      auto gone = it++;
      drop(gone, nullptr);
      continue;
    }
    if (!text) text = notification(to_string(topic), run_id, data());
    if (sink->push(*text)) {
      ++it;
      continue;
    }
    auto slow = it++;
    drop(slow, sink);
  }
}

}  // namespace cyclerd::push

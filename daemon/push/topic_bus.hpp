// The topic bus: who subscribed to what, and the fan-out of notifications to them (DESIGN.md, push topics).
// It knows subscribers only as rpc::PushSink, so the same subscriptions serve TCP and WebSocket alike.
//
// Publishing never waits for a client: each matching sink gets the notification text through
// PushSink::push, which only queues it. A sink that refuses (its bounded queue is full: the client cannot
// keep up) is sent `subscription.dropped` and loses every subscription it had; the channel that published
// goes on at once. The cost of a publication is one pass over the subscribers of its topic, and nothing
// at all (not even building the JSON) when nobody subscribed.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/rpc/caller.hpp"

namespace cyclerd::push {

// The push topics of DESIGN.md.
enum class Topic { runs_progress, runs_samples, runs_cycles, events };
inline constexpr std::size_t kTopicCount = 4;

// "runs.progress", "runs.samples", "runs.cycles", "events".
std::string_view to_string(Topic topic);
// The topic named `name`, or nullopt.
std::optional<Topic> topic_from(std::string_view name);
// "runs.progress, runs.samples, runs.cycles, events" (for error messages).
std::string topic_names();

// The topic of the notice a dropped subscriber gets.
inline constexpr std::string_view kDroppedTopic = "subscription.dropped";

// runs.samples is decimated to this rate when a subscription does not say (a live plot's refresh rate).
inline constexpr double kDefaultSampleRateHz = 10;
// The most a subscription may ask for: beyond it a subscriber would want every sample of an accelerated
// run, which is what runs.samples (the stored data) is for.
inline constexpr double kMaxSampleRateHz = 1000;

// One subscription: a topic, for one run or (run_id empty) for every run.
struct Subscription {
  Topic topic = Topic::events;
  std::optional<std::int64_t> run_id;
  double max_rate_hz = 0;  // runs.samples only: at most this many notifications per second per run
};

class TopicBus {
 public:
  using Clock = std::chrono::steady_clock;

  // Adds (or, for the same topic and run, replaces) subscriptions of `sink`.
  void subscribe(const std::weak_ptr<rpc::PushSink>& sink, const std::vector<Subscription>& subscriptions);
  // Removes the subscriptions of `sink` to these topic/run pairs (an empty run_id removes the topic's
  // subscriptions for every run); returns how many were removed.
  std::size_t unsubscribe(const std::weak_ptr<rpc::PushSink>& sink, const std::vector<Subscription>& subscriptions);
  // The subscriptions `sink` holds now.
  std::vector<Subscription> subscriptions_of(const std::weak_ptr<rpc::PushSink>& sink) const;

  // True when someone subscribed to `topic` (for any run): the cheap test before building data.
  bool wanted(Topic topic) const { return counts_[static_cast<std::size_t>(topic)].load(std::memory_order_relaxed) > 0; }

  // Sends `data()` as a notification of `topic` about `run_id` to every subscriber of it. `data` is
  // called at most once, and only when some subscriber takes the notification now (runs.samples
  // subscriptions take one per 1/max_rate_hz seconds of `now`).
  void publish(Topic topic, std::optional<std::int64_t> run_id, const std::function<nlohmann::json()>& data,
               Clock::time_point now = Clock::now());

  // Subscribers (sinks with at least one subscription) and those dropped so far, for logs and tests.
  std::size_t subscriber_count() const;
  std::uint64_t dropped_count() const { return dropped_.load(); }

  // The notification text DESIGN.md specifies.
  static std::string notification(std::string_view topic, std::optional<std::int64_t> run_id, const nlohmann::json& data);

 private:
  struct Held {
    Subscription subscription;
    std::map<std::int64_t, Clock::time_point> last_sent;  // runs.samples: per run, when one was last sent
  };
  struct Subscriber {
    std::weak_ptr<rpc::PushSink> sink;
    std::vector<Held> held;
  };
  using Key = std::weak_ptr<rpc::PushSink>;

  void drop(std::map<Key, Subscriber, std::owner_less<Key>>::iterator it, const std::shared_ptr<rpc::PushSink>& sink);
  void count(const Subscription& s, int delta);

  mutable std::mutex mutex_;  // subscribe runs on connections' strands, publish on channels' strands
  std::map<Key, Subscriber, std::owner_less<Key>> subscribers_;
  std::array<std::atomic<int>, kTopicCount> counts_{};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace cyclerd::push

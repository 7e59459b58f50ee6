// The topic bus without sockets: matching by topic and run, decimation of runs.samples on a given clock,
// dropping a sink that refuses, forgetting a closed one, and the notification's exact shape.
#include <gtest/gtest.h>

#include "daemon/push/topic_bus.hpp"

namespace cyclerd::push {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A PushSink with a bounded queue of lines, as a transport has (the real TCP one is tested end to end).
class QueueSink : public rpc::PushSink {
 public:
  explicit QueueSink(std::size_t capacity = 1000) : capacity_(capacity) {}
  bool push(std::string text) override {
    if (lines.size() >= capacity_) return false;
    lines.push_back(json::parse(text));
    return true;
  }
  bool push_notice(std::string text) override {
    lines.push_back(json::parse(text));
    return true;
  }
  std::vector<json> lines;

 private:
  std::size_t capacity_;
};

Subscription sub(Topic topic, std::optional<std::int64_t> run = std::nullopt, double rate = 0) {
  return Subscription{topic, run, rate};
}

TEST(PushBus, NotificationHasTheShapeOfTheDesign) {
  const json n = json::parse(TopicBus::notification("runs.cycles", 7, {{"cycle_index", 1}}));
  EXPECT_EQ(n, json({{"jsonrpc", "2.0"}, {"method", "notify"},
                     {"params", {{"topic", "runs.cycles"}, {"run_id", 7}, {"data", {{"cycle_index", 1}}}}}}));
  EXPECT_TRUE(json::parse(TopicBus::notification("events", std::nullopt, {}))["params"]["run_id"].is_null());
}

TEST(PushBus, NothingIsBuiltWhenNobodySubscribed) {
  TopicBus bus;
  auto sink = std::make_shared<QueueSink>();
  bus.subscribe(sink, {sub(Topic::events)});
  int built = 0;
  bus.publish(Topic::runs_cycles, 1, [&] { return ++built, json::object(); });
  EXPECT_EQ(built, 0);
  EXPECT_FALSE(bus.wanted(Topic::runs_cycles));
  EXPECT_TRUE(bus.wanted(Topic::events));
}

TEST(PushBus, ARunSubscriptionSeesOnlyItsRunAndAnAllRunsOneSeesEvery) {
  TopicBus bus;
  auto one = std::make_shared<QueueSink>(), all = std::make_shared<QueueSink>();
  bus.subscribe(one, {sub(Topic::runs_cycles, 2)});
  bus.subscribe(all, {sub(Topic::runs_cycles)});
  int built = 0;
  for (std::int64_t run : {1, 2, 3}) bus.publish(Topic::runs_cycles, run, [&] { return ++built, json{{"run", run}}; });
  EXPECT_EQ(built, 3) << "built once per publication, whatever the number of subscribers";
  ASSERT_EQ(one->lines.size(), 1u);
  EXPECT_EQ(one->lines[0]["params"]["run_id"], 2);
  ASSERT_EQ(all->lines.size(), 3u);
  EXPECT_EQ(all->lines[2]["params"]["data"]["run"], 3);
}

TEST(PushBus, SamplesAreDecimatedPerRunToMaxRate) {
  TopicBus bus;
  auto sink = std::make_shared<QueueSink>();
  bus.subscribe(sink, {sub(Topic::runs_samples, std::nullopt, 10)});
  const auto t0 = TopicBus::Clock::now();
  // One second of samples every millisecond on two runs: 10 Hz gives one per 100 ms per run.
  for (int ms = 0; ms < 1000; ++ms) {
    for (std::int64_t run : {1, 2}) {
      bus.publish(Topic::runs_samples, run, [&] { return json{{"index", ms}}; }, t0 + std::chrono::milliseconds(ms));
    }
  }
  std::map<std::int64_t, std::vector<int>> seen;
  for (const auto& l : sink->lines) seen[l["params"]["run_id"]].push_back(l["params"]["data"]["index"]);
  const std::vector<int> expected = {0, 100, 200, 300, 400, 500, 600, 700, 800, 900};
  EXPECT_EQ(seen[1], expected);
  EXPECT_EQ(seen[2], expected);
}

TEST(PushBus, ASinkThatRefusesIsToldAndLosesEverySubscriptionWhileOthersGoOn) {
  TopicBus bus;
  auto slow = std::make_shared<QueueSink>(3), fine = std::make_shared<QueueSink>();
  bus.subscribe(slow, {sub(Topic::runs_cycles), sub(Topic::events, 5)});
  bus.subscribe(fine, {sub(Topic::runs_cycles)});
  for (int i = 0; i < 10; ++i) bus.publish(Topic::runs_cycles, 5, [&] { return json{{"cycle_index", i}}; });
  ASSERT_EQ(slow->lines.size(), 4u);  // three taken, then the notice
  const json& notice = slow->lines.back();
  EXPECT_EQ(notice["method"], "notify");
  EXPECT_EQ(notice["params"]["topic"], "subscription.dropped");
  EXPECT_EQ(notice["params"]["data"]["topics"].size(), 2u);
  EXPECT_TRUE(bus.subscriptions_of(slow).empty());
  EXPECT_EQ(bus.dropped_count(), 1u);
  EXPECT_EQ(fine->lines.size(), 10u);
  EXPECT_FALSE(bus.wanted(Topic::events)) << "the dropped subscriber's counts are gone";
}

TEST(PushBus, AClosedConnectionIsForgottenQuietly) {
  TopicBus bus;
  auto sink = std::make_shared<QueueSink>();
  bus.subscribe(sink, {sub(Topic::events)});
  sink.reset();
  bus.publish(Topic::events, 1, [] { return json::object(); });
  EXPECT_EQ(bus.subscriber_count(), 0u);
  EXPECT_EQ(bus.dropped_count(), 0u);
  EXPECT_FALSE(bus.wanted(Topic::events));
}

TEST(PushBus, SubscribingAgainReplacesAndUnsubscribeWithoutRunRemovesEveryRun) {
  TopicBus bus;
  auto sink = std::make_shared<QueueSink>();
  bus.subscribe(sink, {sub(Topic::runs_samples, 1, 5), sub(Topic::runs_samples, 2, 5)});
  bus.subscribe(sink, {sub(Topic::runs_samples, 1, 50)});
  auto held = bus.subscriptions_of(sink);
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].max_rate_hz, 50);
  EXPECT_EQ(bus.unsubscribe(sink, {sub(Topic::runs_samples)}), 2u);
  EXPECT_EQ(bus.subscriber_count(), 0u);
  EXPECT_FALSE(bus.wanted(Topic::runs_samples));
}

}  // namespace
}  // namespace cyclerd::push

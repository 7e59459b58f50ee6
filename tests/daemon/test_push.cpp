// Push over TCP through the real cyclerd: subscriptions to runs.cycles, events, runs.samples and
// runs.progress deliver what the run produces (every cycle, in order, equal to runs.cycles afterwards;
// every state change; samples no faster than max_rate_hz), unsubscribe stops delivery, and bad topics
// are -32602 naming the topic.
#include "tests/daemon/push_client.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A few quick cycles of a 1 mg cell: seconds of wall time at speed "max".
const json kCycling = {{"name", "push-cycling"},
                       {"record", {{"every", "10 s"}}},
                       {"steps", {{{"kind", "loop"},
                                   {"count", 12},
                                   {"steps", json::array({"Discharge at 2 A/g until 0.01 V", "Charge at 2 A/g until 3.0 V"})}}}}};

// A long rest, for subscriptions that watch a run that keeps going.
const json kLongRest = {{"name", "push-rest"}, {"record", {{"every", "1 s"}}}, {"steps", {"Rest for 2000 h"}}};  // outlasts every test at speed "max"

std::int64_t submit(PushClient& c, const std::string& channel, const json& protocol) {
  c.result("cells.create", {{"name", "cell-" + channel}, {"active_mass_mg", 1.0}});
  const json r = c.result("runs.submit", {{"channel", channel}, {"cell", "cell-" + channel}, {"protocol", protocol}});
  return r.is_object() ? r["run_id"].get<std::int64_t>() : -1;
}

// The run's state as runs.get reports it once its last rows are stored.
std::string wait_final(PushClient& c, std::int64_t run_id, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string state;
  while (std::chrono::steady_clock::now() < deadline) {
    state = c.result("runs.get", {{"run_id", run_id}})["state"];
    if (state != "queued" && state != "running" && state != "paused") return state;
    std::this_thread::sleep_for(50ms);
  }
  return state;
}

bool is_notify(const json& m, const std::string& topic) {
  return m.value("method", "") == "notify" && m["params"]["topic"] == topic;
}

TEST(Push, CyclesTopicDeliversEveryCycleSummaryInOrderAsStored) {
  Daemon daemon(sim_channels_config(1, "max"));
  PushClient c(daemon.port());
  const json subscribed = c.result("subscribe", {{"topics", {{{"topic", "runs.cycles"}}, {{"topic", "events"}}}}});
  ASSERT_EQ(subscribed["subscriptions"].size(), 2u) << subscribed;
  const auto run_id = submit(c, "sim-1", kCycling);

  json pushed = json::array();
  bool completed = false;
  while (!completed) {
    const auto n = c.next(20s);
    ASSERT_TRUE(n) << "no notification within 20 s; cycles so far: " << pushed.size();
    ASSERT_EQ((*n)["jsonrpc"], "2.0");
    ASSERT_FALSE(n->contains("id")) << "a notification has no id: " << *n;
    const json& p = (*n)["params"];
    ASSERT_TRUE(p.contains("topic") && p.contains("run_id") && p.contains("data")) << *n;
    if (is_notify(*n, "runs.cycles")) {
      EXPECT_EQ(p["run_id"], run_id);
      pushed.push_back(p["data"]);
    }
    if (is_notify(*n, "events") && p["data"]["kind"] == "state") completed = p["data"]["data"]["state"] == "completed";
  }
  ASSERT_EQ(wait_final(c, run_id, 20s), "completed");
  const json stored = c.result("runs.cycles", {{"run_id", run_id}})["cycles"];
  ASSERT_EQ(stored.size(), 12u);
  ASSERT_EQ(pushed.size(), stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(pushed[i]["cycle_index"], static_cast<int>(i) + 1) << "out of order at " << i;
    EXPECT_EQ(pushed[i], stored[i]) << "cycle " << i + 1 << " pushed differs from runs.cycles";
  }
}

TEST(Push, EventsTopicDeliversEveryStateChangeWithWho) {
  Daemon daemon(sim_channels_config(1, "max"));
  PushClient c(daemon.port());
  c.result("subscribe", {{"topics", {"events"}}});
  const auto run_id = submit(c, "sim-1", kLongRest);
  std::vector<std::string> states;
  auto wait_state = [&](const std::string& wanted) {
    while (true) {
      const auto n = c.next(10s);
      if (!n) return false;
      if (!is_notify(*n, "events") || (*n)["params"]["data"]["kind"] != "state") continue;
      EXPECT_EQ((*n)["params"]["run_id"], run_id);
      states.push_back((*n)["params"]["data"]["data"]["state"]);
      if (states.back() == wanted) return true;
    }
  };
  ASSERT_TRUE(wait_state("running"));
  c.result("runs.pause", {{"run_id", run_id}});
  ASSERT_TRUE(wait_state("paused"));
  c.result("runs.note", {{"run_id", run_id}, {"text", "looked at the cell"}});
  c.result("runs.resume", {{"run_id", run_id}});
  ASSERT_TRUE(wait_state("running"));
  c.result("runs.stop", {{"run_id", run_id}});
  ASSERT_TRUE(wait_state("stopped"));
  EXPECT_EQ(states, (std::vector<std::string>{"queued", "running", "paused", "running", "stopped"}));
  // The stored events (once the final state is stored) are what was pushed.
  ASSERT_EQ(wait_final(c, run_id, 10s), "stopped");
  const json events = c.result("runs.events", {{"run_id", run_id}})["events"];
  std::vector<std::string> stored;
  for (const auto& e : events) {
    if (e["kind"] == "state") stored.push_back(e["data"]["state"]);
  }
  EXPECT_EQ(stored, states);
}

TEST(Push, SamplesAreDecimatedToMaxRateHz) {
  Daemon daemon(sim_channels_config(1, 20000));  // 20,000 samples a second: faster than 5 Hz, slower than the writer
  PushClient c(daemon.port());
  const auto run_id = submit(c, "sim-1", kLongRest);
  const json sub = c.result("subscribe", {{"topics", {{{"topic", "runs.samples"}, {"run_id", run_id}, {"max_rate_hz", 5}}}}});
  EXPECT_EQ(sub["subscriptions"][0]["max_rate_hz"], 5.0);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::int64_t> indices;
  while (std::chrono::steady_clock::now() - start < 2s) {
    const auto n = c.next(1s);
    if (n && is_notify(*n, "runs.samples")) indices.push_back((*n)["params"]["data"]["index"]);
  }
  const json run = c.result("runs.get", {{"run_id", run_id}});
  ASSERT_GT(run["samples"].get<std::int64_t>(), 1000) << "the run must outpace the rate for this test to mean anything";
  // 5 Hz for 2 s: 10 (+1 for the first, +1 for timing at the window's edges).
  EXPECT_GE(indices.size(), 5u);
  EXPECT_LE(indices.size(), 12u);
  for (std::size_t i = 1; i < indices.size(); ++i) EXPECT_GT(indices[i], indices[i - 1]);
}

TEST(Push, ProgressTopicReportsTheRunningRun) {
  Daemon daemon(sim_channels_config(1, 100));
  PushClient c(daemon.port());
  const auto run_id = submit(c, "sim-1", kLongRest);
  c.result("subscribe", {{"topics", {{{"topic", "runs.progress"}, {"run_id", run_id}}}}});
  std::optional<json> n;
  do {
    n = c.next(5s);
    ASSERT_TRUE(n) << "no runs.progress within 5 s";
  } while (!is_notify(*n, "runs.progress"));
  const json& data = (*n)["params"]["data"];
  EXPECT_EQ(data["run_id"], run_id);
  EXPECT_EQ(data["channel"], "sim-1");
  EXPECT_EQ(data["state"], "running");
  EXPECT_TRUE(data["elapsed_s"].is_number());
  EXPECT_TRUE(data["voltage_V"].is_number());
}

TEST(Push, UnsubscribeStopsDelivery) {
  Daemon daemon(sim_channels_config(1, 20000));  // a steady run the writer keeps up with
  PushClient c(daemon.port());
  const auto run_id = submit(c, "sim-1", kLongRest);
  c.result("subscribe", {{"topics", {{{"topic", "runs.samples"}, {"max_rate_hz", 50}}}}});
  int before = 0;
  while (before < 10) {
    const auto n = c.next(5s);
    ASSERT_TRUE(n) << "samples stopped before unsubscribe";
    if (is_notify(*n, "runs.samples")) ++before;
  }
  const json r = c.result("unsubscribe", {{"topics", {"runs.samples"}}});
  EXPECT_EQ(r["removed"], 1);
  EXPECT_TRUE(r["subscriptions"].empty());
  // Whatever was queued before the answer has arrived with it; nothing may follow.
  while (const auto n = c.next(0ms)) (void)n;
  const auto after = c.next(1500ms);
  EXPECT_FALSE(after) << "still delivered after unsubscribe: " << after->dump();
  EXPECT_EQ(c.result("runs.get", {{"run_id", run_id}})["state"], "running");
}

TEST(Push, BadTopicsAreInvalidParamsNamingTheTopic) {
  Daemon daemon(sim_channels_config(1, "max"));
  PushClient c(daemon.port());
  json r = c.call("subscribe", {{"topics", {{{"topic", "runs.events"}}}}});
  ASSERT_TRUE(r.contains("error")) << r;
  EXPECT_EQ(r["error"]["code"], -32602);
  EXPECT_NE(r["error"]["message"].get<std::string>().find("runs.events"), std::string::npos) << r;
  EXPECT_EQ(r["error"]["data"]["errors"][0]["pointer"], "/topics/0/topic");

  // Every problem at once, each at its place.
  r = c.call("subscribe", {{"topics", {"events", "bogus", {{"topic", "events"}, {"max_rate_hz", 5}},
                                       {{"topic", "runs.samples"}, {"max_rate_hz", -1}}, {{"topic", "runs.cycles"}, {"run", 1}}}}});
  ASSERT_EQ(r["error"]["code"], -32602) << r;
  const json& errors = r["error"]["data"]["errors"];
  ASSERT_EQ(errors.size(), 4u) << r;
  EXPECT_EQ(errors[0]["pointer"], "/topics/1/topic");
  EXPECT_NE(errors[0]["message"].get<std::string>().find("\"bogus\""), std::string::npos);
  EXPECT_EQ(errors[1]["pointer"], "/topics/2/max_rate_hz");
  EXPECT_EQ(errors[2]["pointer"], "/topics/3/max_rate_hz");
  EXPECT_EQ(errors[3]["pointer"], "/topics/4/run");
  // Nothing of a refused call was subscribed.
  EXPECT_EQ(c.result("unsubscribe", {{"topics", {"events"}}})["removed"], 0);

  r = c.call("subscribe", {{"topics", json::array()}});
  EXPECT_EQ(r["error"]["code"], -32602) << r;
  r = c.call("subscribe", {{"topics", "events"}});
  EXPECT_EQ(r["error"]["code"], -32602) << r;
  r = c.call("subscribe", {{"topics", {{{"topic", "runs.cycles"}, {"run_id", 999}}}}});
  EXPECT_EQ(r["error"]["code"], -32003) << r;
  r = c.call("unsubscribe", {{"topics", {"runs.everything"}}});
  EXPECT_EQ(r["error"]["code"], -32602) << r;
  EXPECT_NE(r["error"]["message"].get<std::string>().find("runs.everything"), std::string::npos) << r;
}

}  // namespace
}  // namespace cyclerd::test

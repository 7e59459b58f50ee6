// channels.list answers from a text the daemon keeps per channel (cheap for many polling clients): the answer
// must read as the JSON it always was, in batches too, and must never hide a change of state, run, step,
// cycle or queue; only the measured voltage and current may be up to limits.status_max_age_ms old.
#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

std::string config_with_max_age(int max_age_ms) {
  return R"({"auth": {"required": false}, "limits": {"status_max_age_ms": )" + std::to_string(max_age_ms) +
         R"(}, "channels": [
    {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": 50},
    {"id": "sim-2", "driver": "sim", "uri": "sim://zns-znse?seed=2", "speed": 50}]})";
}

json call(Client& c, const std::string& method, const json& params = json::object(), int id = 1) {
  return c.call(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
}

json listed(Client& c, const std::string& channel) {
  const json answer = call(c, "channels.list");
  for (const auto& ch : answer.at("result").at("channels")) {
    if (ch.at("channel") == channel) return ch;
  }
  ADD_FAILURE() << "no " << channel << " in " << answer.dump();
  return {};
}

TEST(ChannelList, AnswersAreValidJsonRpcSinglyAndInBatchesAndMatchChannelsGet) {
  Daemon daemon(config_with_max_age(100));
  Client c(daemon.port());
  const json single = call(c, "channels.list", json::object(), 7);
  EXPECT_EQ(single.at("jsonrpc"), "2.0");
  EXPECT_EQ(single.at("id"), 7);
  ASSERT_EQ(single.at("result").at("channels").size(), 2u) << single;
  const json got = call(c, "channels.get", {{"channel", "sim-2"}}).at("result");
  EXPECT_EQ(single["result"]["channels"][1], got);  // idle: nothing measured, so exactly the same

  // A string id with characters to escape, a batch mixing the text answer with others and a notification.
  const json batch = c.call(json::array({{{"jsonrpc", "2.0"}, {"id", "a\"b"}, {"method", "channels.list"}},
                                          {{"jsonrpc", "2.0"}, {"method", "channels.list"}},
                                          {{"jsonrpc", "2.0"}, {"id", 3}, {"method", "channels.get"}, {"params", {{"channel", "sim-1"}}}},
                                          {{"jsonrpc", "2.0"}, {"id", 4}, {"method", "channels.list"}, {"params", {{"x", 1}}}}})
                                 .dump());
  ASSERT_TRUE(batch.is_array()) << batch;
  ASSERT_EQ(batch.size(), 3u) << batch;  // the notification gets no answer
  EXPECT_EQ(batch[0].at("id"), "a\"b");
  EXPECT_EQ(batch[0].at("result").at("channels").size(), 2u);
  EXPECT_EQ(batch[1].at("id"), 3);
  EXPECT_EQ(batch[1].at("result").at("channel"), "sim-1");
  EXPECT_EQ(batch[2].at("id"), 4);
  EXPECT_EQ(batch[2].at("error").at("code"), -32602);  // unknown parameter: checked as for every method
}

TEST(ChannelList, ARunShowsAtOnceAndMeasuredValuesAreHeldNoLongerThanTheMaxAge) {
  // A long max age: only a change of what the channel is doing may refresh its entry.
  Daemon daemon(config_with_max_age(10000));
  Client c(daemon.port());
  ASSERT_TRUE(call(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}}).contains("result"));
  EXPECT_EQ(listed(c, "sim-1").at("state"), "idle");  // the kept text now says idle
  const json submitted = call(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
  ASSERT_TRUE(submitted.contains("result")) << submitted;
  const auto run_id = submitted["result"]["run_id"];
  // The next answer already shows the run (no waiting for the max age).
  json entry;
  for (int i = 0; i < 100; ++i) {
    entry = listed(c, "sim-1");
    if (!entry["voltage_V"].is_null()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(entry.at("state"), "running") << entry;
  EXPECT_EQ(entry.at("run_id"), run_id);
  ASSERT_FALSE(entry.at("voltage_V").is_null()) << entry;
  // Within one step the kept voltage stays as it was, while channels.get reads the channel now.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const json later = listed(c, "sim-1");
  const json now = call(c, "channels.get", {{"channel", "sim-1"}}).at("result");
  if (later.at("step") == entry.at("step") && later.at("cycle") == entry.at("cycle")) {
    EXPECT_EQ(later.at("voltage_V"), entry.at("voltage_V"));
  }
  EXPECT_NE(now.at("voltage_V"), entry.at("voltage_V"));  // 20 s of the cell at speed 50 moved it

  // A queued run and the end of the running one show at once too.
  const json second = call(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
  ASSERT_TRUE(second.contains("result")) << second;
  EXPECT_EQ(listed(c, "sim-1").at("queued"), 1);
  ASSERT_TRUE(call(c, "runs.stop", {{"run_id", run_id}}).contains("result"));
  for (int i = 0; i < 100 && listed(c, "sim-1").at("run_id") == run_id; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const json next = listed(c, "sim-1");
  EXPECT_EQ(next.at("run_id"), second["result"]["run_id"]) << next;
  EXPECT_EQ(next.at("queued"), 0);
}

TEST(ChannelList, WithMaxAgeZeroEveryAnswerHasTheLatestMeasurement) {
  Daemon daemon(config_with_max_age(0));
  Client c(daemon.port());
  ASSERT_TRUE(call(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}}).contains("result"));
  ASSERT_TRUE(call(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}}).contains("result"));
  json first;
  for (int i = 0; i < 100 && first["voltage_V"].is_null(); ++i) {
    first = listed(c, "sim-1");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(first["voltage_V"].is_null());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_NE(listed(c, "sim-1").at("voltage_V"), first.at("voltage_V"));
}

TEST(ChannelList, ABadMaxAgeIsAConfigurationErrorNamingTheKey) {
  for (const std::string bad : {"-1", "\"100 ms\"", "20000"}) {
    const fs::path dir = make_temp_dir();
    write_file(dir / "c.json", R"({"limits": {"status_max_age_ms": )" + bad + "}}");
    const auto r = run_cyclerd({"--config", (dir / "c.json").string(), "--check-config"}, dir);
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_NE(r.stderr_text.find("/limits/status_max_age_ms"), std::string::npos) << r.stderr_text;
    fs::remove_all(dir);
  }
}

}  // namespace
}  // namespace cyclerd::test

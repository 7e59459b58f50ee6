// The real cyclerd with a methodscript channel on the emulator (over a pty and over TCP) beside a sim
// channel: library protocols store the sim's capacities within 2 %; a cable cut for good faults the
// methodscript channel with an event naming the cause while the sim channel records every sample.
#include <gtest/gtest.h>

#include "schema/database.hpp"
#include "tests/daemon/daemon_process.hpp"
#include "tests/e2e/emulator_process.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

json rpc(Client& c, const std::string& method, const json& params = json::object()) {
  static int id = 0;
  const json answer = c.call(json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", method}, {"params", params}}.dump());
  if (!answer.contains("result")) ADD_FAILURE() << method << ": " << answer.dump();
  return answer.value("result", json());
}

bool wait_all_final(Client& c, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    bool done = true;
    const json runs = rpc(c, "runs.list")["runs"];
    for (const auto& r : runs) {
      const std::string s = r["state"];
      if (s == "queued" || s == "running" || s == "paused" || s == "interrupted") done = false;
    }
    if (done) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// A sim channel and one methodscript channel per URI (ms-1, ms-2, ...).
std::string config(const std::vector<std::string>& ms_uris, int speed = 5000) {
  json channels = json::array();
  channels.push_back({{"id", "sim-1"}, {"driver", "sim"}, {"uri", "sim://zns-znse?seed=1"}, {"speed", "max"}});
  for (std::size_t i = 0; i < ms_uris.size(); ++i) {
    channels.push_back({{"id", "ms-" + std::to_string(i + 1)}, {"driver", "methodscript"}, {"uri", ms_uris[i]},
                        {"model", "emstat4-hr"}, {"speed", speed}});
  }
  return json{{"database", "x.sqlite"}, {"auth", {{"required", false}}}, {"channels", channels}}.dump();
}

std::vector<std::string> emulator_args(const std::string& link, const std::vector<std::string>& faults = {},
                                       const std::string& speed = "5000") {
  std::vector<std::string> args = link == "pty" ? std::vector<std::string>{"--pty"} : std::vector<std::string>{"--tcp", "0"};
  args.insert(args.end(), {"--preset", "zns-znse", "--mass-mg", "1", "--seed", "1", "--speed", speed});
  for (const auto& f : faults) args.insert(args.end(), {"--fault", f});
  return args;
}

// The same protocol with the same parameters on the sim channel and on `ms`; returns {sim run, ms run}.
std::pair<json, json> submit_both(Client& c, const std::string& ms, const std::string& protocol, const json& params) {
  json sim = rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", protocol}, {"params", params}});
  json other = rpc(c, "runs.submit", {{"channel", ms}, {"cell", "A"}, {"protocol", protocol}, {"params", params}});
  return {sim["run_id"], other["run_id"]};
}

class DaemonOverLink : public testing::TestWithParam<std::string> {};

TEST_P(DaemonOverLink, ActivationCvAndEisStoreTheSimChannelsCapacitiesWithin2Percent) {
  // A sim channel starts each run on a fresh cell; an instrument's cell carries on from run to run. So
  // each protocol gets its own emulator (a fresh cell) on its own methodscript channel.
  // The instrument ends a discharge at the first reading past its limit and runs on while the daemon
  // decides: at 1000x a millisecond of the daemon's latency is one second of the cell (see README).
  const std::string bin = "methodscript-emulator";
  EmulatorProcess e1(bin, emulator_args(GetParam(), {}, "1000"), 230400),
      e2(bin, emulator_args(GetParam(), {}, "1000"), 230400), e3(bin, emulator_args(GetParam(), {}, "1000"), 230400);
  Daemon daemon(config({e1.uri(), e2.uri(), e3.uri()}, 1000));
  Client c(daemon.port());
  ASSERT_TRUE(c.connected());
  rpc(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  std::vector<std::pair<json, json>> runs;
  runs.push_back(submit_both(c, "ms-1", "activation", {{"rate", "0.5 A/g"}, {"cycles", 2}, {"ocv_rest", "1 min"}}));
  runs.push_back(submit_both(c, "ms-2", "cv", {{"scan_rate", "20 mV/s"}, {"cycles", 2}, {"ocv_rest", "1 min"}}));
  runs.push_back(submit_both(c, "ms-3", "eis", {{"rate", "0.5 A/g"}, {"f_end", "100 mHz"}}));
  ASSERT_TRUE(wait_all_final(c, 240));
  for (const auto& [sim, ms] : runs) {
    SCOPED_TRACE("runs " + sim.dump() + " / " + ms.dump());
    EXPECT_EQ(rpc(c, "runs.get", {{"run_id", sim}})["state"], "completed");
    ASSERT_EQ(rpc(c, "runs.get", {{"run_id", ms}})["state"], "completed") << rpc(c, "runs.events", {{"run_id", ms}}).dump();
    const json a = rpc(c, "runs.cycles", {{"run_id", sim}})["cycles"];
    const json b = rpc(c, "runs.cycles", {{"run_id", ms}})["cycles"];
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      for (const char* key : {"discharge_capacity_Ah", "charge_capacity_Ah"}) {
        const double ref = a[i][key].get<double>();
        EXPECT_NEAR(b[i][key].get<double>(), ref, 0.02 * std::abs(ref)) << key << " of cycle " << i + 1;
      }
    }
  }
  EXPECT_FALSE(rpc(c, "runs.cycles", {{"run_id", runs[0].second}})["cycles"].empty());
}

TEST_P(DaemonOverLink, ACableCutForGoodFaultsTheChannelWhileTheSimChannelRecordsEverySample) {
  EmulatorProcess emulator("methodscript-emulator", emulator_args(GetParam(), {"disconnect:at=500,down_ms=-1"}), 230400);
  Daemon daemon(config({emulator.uri_with("timeout_ms=500&retries=2&reconnect_attempts=2&backoff_ms=20")}));
  Client c(daemon.port());
  rpc(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  // The sim channel's run (two slow cycles) is still recording when the methodscript channel gives up.
  const auto [sim, ms] = submit_both(c, "ms-1", "activation", json::object());
  ASSERT_TRUE(wait_all_final(c, 240));
  EXPECT_EQ(rpc(c, "runs.get", {{"run_id", ms}})["state"], "failed");
  const json channel = rpc(c, "channels.get", {{"channel", "ms-1"}});
  EXPECT_EQ(channel["state"], "faulted") << channel.dump();
  std::string reasons;
  const json events = rpc(c, "runs.events", {{"run_id", ms}})["events"];  // kept: not a temporary's member
  for (const auto& e : events) reasons += e["text"].get<std::string>() + "\n";
  EXPECT_NE(reasons.find("gave up after 2 reconnections"), std::string::npos) << reasons;
  const json sim_run = rpc(c, "runs.get", {{"run_id", sim}});
  EXPECT_EQ(sim_run["state"], "completed");
  ASSERT_EQ(daemon.terminate(), 0);
  store::Connection db((daemon.dir() / "test.sqlite").string(), store::OpenMode::read_only);
  auto s = db.prepare("SELECT count(*), min(sample_index), max(sample_index) FROM samples WHERE run_id=?");
  s.bind(1, sim.get<std::int64_t>());
  ASSERT_TRUE(s.step());
  EXPECT_GT(s.column_int(0), 1000);
  EXPECT_EQ(s.column_int(1), 0);
  EXPECT_EQ(s.column_int(2), s.column_int(0) - 1) << "the sim channel missed a record";
  EXPECT_EQ(s.column_int(0), sim_run["samples"].get<std::int64_t>());
}

INSTANTIATE_TEST_SUITE_P(Emulator, DaemonOverLink, testing::Values("pty", "tcp"));

}  // namespace
}  // namespace cyclerd::test

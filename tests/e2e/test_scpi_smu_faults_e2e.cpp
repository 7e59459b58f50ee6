// Faults between cyclerd and an SMU, through the real binaries: dropped, late and garbled replies and a
// short link cut are retried and reconnected and the run completes; a link that dies for good faults
// the channel with an event naming the cause while a sim channel on the same daemon records every sample.
#include <cmath>

#include "tests/daemon/daemon_process.hpp"
#include "tests/e2e/emulator_process.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

json call(Client& c, const std::string& method, const json& params = json::object()) {
  static int id = 0;
  const json answer = c.call(json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", method}, {"params", params}}.dump());
  if (!answer.contains("result")) ADD_FAILURE() << method << ": " << answer.dump();
  return answer.value("result", json());
}

std::string state_of(Client& c, const json& run_id) { return call(c, "runs.get", {{"run_id", run_id}})["state"]; }

bool wait_final(Client& c, const std::vector<json>& runs, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    bool done = true;
    for (const auto& r : runs) {
      const std::string s = state_of(c, r);
      if (s == "queued" || s == "running" || s == "paused" || s == "interrupted") done = false;
    }
    if (done) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::vector<std::string> tcp_emulator(std::vector<std::string> faults) {
  std::vector<std::string> args = {"--tcp", "0", "--model", "keithley-2450", "--speed", "20000", "--mass-mg", "1",
                                   "--off-state", "himp"};
  for (auto& f : faults) args.insert(args.end(), {"--fault", f});
  return args;
}

json smu_channel(const std::string& uri) {
  return {{"id", "smu-1"}, {"driver", "scpi-smu"}, {"model", "keithley-2450"},
          {"uri", uri + (uri.find('?') == std::string::npos ? "?" : "&") + "v_min=-0.1&v_max=3.3&i_max=0.01&speed=20000&timeout_ms=300&retries=3&reconnect_attempts=6"
                        "&backoff_ms=20&backoff_max_ms=100"}};
}

json sim_channel() {
  return {{"id", "sim-1"}, {"driver", "sim"}, {"uri", "sim://zns-znse?seed=1"}, {"speed", 20000}};
}

json config_with(const json& smu) {
  return {{"database", "x.sqlite"}, {"auth", {{"required", false}}}, {"channels", json::array({sim_channel(), smu})}};
}

std::vector<json> submit_both(Client& c) {
  std::vector<json> runs;
  for (const char* channel : {"sim-1", "smu-1"}) {
    call(c, "cells.create", {{"name", std::string("cell-") + channel}, {"active_mass_mg", 1.0}, {"sim_preset", "zns-znse"}});
    runs.push_back(call(c, "runs.submit", {{"channel", channel}, {"cell", std::string("cell-") + channel},
                                           {"protocol", "activation"}, {"params", {{"cycles", 1}}}})["run_id"]);
  }
  return runs;
}

// The run's stored samples are numbered 0..n-1: not one is missing.
void expect_every_sample(Client& c, const json& run_id) {
  json samples = call(c, "runs.samples", {{"run_id", run_id}, {"max_points", 10000000}});
  const json& index = samples["columns"]["index"];
  ASSERT_GT(index.size(), 10u);
  for (std::size_t i = 0; i < index.size(); ++i) ASSERT_EQ(index[i].get<std::size_t>(), i) << "a missed record";
}

TEST(ScpiSmuFaultsE2e, DroppedLateGarbledRepliesAndAShortCutAreRetriedAndTheRunCompletes) {
  EmulatorProcess emulator("scpi-smu-emulator",
                           tcp_emulator({"drop:at=200", "delay:at=400,ms=600", "garbage:at=600",
                                         "disconnect:at=800,down_ms=150"}),
                           57600);
  Daemon daemon(config_with(smu_channel(emulator.uri())).dump());
  Client c(daemon.port());
  auto runs = submit_both(c);
  ASSERT_TRUE(wait_final(c, runs, 240)) << read_file(daemon.dir() / "stderr.txt");
  EXPECT_EQ(state_of(c, runs[1]), "completed") << call(c, "runs.events", {{"run_id", runs[1]}}).dump();
  json smu = call(c, "runs.cycles", {{"run_id", runs[1]}})["cycles"];
  json sim = call(c, "runs.cycles", {{"run_id", runs[0]}})["cycles"];
  ASSERT_EQ(smu.size(), sim.size());
  for (std::size_t i = 0; i < smu.size(); ++i) {
    EXPECT_NEAR(smu[i]["discharge_capacity_Ah"].get<double>(), sim[i]["discharge_capacity_Ah"].get<double>(),
                0.02 * sim[i]["discharge_capacity_Ah"].get<double>());
  }
  std::string log = read_file(daemon.dir() / "stderr.txt");
  EXPECT_NE(log.find("reading attempt"), std::string::npos) << "the faults were retried";
  expect_every_sample(c, runs[1]);
}

TEST(ScpiSmuFaultsE2e, ALinkDeadForGoodFaultsTheChannelNamingTheCauseAndTheSimChannelMissesNothing) {
  EmulatorProcess emulator("scpi-smu-emulator", tcp_emulator({"disconnect:at=300,down_ms=-1"}), 57600);
  Daemon daemon(config_with(smu_channel(emulator.uri())).dump());
  Client c(daemon.port());
  auto runs = submit_both(c);
  ASSERT_TRUE(wait_final(c, runs, 240)) << read_file(daemon.dir() / "stderr.txt");
  EXPECT_EQ(state_of(c, runs[0]), "completed");
  EXPECT_EQ(state_of(c, runs[1]), "failed");
  std::string events = call(c, "runs.events", {{"run_id", runs[1]}}).dump();
  EXPECT_NE(events.find("cannot reconnect after 6 attempts"), std::string::npos) << events;
  json channel = call(c, "channels.get", {{"channel", "smu-1"}});
  EXPECT_EQ(channel["state"], "faulted") << channel.dump();
  EXPECT_NE(channel.dump().find("reconnect"), std::string::npos) << channel.dump();
  expect_every_sample(c, runs[0]);
}

}  // namespace
}  // namespace cyclerd::test

// The Lab through the real cyclerd binary: a run completes and matches `cyclerctl simulate`, kill -9 and
// restart continues every run exactly, and an alert command hears completed and failed.
#include <cstdio>
#include <random>

#include "schema/database.hpp"
#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

// A cyclerd on a database path chosen by the test, so a second daemon can open the first one's file.
pid_t start_cyclerd(const fs::path& dir, const fs::path& config, const fs::path& db, std::uint16_t& port) {
  fs::remove(dir / "ready.json");
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<std::string> args = {std::string(CYCLERD_BIN_DIR) + "/cyclerd", "--config", config.string(),
                                     "--db", db.string(), "--listen-tcp", "127.0.0.1:0", "--ready-file",
                                     (dir / "ready.json").string(), "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (!std::freopen((dir / "stderr.txt").c_str(), "a", stderr)) _exit(127);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  for (int i = 0; i < 1000 && !fs::exists(dir / "ready.json"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  port = json::parse(read_file(dir / "ready.json")).at("tcp").get<std::uint16_t>();
  return pid;
}

json rpc(Client& c, const std::string& method, const json& params = json::object()) {
  static int id = 0;
  const json answer = c.call(json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", method}, {"params", params}}.dump());
  if (!answer.contains("result")) ADD_FAILURE() << method << ": " << answer.dump();
  return answer.value("result", json());
}

// Waits until every run is in a final state (at most `seconds`).
bool wait_all_final(Client& c, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    bool done = true;
    const json runs = rpc(c, "runs.list")["runs"];  // kept: a range-for over a temporary's member dangles
    for (const auto& r : runs) {
      const std::string s = r["state"];
      if (s == "queued" || s == "running" || s == "paused" || s == "interrupted") done = false;
    }
    if (done) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

json simulate(const std::string& preset, int seed) {
  const std::string cmd = std::string(CYCLERD_BIN_DIR) + "/cyclerctl simulate --protocol rate-capability --preset " +
                          preset + " --mass-mg 1 --seed " + std::to_string(seed) + " --json 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string text;
  char buf[65536];
  while (const auto n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  ::pclose(p);
  return json::parse(text);
}

const char* kConfig = R"({"database": "x.sqlite", "auth": {"required": false}, "channels": [
  {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"},
  {"id": "sim-2", "driver": "sim", "uri": "sim://zns?seed=2", "speed": "max"},
  {"id": "sim-3", "driver": "sim", "uri": "sim://znse?seed=3", "speed": "max"}]})";

// Every run's samples are 0..n-1 without a gap (the primary key forbids repeats) and the file is sound.
void check_database(const fs::path& db, std::int64_t run_id, std::int64_t expected_records) {
  store::Connection c(db.string(), store::OpenMode::read_only);
  auto s = c.prepare("SELECT count(*), min(sample_index), max(sample_index) FROM samples WHERE run_id=?");
  s.bind(1, run_id);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_int(0), expected_records) << "run " << run_id;
  EXPECT_EQ(s.column_int(1), 0);
  EXPECT_EQ(s.column_int(2), s.column_int(0) - 1) << "a gap in run " << run_id;
  auto ic = c.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(ic.step());
  EXPECT_EQ(ic.column_text(0), "ok");
}

void expect_same_cycles(const json& got, const json& reference, double tolerance_Ah) {
  ASSERT_EQ(got.size(), reference.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["cycle_index"], static_cast<int>(i) + 1);
    EXPECT_NEAR(got[i]["discharge_capacity_Ah"].get<double>(), reference[i]["discharge_capacity_Ah"].get<double>(), tolerance_Ah)
        << "cycle " << i + 1;
    EXPECT_NEAR(got[i]["charge_capacity_Ah"].get<double>(), reference[i]["charge_capacity_Ah"].get<double>(), tolerance_Ah);
  }
}

TEST(Lab, SubmittedRunCompletesAndMatchesSimulate) {
  const auto dir = make_temp_dir();
  write_file(dir / "c.json", kConfig);
  std::uint16_t port = 0;
  const pid_t pid = start_cyclerd(dir, dir / "c.json", dir / "lab.sqlite", port);
  Client c(port);
  rpc(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  const auto run = rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
  ASSERT_TRUE(wait_all_final(c, 50));
  EXPECT_EQ(rpc(c, "runs.get", {{"run_id", run["run_id"]}})["state"], "completed");
  const json reference = simulate("zns-znse", 1);
  expect_same_cycles(rpc(c, "runs.cycles", {{"run_id", run["run_id"]}})["cycles"], reference["cycles"], 1e-12);
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  check_database(dir / "lab.sqlite", run["run_id"], reference["totals"]["records"]);
  fs::remove_all(dir);
}

TEST(Lab, KillNineAndRestartContinuesEveryRunExactly) {
  const int trials = std::getenv("CYCLERD_LONG") ? 20 : 3;
  std::mt19937 rng(12345);
  const json references[] = {simulate("zns-znse", 1), simulate("zns", 2), simulate("znse", 3)};
  for (int trial = 0; trial < trials; ++trial) {
    const auto dir = make_temp_dir();
    write_file(dir / "c.json", kConfig);
    std::uint16_t port = 0;
    pid_t pid = start_cyclerd(dir, dir / "c.json", dir / "lab.sqlite", port);
    {
      Client c(port);
      for (const auto& [cell, preset] : {std::pair{"A", "zns-znse"}, {"B", "zns"}, {"C", "znse"}}) {
        rpc(c, "cells.create", {{"name", cell}, {"active_mass_mg", 1.0}, {"sim_preset", preset}});
      }
      rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
      rpc(c, "runs.submit", {{"channel", "sim-2"}, {"cell", "B"}, {"protocol", "rate-capability"}});
      rpc(c, "runs.submit", {{"channel", "sim-3"}, {"cell", "C"}, {"protocol", "rate-capability"}});
    }
    // Two kills per trial at random moments of the runs (each takes a few seconds on two cores).
    for (int kill = 0; kill < 2; ++kill) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 2500)(rng)));
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      pid = start_cyclerd(dir, dir / "c.json", dir / "lab.sqlite", port);
    }
    Client c(port);
    ASSERT_TRUE(wait_all_final(c, 50)) << read_file(dir / "stderr.txt");
    for (std::int64_t run = 1; run <= 3; ++run) {
      const auto& ref = references[run - 1];
      EXPECT_EQ(rpc(c, "runs.get", {{"run_id", run}})["state"], "completed");
      // Within one record: the restored cell continues from its exact snapshot.
      expect_same_cycles(rpc(c, "runs.cycles", {{"run_id", run}})["cycles"], ref["cycles"], 1e-9);
    }
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    for (std::int64_t run = 1; run <= 3; ++run) check_database(dir / "lab.sqlite", run, references[run - 1]["totals"]["records"]);
    fs::remove_all(dir);
  }
}

TEST(Lab, AlertCommandHearsCompletedAndFailed) {
  const auto dir = make_temp_dir();
  write_file(dir / "alert.sh", "#!/bin/sh\ncat >> " + (dir / "alerts.jsonl").string() + "\n");
  fs::permissions(dir / "alert.sh", fs::perms::owner_all);
  write_file(dir / "c.json", R"({"auth": {"required": false}, "on_event": {"command": ")" + (dir / "alert.sh").string() +
                                 R"(", "events": ["completed", "failed"]}, "channels": [
    {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"}]})");
  std::uint16_t port = 0;
  const pid_t pid = start_cyclerd(dir, dir / "c.json", dir / "lab.sqlite", port);
  Client c(port);
  rpc(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "cv"}, {"params", {{"cycles", 1}}}});
  // A safety limit the cell crosses at once: the run fails.
  const json trip = {{"name", "trip"}, {"safety", {{"temperature_max", "1 degC"}}}, {"steps", {"Rest for 1 h"}}};
  const json failing = rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", trip}});
  ASSERT_TRUE(wait_all_final(c, 30));
  std::string alerts;
  for (int i = 0; i < 50 && alerts.find("failed") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    alerts = read_file(dir / "alerts.jsonl");
  }
  EXPECT_NE(alerts.find(R"("event":"completed")"), std::string::npos) << alerts;
  EXPECT_NE(alerts.find(R"("event":"failed")"), std::string::npos) << alerts << rpc(c, "runs.events", {{"run_id", failing["run_id"]}}).dump();
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test

// The reliability campaign through the real cyclerd binary (label "reliability"; the default suite runs a short
// version, CYCLERD_RELIABILITY_TRIALS sets the full length). Each test prints its counts:
//  - kill -9 at random moments (1 to 3 per trial) while three channels record a rate test and a fourth
//    channel's runs fail on a safety trip: every run resumes exactly (cycle table equal to an uninterrupted
//    `cyclerctl simulate`, record count equal), no sample the daemon acknowledged before a kill is lost, the
//    database passes integrity_check, and the failing channel disturbs none of its neighbours;
//  - storage running full (a file-size limit on the daemon, writes fail with EFBIG): the daemon stays up,
//    recording pauses, nothing acknowledged is lost, and after a restart with room the run completes exactly.
// The sim channels' clocks are virtual, so a jump of the wall clock cannot change what a run does; the
// kill/restart trials are where wall time moves under a run (the daemon is down for a random while).
#include "tests/reliability/reliability_support.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

const char* kConfig = R"({"database": "x.sqlite", "auth": {"required": false}, "channels": [
  {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"},
  {"id": "sim-2", "driver": "sim", "uri": "sim://zns?seed=2", "speed": "max"},
  {"id": "sim-3", "driver": "sim", "uri": "sim://znse?seed=3", "speed": "max"},
  {"id": "sim-4", "driver": "sim", "uri": "sim://zns?seed=4", "speed": "max"}]})";

// A run that fails at once: the cell is warmer than this protocol's temperature limit.
const json kTrip = {{"name", "trip"}, {"safety", {{"temperature_max", "1 degC"}}}, {"steps", {"Rest for 1 h"}}};

TEST(Reliability, KillNineAtRandomMomentsWhileANeighbourFails) {
  const int trials = trial_count(1);
  std::mt19937 rng(20261125);
  const std::pair<const char*, const char*> cells[] = {{"A", "zns-znse"}, {"B", "zns"}, {"C", "znse"}};
  const json references[] = {simulate("rate-capability", "zns-znse", 1), simulate("rate-capability", "zns", 2),
                             simulate("rate-capability", "znse", 3)};
  CampaignCounts n;
  for (int trial = 0; trial < trials; ++trial) {
    const auto dir = make_temp_dir();
    const auto db = dir / "lab.sqlite";
    write_file(dir / "c.json", kConfig);
    std::uint16_t port = 0;
    pid_t pid = start_cyclerd(dir, db, port);
    {
      Client c(port);
      for (const auto& [cell, preset] : cells) {
        rpc(c, "cells.create", {{"name", cell}, {"active_mass_mg", 1.0}, {"sim_preset", preset}});
      }
      rpc(c, "cells.create", {{"name", "D"}, {"active_mass_mg", 1.0}, {"sim_preset", "zns"}});
      for (int i = 0; i < 3; ++i) {
        rpc(c, "runs.submit", {{"channel", "sim-" + std::to_string(i + 1)}, {"cell", cells[i].first},
                               {"protocol", "rate-capability"}});
      }
      for (int i = 0; i < 3; ++i) rpc(c, "runs.submit", {{"channel", "sim-4"}, {"cell", "D"}, {"protocol", kTrip}});
    }
    std::map<std::int64_t, std::int64_t> acknowledged;
    const int kills = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int k = 0; k < kills; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 2500)(rng)));
      {
        Client c(port);
        for (const auto& [run, samples] : acknowledged_samples(c)) acknowledged[run] = std::max(acknowledged[run], samples);
      }
      stop(pid, SIGKILL);
      ++n.kills;
      // Down for a random while: wall time moves on, the runs' virtual clocks must not.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 500)(rng)));
      pid = start_cyclerd(dir, db, port);
    }
    Client c(port);
    ASSERT_TRUE(wait_all_final(c, 300)) << read_file(dir / "stderr.txt");
    json states, cycles;
    for (std::int64_t run = 1; run <= 6; ++run) states[std::to_string(run)] = rpc(c, "runs.get", {{"run_id", run}})["state"];
    for (std::int64_t run = 1; run <= 3; ++run) cycles[std::to_string(run)] = rpc(c, "runs.cycles", {{"run_id", run}})["cycles"];
    stop(pid, SIGTERM);

    store::Connection conn(db.string(), store::OpenMode::read_only);
    bool corrupt = !integrity_ok(conn);
    const bool neighbour_failed = states["4"] == "failed";
    EXPECT_TRUE(neighbour_failed) << "the tripping run did not fail: " << states;
    for (std::int64_t run = 1; run <= 6; ++run) {
      const auto stored = stored_run(conn, run);
      corrupt = corrupt || !stored.contiguous;
      n.acknowledged_records += acknowledged[run];
      n.acknowledged_lost += std::max<std::int64_t>(0, acknowledged[run] - stored.samples);
      if (run > 3) continue;
      ++n.runs;
      const auto& ref = references[run - 1];
      const bool exact = states[std::to_string(run)] == "completed" &&
                         same_cycles(cycles[std::to_string(run)], ref["cycles"], 1e-9) &&
                         stored.samples == ref["totals"]["records"].get<std::int64_t>();
      if (exact) ++n.runs_resumed_exactly;
      else ++n.runs_not_resumed;
      if (!exact && neighbour_failed) ++n.disturbed_neighbours;
      EXPECT_TRUE(exact) << "trial " << trial << " run " << run << ": " << states << " samples " << stored.samples;
    }
    if (corrupt) ++n.corrupt_databases;
    ++n.trials;
    fs::remove_all(dir);
  }
  n.print("kill-9");
  EXPECT_EQ(n.acknowledged_lost, 0);
  EXPECT_EQ(n.corrupt_databases, 0);
  EXPECT_EQ(n.runs_not_resumed, 0);
  EXPECT_EQ(n.disturbed_neighbours, 0);
  EXPECT_EQ(n.runs_resumed_exactly, 3 * trials);
}

TEST(Reliability, StorageFullPausesRecordingAndLosesNothingAcknowledged) {
  const int trials = trial_count(1);
  const json reference = simulate("rate-capability", "zns-znse", 1);
  CampaignCounts n;
  for (int trial = 0; trial < trials; ++trial) {
    const auto dir = make_temp_dir();
    const auto db = dir / "lab.sqlite";
    write_file(dir / "c.json", R"({"database": "x.sqlite", "auth": {"required": false}, "channels": [
      {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"}]})");
    std::uint16_t port = 0;
    // Room for the schema and a part of the run only (each file of the daemon stops growing at 1.5 MB).
    pid_t pid = start_cyclerd(dir, db, port, with_file_limit(1536 * 1024));
    std::string paused_state;
    std::map<std::int64_t, std::int64_t> acknowledged;
    {
      Client c(port);
      rpc(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}, {"sim_preset", "zns-znse"}});
      rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
      for (int i = 0; i < 600 && paused_state != "paused"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        paused_state = rpc(c, "runs.get", {{"run_id", 1}}).value("state", "");
      }
      EXPECT_EQ(paused_state, "paused") << "recording did not pause when storage ran full";
      EXPECT_EQ(::kill(pid, 0), 0) << "the daemon died when storage ran full";
      acknowledged = acknowledged_samples(c);
    }
    stop(pid, SIGKILL);
    ++n.kills;
    pid = start_cyclerd(dir, db, port);  // room again
    Client c(port);
    if (rpc(c, "runs.get", {{"run_id", 1}}).value("state", "") == "paused") rpc(c, "runs.resume", {{"run_id", 1}});
    ASSERT_TRUE(wait_all_final(c, 300)) << read_file(dir / "stderr.txt");
    const std::string state = rpc(c, "runs.get", {{"run_id", 1}})["state"];
    const json cycles = rpc(c, "runs.cycles", {{"run_id", 1}})["cycles"];
    stop(pid, SIGTERM);
    store::Connection conn(db.string(), store::OpenMode::read_only);
    const auto stored = stored_run(conn, 1);
    if (!integrity_ok(conn) || !stored.contiguous) ++n.corrupt_databases;
    n.acknowledged_records += acknowledged[1];
    n.acknowledged_lost += std::max<std::int64_t>(0, acknowledged[1] - stored.samples);
    ++n.runs;
    const bool exact = state == "completed" && same_cycles(cycles, reference["cycles"], 1e-9) &&
                       stored.samples == reference["totals"]["records"].get<std::int64_t>();
    exact ? ++n.runs_resumed_exactly : ++n.runs_not_resumed;
    EXPECT_TRUE(exact) << state << ", " << stored.samples << " samples; " << read_file(dir / "stderr.txt");
    ++n.trials;
    fs::remove_all(dir);
  }
  n.print("storage-full");
  EXPECT_EQ(n.acknowledged_lost, 0);
  EXPECT_EQ(n.corrupt_databases, 0);
  EXPECT_EQ(n.runs_not_resumed, 0);
}

}  // namespace
}  // namespace cyclerd::test

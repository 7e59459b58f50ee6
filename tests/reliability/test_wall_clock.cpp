// Jumps of the wall clock under the real daemon (label "reliability"). cyclerd paces with steady_clock and
// stamps unix_time_s with the wall clock; here the wall clock it sees steps back an hour, forward two, and
// back to true time while two runs record: an accelerated one (speed 80000: stamped with the wall time at
// which each sample is taken, promised never to decrease within a run) and a real-time one (stamped with
// its start plus its test time). libfaketime (Debian package faketime, installed by tools/setup) moves the
// daemon's CLOCK_REALTIME by the offset in a file it re-reads and leaves CLOCK_MONOTONIC alone: no root
// needed. A note taken in each period shows the daemon saw each jump.
// Both runs must record exactly what an uninterrupted `cyclerctl simulate --db` records, sample for sample
// (the jumps neither stop nor duplicate recording), and their unix_time_s must never decrease.
#include "tests/reliability/reliability_support.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

constexpr const char* kFaketimeLibraries[] = {"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                                              "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                                              "/usr/lib/faketime/libfaketime.so.1"};

std::string faketime_library() {
  for (const char* path : kFaketimeLibraries) {
    if (fs::exists(path)) return path;
  }
  return {};
}

double real_unix_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A real-time protocol short enough for the default suite, recording at 10 Hz.
const json kRealtimeProtocol = {
    {"name", "clock-check"}, {"record", {{"every", "0.1 s"}}}, {"steps", {"Discharge at 0.1 A/g for 9 s", "Rest for 3 s"}}};

const char* kConfig = R"({"database": "x.sqlite", "auth": {"required": false}, "channels": [
  {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": 80000},
  {"id": "sim-2", "driver": "sim", "uri": "sim://zns?seed=2", "speed": "realtime"}]})";

// A daemon whose wall clock is moved by the offset in `offset` (written "+0" here), re-read at every reading;
// its monotonic clock is left alone.
LaunchOptions faked_clock(const std::string& library, const fs::path& offset) {
  write_file(offset, "+0\n");
  LaunchOptions options;
  options.environment = {{"LD_PRELOAD", library},
                         {"FAKETIME_TIMESTAMP_FILE", offset.string()},
                         {"FAKETIME_NO_CACHE", "1"},
                         {"FAKETIME_DONT_FAKE_MONOTONIC", "1"}};
  return options;
}

bool never_decreases(const std::vector<double>& t) {
  return std::adjacent_find(t.begin(), t.end(), [](double a, double b) { return b < a; }) == t.end();
}

TEST(Reliability, WallClockJumpsNeitherStopNorDuplicateRecordingAndStampsNeverGoBack) {
  const std::string library = faketime_library();
  ASSERT_FALSE(library.empty()) << "libfaketime is missing (Debian package faketime; tools/setup installs it)";
  const int trials = trial_count(1);
  const auto reference_dir = make_temp_dir();
  const auto reference_db = reference_dir / "reference.sqlite";
  write_file(reference_dir / "clock-check.json", kRealtimeProtocol.dump());
  const json accelerated_ref = simulate("rate-capability", "zns-znse", 1, reference_db);
  const json realtime_ref = simulate((reference_dir / "clock-check.json").string(), "zns", 2, reference_db);
  SampleSeries accelerated_samples, realtime_samples;
  {
    store::Connection rc(reference_db.string(), store::OpenMode::read_only);
    accelerated_samples = stored_samples(rc, accelerated_ref["run_id"]);
    realtime_samples = stored_samples(rc, realtime_ref["run_id"]);
  }
  CampaignCounts n;
  int jumps_seen = 0, stamps_back = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const auto dir = make_temp_dir();
    const auto db = dir / "lab.sqlite";
    const auto offset = dir / "clock-offset";
    write_file(dir / "c.json", kConfig);
    const LaunchOptions options = faked_clock(library, offset);
    std::uint16_t port = 0;
    const pid_t pid = start_cyclerd(dir, db, port, options);
    Client c(port);
    rpc(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}, {"sim_preset", "zns-znse"}});
    rpc(c, "cells.create", {{"name", "B"}, {"active_mass_mg", 1.0}, {"sim_preset", "zns"}});
    rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
    rpc(c, "runs.submit", {{"channel", "sim-2"}, {"cell", "B"}, {"protocol", kRealtimeProtocol}});
    // Each period: the offset, a note on both runs taken during it, and how many samples were stored by its end.
    struct Period {
      const char* offset;
      double offset_s;
    };
    const Period periods[] = {{"-3600", -3600}, {"+3600", 3600}, {"+0", 0}};
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    std::int64_t stored_before = acknowledged_samples(c)[1] + acknowledged_samples(c)[2];
    for (const auto& p : periods) {
      write_file(offset, std::string(p.offset) + "\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const double asked_at = real_unix_s();
      rpc(c, "runs.note", {{"run_id", 1}, {"text", std::string("clock ") + p.offset}});
      std::this_thread::sleep_for(std::chrono::milliseconds(2000));
      const auto now = acknowledged_samples(c);
      const std::int64_t stored = now.at(1) + now.at(2);
      EXPECT_GT(stored, stored_before) << "recording stopped after the clock moved by " << p.offset << " s";
      stored_before = stored;
      // The note's stamp is the daemon's wall clock: it moved by the offset (within the test's slack).
      const json events = rpc(c, "runs.events", {{"run_id", 1}})["events"];  // a copy: the answer is a temporary
      for (const auto& e : events) {
        if (e.value("text", "") != std::string("clock ") + p.offset) continue;
        const double moved = e["unix_time_s"].get<double>() - asked_at;
        if (std::abs(moved - p.offset_s) < 60) ++jumps_seen;
        else ADD_FAILURE() << "the daemon's clock moved " << moved << " s, not " << p.offset_s;
      }
    }
    ASSERT_TRUE(wait_all_final(c, 300)) << read_file(dir / "stderr.txt");
    const std::string state1 = rpc(c, "runs.get", {{"run_id", 1}})["state"];
    const std::string state2 = rpc(c, "runs.get", {{"run_id", 2}})["state"];
    stop(pid, SIGTERM);

    store::Connection conn(db.string(), store::OpenMode::read_only);
    if (!integrity_ok(conn)) ++n.corrupt_databases;
    const std::pair<std::string, const SampleSeries*> expected[] = {{state1, &accelerated_samples},
                                                                    {state2, &realtime_samples}};
    for (std::int64_t run = 1; run <= 2; ++run) {
      const auto got = stored_samples(conn, run);
      const std::string difference = first_difference(got, *expected[run - 1].second);
      const bool monotonic = never_decreases(got.unix_time_s);
      if (!monotonic) ++stamps_back;
      ++n.runs;
      const bool exact = expected[run - 1].first == "completed" && difference.empty();
      exact ? ++n.runs_resumed_exactly : ++n.runs_not_resumed;
      EXPECT_TRUE(exact) << "run " << run << ": " << expected[run - 1].first << "; " << difference;
      EXPECT_TRUE(monotonic) << "run " << run << ": unix_time_s went back";
    }
    ++n.trials;
    fs::remove_all(dir);
  }
  n.print("wall-clock-jumps");
  std::printf("reliability wall-clock-jumps: jumps_seen=%d of %d, runs_with_stamps_going_back=%d\n", jumps_seen,
              3 * trials, stamps_back);
  fs::remove_all(reference_dir);
  EXPECT_EQ(jumps_seen, 3 * trials);
  EXPECT_EQ(stamps_back, 0);
  EXPECT_EQ(n.runs_not_resumed, 0);
}

// The clock steps back an hour while the daemon is down (kill -9): the runs resume from their checkpoints,
// complete exactly, and the stamps of each run still never decrease across the restart.
// (A resumed run takes its stamps on from its last stored sample: daemon/lab/storage_consumer.cpp.)
TEST(Reliability, WallClockBackWhileTheDaemonIsDownKeepsEachRunsStampsFromGoingBack) {
  const std::string library = faketime_library();
  ASSERT_FALSE(library.empty()) << "libfaketime is missing (Debian package faketime; tools/setup installs it)";
  const int trials = trial_count(1);
  std::mt19937 rng(20261128);
  const auto reference_dir = make_temp_dir();
  const auto reference_db = reference_dir / "reference.sqlite";
  write_file(reference_dir / "clock-check.json", kRealtimeProtocol.dump());
  const json accelerated_ref = simulate("rate-capability", "zns-znse", 1, reference_db);
  const json realtime_ref = simulate((reference_dir / "clock-check.json").string(), "zns", 2, reference_db);
  std::vector<SampleSeries> references(2);
  {
    store::Connection rc(reference_db.string(), store::OpenMode::read_only);
    references[0] = stored_samples(rc, accelerated_ref["run_id"]);
    references[1] = stored_samples(rc, realtime_ref["run_id"]);
  }
  CampaignCounts n;
  int stamps_back = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const auto dir = make_temp_dir();
    const auto db = dir / "lab.sqlite";
    const auto offset = dir / "clock-offset";
    write_file(dir / "c.json", kConfig);
    const LaunchOptions options = faked_clock(library, offset);
    std::uint16_t port = 0;
    pid_t pid = start_cyclerd(dir, db, port, options);
    std::map<std::int64_t, std::int64_t> acknowledged;
    {
      Client c(port);
      rpc(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}, {"sim_preset", "zns-znse"}});
      rpc(c, "cells.create", {{"name", "B"}, {"active_mass_mg", 1.0}, {"sim_preset", "zns"}});
      rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
      rpc(c, "runs.submit", {{"channel", "sim-2"}, {"cell", "B"}, {"protocol", kRealtimeProtocol}});
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(1000, 4000)(rng)));
      acknowledged = acknowledged_samples(c);
    }
    stop(pid, SIGKILL);
    ++n.kills;
    write_file(offset, "-3600\n");
    pid = start_cyclerd(dir, db, port, options);
    Client c(port);
    ASSERT_TRUE(wait_all_final(c, 300)) << read_file(dir / "stderr.txt");
    std::string states[2] = {rpc(c, "runs.get", {{"run_id", 1}})["state"], rpc(c, "runs.get", {{"run_id", 2}})["state"]};
    stop(pid, SIGTERM);

    store::Connection conn(db.string(), store::OpenMode::read_only);
    if (!integrity_ok(conn)) ++n.corrupt_databases;
    for (std::int64_t run = 1; run <= 2; ++run) {
      const auto got = stored_samples(conn, run);
      n.acknowledged_records += acknowledged[run];
      n.acknowledged_lost += std::max<std::int64_t>(0, acknowledged[run] - static_cast<std::int64_t>(got.index.size()));
      const std::string difference = first_difference(got, references[run - 1]);
      const bool monotonic = never_decreases(got.unix_time_s);
      if (!monotonic) ++stamps_back;
      ++n.runs;
      const bool exact = states[run - 1] == "completed" && difference.empty();
      exact ? ++n.runs_resumed_exactly : ++n.runs_not_resumed;
      EXPECT_TRUE(exact) << "run " << run << ": " << states[run - 1] << "; " << difference;
      EXPECT_TRUE(monotonic) << "run " << run << ": unix_time_s went back across the restart";
    }
    ++n.trials;
    fs::remove_all(dir);
  }
  n.print("wall-clock-back-while-down");
  std::printf("reliability wall-clock-back-while-down: runs_with_stamps_going_back=%d\n", stamps_back);
  fs::remove_all(reference_dir);
  EXPECT_EQ(stamps_back, 0);
  EXPECT_EQ(n.acknowledged_lost, 0);
  EXPECT_EQ(n.runs_not_resumed, 0);
}

}  // namespace
}  // namespace cyclerd::test

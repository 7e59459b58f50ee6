// Storage faults under the real daemon (label "reliability"):
//  - the disk runs full while a run records (a file-size limit on the daemon: writes fail with EFBIG) and is
//    cleaned up while the daemon keeps running (the limit lifted): the run pauses for storage, the daemon
//    stays up, nothing it acknowledged is lost, and once storage takes rows again the run resumes and
//    completes with every index from 0 on, without a gap or a repeat;
//  - the database is read-only when the daemon starts (after a kill -9 mid-run): it refuses to start with an
//    error that says so and names the file, changes nothing, and once the file is writable again the run
//    resumes from its checkpoint and completes exactly.
// A permission change of a database the daemon already holds open does not reach it (the open descriptors
// keep their write access, as for any Unix program), so the read-only fault a running daemon can meet is
// a file system remounted read-only, which needs root to stage; the start on a read-only file is the case
// tested here. Storage full across a restart is in test_reliability.cpp.
#include <sys/stat.h>

#include "tests/reliability/reliability_support.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

const char* kOneChannel = R"({"database": "x.sqlite", "auth": {"required": false}, "channels": [
  {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"}]})";

// Calls `method` and tells whether it answered a result (a refusal is expected here, not a failure).
bool succeeds(Client& c, const std::string& method, const json& params) {
  const auto answer = c.call(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}}.dump());
  return answer.contains("result");
}

std::string state_of(Client& c, std::int64_t run) { return rpc(c, "runs.get", {{"run_id", run}}).value("state", ""); }

TEST(Reliability, DiskFullWhileRecordingPausesAndRecordingResumesOnceThereIsRoomWithoutARestart) {
  const int trials = trial_count(1);
  const json reference = simulate("rate-capability", "zns-znse", 1);
  CampaignCounts n;
  int resumed_after_room = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const auto dir = make_temp_dir();
    const auto db = dir / "lab.sqlite";
    write_file(dir / "c.json", kOneChannel);
    std::uint16_t port = 0;
    // Room for the schema and a part of the run only.
    const pid_t pid = start_cyclerd(dir, db, port, with_file_limit(1536 * 1024));
    Client c(port);
    rpc(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}, {"sim_preset", "zns-znse"}});
    rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
    std::string state;
    for (int i = 0; i < 600 && state != "paused"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      state = state_of(c, 1);
    }
    ASSERT_EQ(state, "paused") << "recording did not pause when storage ran full";
    ASSERT_EQ(::kill(pid, 0), 0) << "the daemon died when storage ran full";
    EXPECT_FALSE(succeeds(c, "runs.resume", {{"run_id", 1}})) << "resumed while storage still fails";
    const auto acknowledged = acknowledged_samples(c)[1];

    ASSERT_TRUE(lift_file_limit(pid));  // the disk was cleaned up
    // The writer retries every 500 ms; once its rows are in, runs.resume is accepted.
    bool resumed = false;
    for (int i = 0; i < 300 && !resumed; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      resumed = succeeds(c, "runs.resume", {{"run_id", 1}});
    }
    EXPECT_TRUE(resumed) << "runs.resume still refused after storage recovered: " << read_file(dir / "stderr.txt");
    if (resumed) ++resumed_after_room;
    ASSERT_TRUE(wait_all_final(c, 300)) << read_file(dir / "stderr.txt");
    state = state_of(c, 1);
    const auto reported = acknowledged_samples(c)[1];
    const json cycles = rpc(c, "runs.cycles", {{"run_id", 1}})["cycles"];
    const json events = rpc(c, "runs.events", {{"run_id", 1}})["events"];
    stop(pid, SIGTERM);

    store::Connection conn(db.string(), store::OpenMode::read_only);
    const auto stored = stored_run(conn, 1);
    if (!integrity_ok(conn) || !stored.contiguous) ++n.corrupt_databases;
    n.acknowledged_records += acknowledged;
    n.acknowledged_lost += std::max<std::int64_t>(0, acknowledged - stored.samples);
    ++n.runs;
    // A pause rests the cell for a while, so the record after it is not the uninterrupted one: complete
    // means every index up to the end, all the daemon reported stored, and a cycle table as long.
    const bool complete = state == "completed" && stored.contiguous && stored.samples == reported &&
                          cycles.size() == reference["cycles"].size();
    complete ? ++n.runs_resumed_exactly : ++n.runs_not_resumed;
    EXPECT_TRUE(complete) << state << ", " << stored.samples << " samples stored, " << reported << " reported, "
                          << cycles.size() << " cycles";
    bool storage_error_event = false;
    for (const auto& e : events) storage_error_event = storage_error_event || e.value("kind", "") == "storage_error";
    EXPECT_TRUE(storage_error_event) << "no storage_error event says why the run paused: " << events.dump();
    ++n.trials;
    fs::remove_all(dir);
  }
  n.print("disk-full-then-room");
  std::printf("reliability disk-full-then-room: resumed_after_room=%d\n", resumed_after_room);
  EXPECT_EQ(n.acknowledged_lost, 0);
  EXPECT_EQ(n.corrupt_databases, 0);
  EXPECT_EQ(n.runs_not_resumed, 0);
}

// Makes the database (and its WAL files and folder) read-only, or writable again.
void set_read_only(const fs::path& dir, bool read_only) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("lab.sqlite", 0) == 0) ::chmod(entry.path().c_str(), read_only ? 0444 : 0644);
  }
  ::chmod(dir.c_str(), read_only ? 0555 : 0755);
}

TEST(Reliability, ReadOnlyDatabaseAtStartIsRefusedClearlyAndTheRunResumesOnceWritable) {
  const int trials = trial_count(1);
  std::mt19937 rng(20261127);
  const auto reference_dir = make_temp_dir();
  const json reference = simulate("rate-capability", "zns-znse", 1, reference_dir / "reference.sqlite");
  SampleSeries reference_samples;
  {
    store::Connection rc((reference_dir / "reference.sqlite").string(), store::OpenMode::read_only);
    reference_samples = stored_samples(rc, reference["run_id"]);
  }
  CampaignCounts n;
  int refused_clearly = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const auto dir = make_temp_dir();
    const auto db = dir / "lab.sqlite";
    write_file(dir / "c.json", kOneChannel);
    std::uint16_t port = 0;
    pid_t pid = start_cyclerd(dir, db, port);
    std::int64_t acknowledged = 0;
    {
      Client c(port);
      rpc(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}, {"sim_preset", "zns-znse"}});
      rpc(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 1500)(rng)));
      acknowledged = acknowledged_samples(c)[1];
    }
    stop(pid, SIGKILL);
    ++n.kills;
    const auto before = fs::last_write_time(db);

    set_read_only(dir, true);
    const pid_t refused = launch_cyclerd(dir, db, unprivileged());
    int exit_code = -1;
    const bool started = wait_ready(refused, dir, port, &exit_code);
    if (started) stop(refused, SIGKILL);
    set_read_only(dir, false);
    const std::string said = read_file(dir / "stderr.txt");
    const bool clear = !started && exit_code != 0 && said.find("read-only") != std::string::npos &&
                       said.find(db.string()) != std::string::npos;
    if (clear) ++refused_clearly;
    EXPECT_TRUE(clear) << "started: " << started << ", exit " << exit_code << ", said: " << said;
    EXPECT_EQ(fs::last_write_time(db), before) << "the refused start changed the database";

    pid = start_cyclerd(dir, db, port);
    Client c(port);
    ASSERT_TRUE(wait_all_final(c, 300)) << read_file(dir / "stderr.txt");
    const std::string state = state_of(c, 1);
    const json cycles = rpc(c, "runs.cycles", {{"run_id", 1}})["cycles"];
    stop(pid, SIGTERM);

    store::Connection conn(db.string(), store::OpenMode::read_only);
    const auto got = stored_samples(conn, 1);
    if (!integrity_ok(conn)) ++n.corrupt_databases;
    n.acknowledged_records += acknowledged;
    n.acknowledged_lost += std::max<std::int64_t>(0, acknowledged - static_cast<std::int64_t>(got.index.size()));
    ++n.runs;
    const std::string difference = first_difference(got, reference_samples);
    const bool exact = state == "completed" && difference.empty() && same_cycles(cycles, reference["cycles"], 1e-9);
    exact ? ++n.runs_resumed_exactly : ++n.runs_not_resumed;
    EXPECT_TRUE(exact) << state << "; " << difference;
    ++n.trials;
    fs::remove_all(dir);
  }
  n.print("read-only-at-start");
  std::printf("reliability read-only-at-start: refused_clearly=%d\n", refused_clearly);
  fs::remove_all(reference_dir);
  EXPECT_EQ(refused_clearly, trials);
  EXPECT_EQ(n.acknowledged_lost, 0);
  EXPECT_EQ(n.corrupt_databases, 0);
  EXPECT_EQ(n.runs_not_resumed, 0);
}

}  // namespace
}  // namespace cyclerd::test

// Storage failing under the real daemon. The database is capped in size (the configuration's
// storage.max_size_mb, SQLite's max_page_count: the stand-in for a full disk, as a tiny filesystem needs
// root) just above an old run
// recorded by `cyclerctl simulate --db`. The new run fills it: SQLite says the disk is full, the run must
// go to a safe pause with a storage_error event, resuming must be refused while storage fails, and once
// space is back (the old run's samples deleted, as a technician would) the run resumes and completes with
// every sample stored once, in order, and the same cycles as an undisturbed simulation.
#include <sqlite3.h>

#include "tests/daemon/storage_daemon.hpp"

namespace cyclerd::test::storage {
namespace {

// Four cycles a rate (about 84,000 records): at speed "max" a one-cycle run ended within the writer's first
// commit period, before storage could fail under it, and the test then saw no pause.
const std::string kProtocol = "--protocol rate-capability --param cycles_per_rate=4 --preset zns-znse --mass-mg 1";

// Frees the pages of a run's samples, from outside the daemon (its writer reuses them).
void delete_samples(const fs::path& db, std::int64_t run_id) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  sqlite3_busy_timeout(h, 5000);
  const std::string sql = "DELETE FROM samples WHERE run_id=" + std::to_string(run_id) +
                          "; DELETE FROM sample_summary WHERE run_id=" + std::to_string(run_id) + ";";
  EXPECT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  sqlite3_close(h);
}

// A database holding an old run, capped (storage.max_size_mb) with room for about a third of a second one.
struct NearlyFullDatabase {
  fs::path dir, db;
  json old_run;  // the reference too: the same protocol on the same simulated cell (seed 1), undisturbed
  std::int64_t old_id = 0;
  double cap_mb = 0;
  json channels;
};

void make_nearly_full(NearlyFullDatabase& d) {
  d.dir = make_temp_dir();
  d.db = d.dir / "lab.sqlite";
  int code = -1;
  d.old_run = json::parse(cyclerctl("simulate " + kProtocol + " --seed 1 --json --db " + d.db.string() + " 2>/dev/null", code));
  ASSERT_EQ(code, 0);
  d.old_id = d.old_run.at("run_id");
  const std::int64_t bytes = database_bytes(d.db);
  d.cap_mb = static_cast<double>(bytes + bytes / 3) / (1024.0 * 1024.0);
  d.channels = json::parse(kOneChannel)["channels"];
}

// Submits the protocol on the capped database's daemon and waits until the full disk pauses it: a safe
// pause, not a failure and not a completed run with holes.
void submit_until_paused(Client& c, const fs::path& dir, std::int64_t& run_id) {
  result(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  run_id = result(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"},
                                     {"params", {{"cycles_per_rate", "4"}}}})
               .at("run_id");
  ASSERT_EQ(wait_for_state(c, run_id, "paused", 60), "paused") << read_file(dir / "stderr.txt");
}

TEST(StorageFailure, FullDatabasePausesTheRunWithStorageErrorAndRecordingResumesWithoutLoss) {
  NearlyFullDatabase d;
  ASSERT_NO_FATAL_FAILURE(make_nearly_full(d));
  const auto& [dir, db, old_run, old_id, cap_mb, channels] = d;
  const std::int64_t records = old_run["totals"]["records"];

  std::int64_t run_id = 0;
  {
    DaemonOnFile daemon(dir, lab_config(channels, {{"max_size_mb", cap_mb}}), db);
    Client c(daemon.port());
    ASSERT_NO_FATAL_FAILURE(submit_until_paused(c, dir, run_id));
    EXPECT_EQ(result(c, "channels.get", {{"channel", "sim-1"}})["state"], "paused");
    const json refused = call(c, "runs.resume", {{"run_id", run_id}});
    ASSERT_TRUE(refused.contains("error")) << refused.dump();
    EXPECT_EQ(refused["error"]["code"], -32007);
    EXPECT_EQ(refused["error"]["data"]["code"], "storage_error");
    EXPECT_NE(refused["error"]["message"].get<std::string>().find("full"), std::string::npos) << refused.dump();
    const std::int64_t stored_while_full = result(c, "runs.get", {{"run_id", run_id}})["samples"];
    // How much fitted before the cap depends on batch timing (none, when the first batch is already too
    // big); what matters is that the run paused short of its end and, below, that nothing is lost.
    EXPECT_LT(stored_while_full, records);

    // Space comes back; the writer's retry stores what waited, then a person resumes.
    delete_samples(db, old_id);
    bool resumed = false;
    for (int i = 0; i < 100 && !resumed; ++i) {
      resumed = call(c, "runs.resume", {{"run_id", run_id}}).contains("result");
      if (!resumed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(resumed) << "runs.resume still refused after space came back";
    ASSERT_EQ(wait_for_state(c, run_id, "completed", 60), "completed") << read_file(dir / "stderr.txt");

    // The events say why it paused and who resumed it.
    const json events = result(c, "runs.events", {{"run_id", run_id}})["events"];
    bool storage_error = false, paused_for_storage = false, resumed_event = false;
    for (const auto& e : events) {
      const std::string kind = e["kind"], text = e["text"];
      if (kind == "storage_error" && text.find("full") != std::string::npos) storage_error = true;
      if (kind == "state" && e["data"]["state"] == "paused" && text.find("storage") != std::string::npos) {
        paused_for_storage = true;
      }
      if (kind == "state" && e["data"]["state"] == "running" && text.find("resumed") != std::string::npos) {
        resumed_event = true;
      }
    }
    EXPECT_TRUE(storage_error) << events.dump(1);
    EXPECT_TRUE(paused_for_storage) << events.dump(1);
    EXPECT_TRUE(resumed_event) << events.dump(1);
    daemon.terminate();
  }

  // Every sample once, in order: nothing acknowledged was lost, nothing waiting in memory was dropped.
  store::Connection c(db.string(), store::OpenMode::read_only);
  auto s = c.prepare("SELECT count(*), min(sample_index), max(sample_index) FROM samples WHERE run_id=?");
  s.bind(1, run_id);
  ASSERT_TRUE(s.step());
  const std::int64_t stored = s.column_int(0);
  EXPECT_EQ(s.column_int(1), 0);
  EXPECT_EQ(s.column_int(2), stored - 1) << "a gap in the run's samples";
  // The pause adds at most a record where the step resumed; the run is otherwise the simulation's.
  EXPECT_NEAR(static_cast<double>(stored), static_cast<double>(records), 0.01 * static_cast<double>(records));
  auto ic = c.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(ic.step());
  EXPECT_EQ(ic.column_text(0), "ok");
  // The pause at rest changed next to nothing in the physics: the cycles are the undisturbed simulation's.
  auto cycles = c.prepare("SELECT cycle_index, discharge_capacity_Ah, charge_capacity_Ah FROM cycle_summaries "
                          "WHERE run_id=? ORDER BY cycle_index");
  cycles.bind(1, run_id);
  std::size_t n = 0;
  while (cycles.step()) {
    ASSERT_LT(n, old_run["cycles"].size());
    EXPECT_EQ(cycles.column_int(0), static_cast<std::int64_t>(n) + 1);
    const double dis = old_run["cycles"][n]["discharge_capacity_Ah"], ch = old_run["cycles"][n]["charge_capacity_Ah"];
    EXPECT_NEAR(cycles.column_double(1), dis, 0.01 * dis) << "cycle " << n + 1;
    EXPECT_NEAR(cycles.column_double(2), ch, 0.01 * ch) << "cycle " << n + 1;
    ++n;
  }
  EXPECT_EQ(n, old_run["cycles"].size());
  fs::remove_all(dir);
}

// A technician stops a run that storage paused, while the disk is still full. The run's last rows (the
// samples taken before the pause, the pause and the stop) cannot be stored yet; they must wait in memory
// until space comes back, not be dropped with the run. Before, the stored run stayed "running" without its
// tail, and the next start resumed the stopped run.
TEST(StorageFailure, ARunStoppedWhileTheDiskIsFullKeepsItsLastRowsUntilSpaceComesBack) {
  NearlyFullDatabase d;
  ASSERT_NO_FATAL_FAILURE(make_nearly_full(d));
  const auto& [dir, db, old_run, old_id, cap_mb, channels] = d;

  std::int64_t run_id = 0, stored_while_full = 0;
  {
    DaemonOnFile daemon(dir, lab_config(channels, {{"max_size_mb", cap_mb}}), db);
    Client c(daemon.port());
    ASSERT_NO_FATAL_FAILURE(submit_until_paused(c, dir, run_id));
    stored_while_full = result(c, "runs.get", {{"run_id", run_id}})["samples"];

    result(c, "runs.stop", {{"run_id", run_id}});
    // The stop is taken (the channel is free) but not yet stored: the run does not show a final state
    // whose rows are missing.
    for (int i = 0; i < 50 && result(c, "channels.get", {{"channel", "sim-1"}})["state"] != "idle"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(result(c, "channels.get", {{"channel", "sim-1"}})["state"], "idle");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a retry or two, still refused
    EXPECT_NE(result(c, "runs.get", {{"run_id", run_id}})["state"], "stopped");
    EXPECT_EQ(result(c, "runs.get", {{"run_id", run_id}})["samples"], stored_while_full);

    // Space comes back: the kept rows are stored, and only then is the run shown stopped.
    delete_samples(db, old_id);
    ASSERT_EQ(wait_for_state(c, run_id, "stopped", 30), "stopped") << read_file(dir / "stderr.txt");
    daemon.terminate();
  }

  // Stored: the stop with who made it, and every sample the run took before its pause, once and in order.
  {
    store::Connection c(db.string(), store::OpenMode::read_only);
    auto st = c.prepare("SELECT state FROM runs WHERE id=?");
    st.bind(1, run_id);
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.column_text(0), "stopped");
    auto s = c.prepare("SELECT count(*), min(sample_index), max(sample_index) FROM samples WHERE run_id=?");
    s.bind(1, run_id);
    ASSERT_TRUE(s.step());
    EXPECT_GT(s.column_int(0), stored_while_full) << "the samples that waited in memory were dropped";
    EXPECT_EQ(s.column_int(1), 0);
    EXPECT_EQ(s.column_int(2), s.column_int(0) - 1) << "a gap in the run's samples";
    auto ev = c.prepare("SELECT count(*) FROM events WHERE run_id=? AND kind='state' AND text LIKE 'stopped by%'");
    ev.bind(1, run_id);
    ASSERT_TRUE(ev.step());
    EXPECT_EQ(ev.column_int(0), 1);
  }

  // The next start leaves the stopped run alone.
  {
    DaemonOnFile daemon(dir, lab_config(channels), db);
    Client c(daemon.port());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(result(c, "runs.get", {{"run_id", run_id}})["state"], "stopped");
    EXPECT_EQ(result(c, "channels.get", {{"channel", "sim-1"}})["state"], "idle");
    daemon.terminate();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test::storage

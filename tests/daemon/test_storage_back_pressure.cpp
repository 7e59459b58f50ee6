// Storage that cannot keep up, under the real daemon: simulated channels at speed "max" produce samples
// faster than SQLite stores them. With a small writer queue (storage.queue_max_rows / queue_max_mb) they
// must be slowed down (back-pressure), not refused and paused: every run completes with every sample
// stored and no storage event, while a real-time channel on the same daemon keeps its record rate.
// Also: the storage configuration keys refuse bad values naming the key.
#include <set>

#include "tests/daemon/storage_daemon.hpp"

namespace cyclerd::test::storage {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kFastChannels = 4;
const std::string kFastProtocol =
    "--protocol rate-capability --param cycles_per_rate=1 --preset zns-znse --mass-mg 1";
// 10 records a second for as long as the test lasts; stopped by the test.
const json kRealTimeRest = {{"name", "real-time-rest"}, {"record", {{"every", "0.1 s"}}}, {"steps", {"Rest for 60 min"}}};

json lab_channels() {
  json channels = json::array();
  for (int i = 1; i <= kFastChannels; ++i) {
    channels.push_back({{"id", "fast-" + std::to_string(i)}, {"driver", "sim"}, {"uri", "sim://zns-znse?seed=1"},
                        {"speed", "max"}});
  }
  channels.push_back({{"id", "rt-1"}, {"driver", "sim"}, {"uri", "sim://zns-znse?seed=2"}, {"speed", "realtime"}});
  return channels;
}

// Count, first and last index of a run's stored samples.
struct StoredSamples {
  std::int64_t count = 0, first = -1, last = -1;
};
StoredSamples stored_samples(const fs::path& db, std::int64_t run_id) {
  store::Connection c(db.string(), store::OpenMode::read_only);
  auto s = c.prepare("SELECT count(*), min(sample_index), max(sample_index) FROM samples WHERE run_id=?");
  s.bind(1, run_id);
  StoredSamples out;
  if (s.step()) out = {s.column_int(0), s.column_int(1), s.column_int(2)};
  return out;
}

// A run's last rows (handed over as it ends) wait for room like its other batches: four fast runs ending
// beside each other's full batches once met a queue at its bound, were refused and paused every run.
TEST(StorageBackPressure, FullSpeedRunsWaitForASmallQueueAndStoreEverySampleWhileARealTimeChannelKeepsItsRate) {
  const auto dir = make_temp_dir();
  const auto db = dir / "lab.sqlite";
  int code = -1;
  // The reference: the same protocol on the same simulated cell, recorded by nobody.
  const json reference = json::parse(cyclerctl("simulate " + kFastProtocol + " --seed 1 --json 2>/dev/null", code));
  ASSERT_EQ(code, 0);
  const std::int64_t records = reference["totals"]["records"];

  // 8,000 rows or 1 MB: one batch of a full-speed run (4,000 samples) takes the queue to its high-water
  // mark, so the four fast runs take turns; without back-pressure they would fill it and be paused.
  DaemonOnFile daemon(dir, lab_config(lab_channels(), {{"queue_max_rows", 8000}, {"queue_max_mb", 1}}), db);
  Client c(daemon.port());
  result(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  const std::int64_t rt_run =
      result(c, "runs.submit", {{"channel", "rt-1"}, {"cell", "A"}, {"protocol", kRealTimeRest}}).at("run_id");
  const auto rt_started = Clock::now();
  std::vector<std::int64_t> fast_runs;
  for (int i = 1; i <= kFastChannels; ++i) {
    fast_runs.push_back(result(c, "runs.submit", {{"channel", "fast-" + std::to_string(i)}, {"cell", "A"},
                                                  {"protocol", "rate-capability"},
                                                  {"params", {{"cycles_per_rate", "1"}}}})
                            .at("run_id"));
  }

  // Each fast run completes without ever pausing.
  const auto deadline = Clock::now() + std::chrono::seconds(180);
  std::set<std::int64_t> done;
  while (done.size() < fast_runs.size() && Clock::now() < deadline) {
    for (const auto run : fast_runs) {
      if (done.count(run)) continue;
      const std::string state = result(c, "runs.get", {{"run_id", run}}).value("state", "");
      ASSERT_NE(state, "paused") << "run " << run << " paused: " << result(c, "runs.events", {{"run_id", run}}).dump(1);
      ASSERT_NE(state, "failed") << "run " << run;
      if (state == "completed") done.insert(run);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(done.size(), fast_runs.size()) << "the fast runs did not complete within 180 s";

  // The real-time run recorded alongside all along; it stops now, between two samples.
  result(c, "runs.stop", {{"run_id", rt_run}});
  const double rt_wall_s = std::chrono::duration<double>(Clock::now() - rt_started).count();
  ASSERT_EQ(wait_for_state(c, rt_run, "stopped", 10), "stopped");

  for (const auto run : fast_runs) {
    for (const auto& e : result(c, "runs.events", {{"run_id", run}})["events"]) {
      EXPECT_NE(e["kind"], "storage_error") << "run " << run << ": " << e.dump();
      EXPECT_FALSE(e["kind"] == "state" && e["data"]["state"] == "paused") << "run " << run << ": " << e.dump();
    }
  }
  daemon.terminate();

  // Every sample of every fast run, once and in order: exactly the undisturbed simulation's records.
  for (const auto run : fast_runs) {
    const auto s = stored_samples(db, run);
    EXPECT_EQ(s.count, records) << "run " << run;
    EXPECT_EQ(s.first, 0) << "run " << run;
    EXPECT_EQ(s.last, s.count - 1) << "a gap in run " << run;
  }
  // 10 records a wall second while the fast runs competed for storage: a real-time channel never waits
  // (one that fell more than a second behind would have dropped the lag and recorded fewer).
  const auto rt = stored_samples(db, rt_run);
  EXPECT_EQ(rt.last, rt.count - 1) << "a gap in the real-time run";
  const double expected = rt_wall_s * 10;
  EXPECT_GE(static_cast<double>(rt.count), 0.9 * expected) << "over " << rt_wall_s << " s";
  EXPECT_LE(static_cast<double>(rt.count), expected + 2) << "over " << rt_wall_s << " s";
  fs::remove_all(dir);
}

TEST(StorageConfig, BadValuesAreErrorsNamingTheKey) {
  const auto dir = make_temp_dir();
  const json channels = json::parse(kOneChannel)["channels"];
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"max_size_mb", 0}}, "/storage/max_size_mb"},
      {{{"max_size_mb", "10 MB"}}, "/storage/max_size_mb"},
      {{{"queue_max_rows", -5}}, "/storage/queue_max_rows"},
      {{{"queue_max_rows", 2.5}}, "/storage/queue_max_rows"},
      {{{"queue_max_mb", 0}}, "/storage/queue_max_mb"},
      {{{"max_page_count", 100}}, "/storage/max_page_count"},
  };
  for (const auto& [storage, key] : cases) {
    write_file(dir / "lab.json", lab_config(channels, storage));
    const auto r = run_cyclerd({"--check-config", "--config", (dir / "lab.json").string()}, dir);
    EXPECT_NE(r.exit_code, 0) << storage.dump();
    EXPECT_NE(r.stderr_text.find(key), std::string::npos) << storage.dump() << ": " << r.stderr_text;
  }
  write_file(dir / "lab.json",
             lab_config(channels, {{"max_size_mb", 512}, {"queue_max_rows", 50000}, {"queue_max_mb", 8}}));
  const auto ok = run_cyclerd({"--check-config", "--config", (dir / "lab.json").string()}, dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.stderr_text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test::storage

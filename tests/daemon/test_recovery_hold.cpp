// on_restart "hold": after a crash, a held run is made safe and paused without taking a sample, and an
// event says it was held; a person's resume continues it with the next sample index.
#include "tests/daemon/lab_helpers.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

const char* kHoldConfig = R"({"auth": {"required": false}, "channels": [
  {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max", "on_restart": "hold"}]})";

TEST(Recovery, HeldRunIsPausedSafeWithoutANewSampleAndSaysSo) {
  const auto dir = make_temp_dir();
  const auto db = dir / "lab.sqlite";
  write_file(dir / "c.json", kHoldConfig);
  std::uint16_t port = 0;
  pid_t pid = start_cyclerd_on(dir, dir / "c.json", db, port);
  std::int64_t run_id = 0;
  {
    Client c(port);
    call_ok(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
    run_id = call_ok(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}})["run_id"];
  }
  // Killed once some batches are stored, in the middle of the run.
  for (int i = 0; i < 400 && stored_samples(db, run_id).count < 4000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_and_wait(pid, SIGKILL);
  const auto before = stored_samples(db, run_id);
  ASSERT_GT(before.count, 0);

  pid = start_cyclerd_on(dir, dir / "c.json", db, port);
  Client c(port);
  ASSERT_TRUE(wait_run_state(c, run_id, "paused", 10)) << read_file(dir / "stderr.txt");
  EXPECT_EQ(call_ok(c, "channels.get", {{"channel", "sim-1"}})["state"], "paused");
  // Held, not running: the stored samples stay those of the last checkpoint.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto held = stored_samples(db, run_id);
  EXPECT_EQ(held.count, before.count);
  EXPECT_EQ(held.max_index, before.max_index);
  bool said_held = false;
  const json events = call_ok(c, "runs.events", {{"run_id", run_id}})["events"];
  for (const auto& e : events) {
    if (e["kind"] == "state" && e["data"]["state"] == "paused" && e["who"] == "cyclerd" &&
        e["text"].get<std::string>().find("held after a restart") != std::string::npos) {
      said_held = true;
    }
  }
  EXPECT_TRUE(said_held) << events.dump(1);

  // A person resumes: the run goes on from the next index and completes without a gap or a repeat.
  call_ok(c, "runs.resume", {{"run_id", run_id}});
  ASSERT_TRUE(wait_run_state(c, run_id, "completed", 60)) << read_file(dir / "stderr.txt");
  kill_and_wait(pid, SIGTERM);
  const auto after = stored_samples(db, run_id);
  EXPECT_GT(after.count, held.count);
  EXPECT_EQ(after.min_index, 0);
  EXPECT_EQ(after.max_index, after.count - 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test

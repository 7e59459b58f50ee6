// Resident memory of the real daemon over an accelerated long-cycling run: it must not grow with the
// number of cycles (a leak or an unbounded buffer would show within a few hundred cycles).
//   default: 400 cycles; CYCLERD_LONG=1: the full 1800 (ctest label `long`)
//
// Like is compared with like: the run is paused at cycle 100 and again 100 cycles before its end, and
// measured once more after its last cycle, each time once storage has caught up and memory has settled.
// While a channel runs at full speed the storage queue holds a few seconds of rows (bounded by its row
// capacity); that backlog is the peak, printed but not compared, since it depends on how far the writer
// lags at the moment of reading, not on the cycle count.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/daemon/daemon_process.hpp"
#include "tests/daemon/proc_status.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

json request(const std::string& method, const json& params, int id) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", id}};
}

// Resident memory of a process in kB, from /proc/PID/status: all of it (VmRSS) and its private anonymous
// part (RssAnon: heap and stacks). The rest is file-backed (the binary's and libraries' code, SQLite's
// 32 kB WAL-index mapping): pages the kernel can drop and that do not depend on the data.
struct Resident {
  long total_kB = -1;
  long anonymous_kB = -1;
};

Resident resident(pid_t pid) { return {proc_status_kB(pid, "VmRSS"), proc_status_kB(pid, "RssAnon")}; }

// Resident memory once it has stopped changing: the writer commits within 250 ms and the daemon gives
// freed pages back to the system once a second, so 2 s of readings within 64 kB of one another are past
// both. At most 20 s (a loaded machine), then the last reading.
Resident settled(pid_t pid) {
  std::vector<Resident> readings;
  for (int i = 0; i < 80; ++i) {
    readings.push_back(resident(pid));
    if (readings.size() >= 9) {
      long low = readings.back().total_kB, high = low;
      for (auto it = readings.end() - 9; it != readings.end(); ++it) {
        low = std::min(low, it->total_kB);
        high = std::max(high, it->total_kB);
      }
      if (high - low <= 64) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return readings.back();
}

class LongRun {
 public:
  LongRun(Client& client, std::int64_t run_id) : client_(client), run_id_(run_id) {}

  json get() {
    const json run = client_.call(request("runs.get", {{"run_id", run_id_}}, 3).dump());
    EXPECT_TRUE(run.contains("result")) << run;
    return run.value("result", json::object());
  }

  // Pauses the run once it has reached `cycle`; the cycle it stopped at, or -1 if it ended before.
  int pause_at(int cycle, long& peak_kB, pid_t pid) {
    for (;;) {
      const json run = get();
      peak_kB = std::max(peak_kB, resident(pid).total_kB);
      if (run.value("state", "") != "running") return -1;
      if (run["cycle"].is_number() && run["cycle"].get<int>() >= cycle) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const json paused = client_.call(request("runs.pause", {{"run_id", run_id_}}, 4).dump());
    if (!paused.contains("result")) return -1;
    for (int i = 0; i < 1000; ++i) {
      const json run = get();
      if (run.value("state", "") == "paused") return run["cycle"].get<int>();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  void resume() {
    const json resumed = client_.call(request("runs.resume", {{"run_id", run_id_}}, 5).dump());
    ASSERT_TRUE(resumed.contains("result")) << resumed;
  }

  std::string wait_until_finished(long& peak_kB, pid_t pid) {
    std::string state;
    for (int i = 0; i < 12000 && state != "completed" && state != "failed"; ++i) {
      state = get().value("state", "");
      peak_kB = std::max(peak_kB, resident(pid).total_kB);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return state;
  }

 private:
  Client& client_;
  std::int64_t run_id_;
};

TEST(Memory, ResidentMemoryDoesNotGrowOverALongCyclingRun) {
  const int cycles = std::getenv("CYCLERD_LONG") ? 1800 : 400;
  Daemon daemon;  // the embedded config/sim.json: sim-1 is zns-znse at speed "max"
  Client op(daemon.port());
  ASSERT_TRUE(op.call(request("cells.create", {{"name", "LC-1"}, {"active_mass_mg", 1.0}}, 1).dump()).contains("result"));
  const json submitted = op.call(request("runs.submit",
                                         {{"channel", "sim-1"}, {"cell", "LC-1"}, {"protocol", "long-cycling"},
                                          {"params", {{"cycles", std::to_string(cycles)}}}},
                                         2)
                                     .dump());
  ASSERT_TRUE(submitted.contains("result")) << submitted;
  LongRun run(op, submitted["result"]["run_id"].get<std::int64_t>());

  long peak_kB = 0;
  const int early_cycle = run.pause_at(100, peak_kB, daemon.pid());
  ASSERT_GE(early_cycle, 100) << "the run could not be paused at cycle 100";
  const Resident early = settled(daemon.pid());
  run.resume();
  // 100 cycles before the end leave a fifth of a second at full speed to see the cycle and pause.
  const int late_cycle = run.pause_at(cycles - 100, peak_kB, daemon.pid());
  ASSERT_GE(late_cycle, cycles - 100) << "the run could not be paused at cycle " << cycles - 100;
  const Resident late = settled(daemon.pid());
  run.resume();
  ASSERT_EQ(run.wait_until_finished(peak_kB, daemon.pid()), "completed");
  const Resident end = settled(daemon.pid());

  std::printf("resident memory (VmRSS / RssAnon, kB): %ld / %ld paused at cycle %d, %ld / %ld paused at cycle %d, "
              "%ld / %ld after the last cycle (%d); peak while running at full speed %ld\n",
              early.total_kB, early.anonymous_kB, early_cycle, late.total_kB, late.anonymous_kB, late_cycle,
              end.total_kB, end.anonymous_kB, cycles, peak_kB);
  RecordProperty("rss_kB_cycle_100", std::to_string(early.total_kB));
  RecordProperty("rss_kB_late_cycle", std::to_string(late.total_kB));
  RecordProperty("rss_kB_end", std::to_string(end.total_kB));
  RecordProperty("rss_kB_peak", std::to_string(peak_kB));
  // Each cycle brings about 40 kB into the daemon (two dQ/dV curves of ~11 kB stored as JSON, ~200
  // samples of ~100 B): keeping a quarter of that would pass 2 MB over the 200 cycles of the short run,
  // and a fiftieth over the 1600 of the long one. Measured flat within 0.1 MB (live heap within 20 kB).
  constexpr long kBound_kB = 2 * 1024;
  for (const auto& [what, later] : {std::pair{"paused near the end", late}, std::pair{"after the last cycle", end}}) {
    EXPECT_LE(later.anonymous_kB, early.anonymous_kB + kBound_kB)
        << "private anonymous memory " << what << " grew by more than 2 MB over cycle " << early_cycle;
    EXPECT_LE(later.total_kB, early.total_kB + kBound_kB)
        << "resident memory " << what << " grew by more than 2 MB over cycle " << early_cycle;
  }
}

}  // namespace
}  // namespace cyclerd::test

// Resident memory of the real daemon over an accelerated long-cycling run: it must not grow with the
// number of cycles (a leak or an unbounded buffer would show within a few hundred cycles).
//   default: 400 cycles; CYCLERD_LONG=1: the full 1800 (ctest label `long`)
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

json request(const std::string& method, const json& params, int id) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", id}};
}

// VmRSS of a process in kB, from /proc.
long resident_kB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

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
  const std::int64_t run_id = submitted["result"]["run_id"].get<std::int64_t>();

  long at_100 = -1, peak_after_100 = 0;
  std::string state;
  for (int i = 0; i < 6000 && state != "completed" && state != "failed"; ++i) {
    const json run = op.call(request("runs.get", {{"run_id", run_id}}, 3).dump());
    ASSERT_TRUE(run.contains("result")) << run;
    state = run["result"]["state"].get<std::string>();
    const long rss = resident_kB(daemon.pid());
    const json& cycle = run["result"]["cycle"];
    if (cycle.is_number() && cycle.get<int>() >= 100) {
      if (at_100 < 0) at_100 = rss;
      peak_after_100 = std::max(peak_after_100, rss);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(state, "completed");
  const long at_end = resident_kB(daemon.pid());
  ASSERT_GT(at_100, 0) << "the run never reported cycle 100";
  std::printf("resident memory: %ld kB at cycle 100, %ld kB peak after it, %ld kB after cycle %d\n", at_100,
              peak_after_100, at_end, cycles + 2);
  RecordProperty("rss_kB_cycle_100", std::to_string(at_100));
  RecordProperty("rss_kB_end", std::to_string(at_end));
  // Measured once the run has completed, so the writer's queue (bounded at 200,000 rows, about 20 MB, and
  // filling and draining while the channel runs at full speed: that is what the peak shows) is empty.
  // SQLite's page caches (about 2 MB per connection) and allocator slack may settle after cycle 100;
  // growth with the cycle count would exceed this by far over 300 to 1700 further cycles.
  EXPECT_LT(at_end, at_100 + 8 * 1024) << "resident memory grew by more than 8 MB after cycle 100";
}

}  // namespace
}  // namespace cyclerd::test

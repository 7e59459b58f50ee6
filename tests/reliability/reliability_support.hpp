// The reliability campaign's shared parts: a cyclerd on a database the test chooses (so the next daemon opens
// the one a killed daemon left), optionally under a file-size limit that makes storage run "full"; the
// reference cycle tables from `cyclerctl simulate`; the counts the campaign reports.
#pragma once

#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "schema/database.hpp"
#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {

// What a campaign counts and prints; every "bad" count must stay 0.
struct CampaignCounts {
  int trials = 0;
  int kills = 0;
  int runs = 0;
  int runs_resumed_exactly = 0;           // completed, cycle table equal to the uninterrupted reference
  std::int64_t acknowledged_records = 0;  // samples the daemon reported stored before each kill
  std::int64_t acknowledged_lost = 0;     // of those, missing after restart
  int corrupt_databases = 0;              // PRAGMA integrity_check not "ok", or a gap in a run's samples
  int runs_not_resumed = 0;
  int disturbed_neighbours = 0;           // a run on another channel not exact while one channel failed

  void print(const char* name) const {
    std::printf("reliability %s: trials=%d kills=%d runs=%d runs_resumed_exactly=%d acknowledged_records=%lld "
                "acknowledged_lost=%lld corrupt_databases=%d runs_not_resumed=%d disturbed_neighbours=%d\n",
                name, trials, kills, runs, runs_resumed_exactly, static_cast<long long>(acknowledged_records),
                static_cast<long long>(acknowledged_lost), corrupt_databases, runs_not_resumed, disturbed_neighbours);
    std::fflush(stdout);
  }
};

// A campaign's length: `short_count` in the default suite, CYCLERD_RELIABILITY_TRIALS when set (the full run).
inline int trial_count(int short_count) {
  const char* env = std::getenv("CYCLERD_RELIABILITY_TRIALS");
  return env ? std::max(1, std::atoi(env)) : short_count;
}

// How a campaign starts a daemon, beyond the database it gives it.
struct LaunchOptions {
  // > 0: every file the daemon writes is limited to this many bytes (a soft limit, so lift_file_limit can
  // give the room back while it runs) and SIGXFSZ is ignored, so a write past it fails with EFBIG as on a
  // full disk.
  rlim_t max_file_bytes = 0;
  // Added to the daemon's environment (e.g. LD_PRELOAD of libfaketime).
  std::vector<std::pair<std::string, std::string>> environment;
  // Run as an unprivileged user (nobody) when the test runs as root: root writes a file whatever its mode,
  // so a read-only database is read-only only to another user.
  bool unprivileged = false;
};

inline LaunchOptions with_file_limit(rlim_t bytes) {
  LaunchOptions o;
  o.max_file_bytes = bytes;
  return o;
}

inline LaunchOptions unprivileged() {
  LaunchOptions o;
  o.unprivileged = true;
  return o;
}

// Starts cyclerd on `db` without waiting for it; its stderr is appended to dir/stderr.txt.
inline pid_t launch_cyclerd(const fs::path& dir, const fs::path& db, const LaunchOptions& options = {}) {
  fs::remove(dir / "ready.json");
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<std::string> args = {std::string(CYCLERD_BIN_DIR) + "/cyclerd", "--config", (dir / "c.json").string(),
                                     "--db", db.string(), "--listen-tcp", "127.0.0.1:0", "--ready-file",
                                     (dir / "ready.json").string(), "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (!std::freopen((dir / "stderr.txt").c_str(), "a", stderr)) _exit(127);
    for (const auto& [name, value] : options.environment) ::setenv(name.c_str(), value.c_str(), 1);
    if (options.max_file_bytes > 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // kept across exec: the write fails instead of killing the daemon
      const rlimit limit{options.max_file_bytes, RLIM_INFINITY};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    if (options.unprivileged && ::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) _exit(126);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Gives a daemon started with max_file_bytes its room back while it runs (a disk that was cleaned up).
inline bool lift_file_limit(pid_t pid) {
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  return ::prlimit(pid, RLIMIT_FSIZE, &unlimited, nullptr) == 0;
}

// Waits until the daemon `pid` is ready (true, `port` set) or has exited (false, `exit_code` set);
// at most 30 s.
inline bool wait_ready(pid_t pid, const fs::path& dir, std::uint16_t& port, int* exit_code = nullptr) {
  for (int i = 0; i < 3000 && !fs::exists(dir / "ready.json"); ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!fs::exists(dir / "ready.json")) return false;
  // The ready file is written whole under a temporary name and renamed, so it parses once it exists.
  port = nlohmann::json::parse(read_file(dir / "ready.json")).at("tcp").get<std::uint16_t>();
  return true;
}

// Starts cyclerd on `db` and waits until it listens. Returns the pid; `port` is set.
inline pid_t start_cyclerd(const fs::path& dir, const fs::path& db, std::uint16_t& port,
                           const LaunchOptions& options = {}) {
  const pid_t pid = launch_cyclerd(dir, db, options);
  if (!wait_ready(pid, dir, port)) ADD_FAILURE() << "cyclerd did not become ready: " << read_file(dir / "stderr.txt");
  return pid;
}

inline void stop(pid_t pid, int signal) {
  ::kill(pid, signal);
  ::waitpid(pid, nullptr, 0);
}

inline nlohmann::json rpc(Client& c, const std::string& method, const nlohmann::json& params = nlohmann::json::object()) {
  static int id = 0;
  const auto answer =
      c.call(nlohmann::json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", method}, {"params", params}}.dump());
  if (!answer.contains("result")) ADD_FAILURE() << method << ": " << answer.dump();
  return answer.value("result", nlohmann::json());
}

// Every run's "samples" as the daemon reports them (what it has acknowledged as stored), by run id.
inline std::map<std::int64_t, std::int64_t> acknowledged_samples(Client& c) {
  std::map<std::int64_t, std::int64_t> out;
  const auto answer = c.call(nlohmann::json{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "runs.list"}}.dump());
  if (!answer.contains("result")) return out;  // the daemon may be starting or busy: nothing acknowledged
  for (const auto& r : answer["result"]["runs"]) out[r["run_id"].get<std::int64_t>()] = r.value("samples", std::int64_t{0});
  return out;
}

// Waits until every run is final (at most `seconds`); false on timeout.
inline bool wait_all_final(Client& c, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    bool done = true;
    const nlohmann::json runs = rpc(c, "runs.list")["runs"];
    for (const auto& r : runs) {
      const std::string s = r["state"];
      if (s == "queued" || s == "running" || s == "paused" || s == "interrupted") done = false;
    }
    if (done) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// `cyclerctl simulate` of the same protocol, preset and seed: the uninterrupted reference. With `db`, its
// samples are recorded there too (as the daemon records them), under the answer's "run_id".
inline nlohmann::json simulate(const std::string& protocol, const std::string& preset, int seed,
                               const fs::path& db = {}) {
  const std::string cmd = std::string(CYCLERD_BIN_DIR) + "/cyclerctl simulate --protocol " + protocol + " --preset " +
                          preset + " --mass-mg 1 --seed " + std::to_string(seed) +
                          (db.empty() ? "" : " --db " + db.string()) + " --json 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string text;
  char buf[65536];
  while (const auto n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  ::pclose(p);
  return nlohmann::json::parse(text);
}

// The cycle table equals the reference within `tolerance_Ah` in every cycle.
inline bool same_cycles(const nlohmann::json& got, const nlohmann::json& reference, double tolerance_Ah) {
  if (got.size() != reference.size()) return false;
  for (std::size_t i = 0; i < got.size(); ++i) {
    for (const char* key : {"discharge_capacity_Ah", "charge_capacity_Ah"}) {
      if (std::abs(got[i][key].get<double>() - reference[i][key].get<double>()) > tolerance_Ah) return false;
    }
  }
  return true;
}

// What the database holds for one run: its sample count, and whether its indexes are 0..n-1 without a gap.
struct StoredRun {
  std::int64_t samples = 0;
  bool contiguous = false;
};

inline StoredRun stored_run(store::Connection& c, std::int64_t run_id) {
  auto s = c.prepare("SELECT count(*), min(sample_index), max(sample_index) FROM samples WHERE run_id=?");
  s.bind(1, run_id);
  StoredRun out;
  if (!s.step()) return out;
  out.samples = s.column_int(0);
  out.contiguous = out.samples == 0 || (s.column_int(1) == 0 && s.column_int(2) == out.samples - 1);
  return out;
}

// One run's stored samples in index order: what a neighbour's record is compared by.
struct SampleSeries {
  std::vector<std::int64_t> index;
  std::vector<double> test_time_s, unix_time_s, voltage_V;
};

inline SampleSeries stored_samples(store::Connection& c, std::int64_t run_id) {
  auto s = c.prepare(
      "SELECT sample_index, test_time_s, unix_time_s, voltage_V FROM samples WHERE run_id=? ORDER BY sample_index");
  s.bind(1, run_id);
  SampleSeries out;
  while (s.step()) {
    out.index.push_back(s.column_int(0));
    out.test_time_s.push_back(s.column_double(1));
    out.unix_time_s.push_back(s.column_double(2));
    out.voltage_V.push_back(s.column_double(3));
  }
  return out;
}

// The first place where `got` differs from `reference` in index, test time or voltage; empty when the
// record is the same sample for sample (same count, no gap, no repeat, the same record rate).
inline std::string first_difference(const SampleSeries& got, const SampleSeries& reference) {
  const std::size_t n = std::min(got.index.size(), reference.index.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (got.index[i] != reference.index[i] || std::abs(got.test_time_s[i] - reference.test_time_s[i]) > 1e-9 ||
        std::abs(got.voltage_V[i] - reference.voltage_V[i]) > 1e-9) {
      return "row " + std::to_string(i) + ": index " + std::to_string(got.index[i]) + " t " +
             std::to_string(got.test_time_s[i]) + " s, expected index " + std::to_string(reference.index[i]) + " t " +
             std::to_string(reference.test_time_s[i]) + " s";
    }
  }
  if (got.index.size() != reference.index.size()) {
    return std::to_string(got.index.size()) + " samples, expected " + std::to_string(reference.index.size());
  }
  return {};
}

inline bool integrity_ok(store::Connection& c) {
  auto ic = c.prepare("PRAGMA integrity_check");
  return ic.step() && ic.column_text(0) == "ok";
}

}  // namespace cyclerd::test

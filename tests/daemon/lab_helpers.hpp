// Helpers for tests that restart cyclerd on the same database: start it on a chosen file, call a method,
// wait for a run's state, count its stored samples.
#pragma once

#include "schema/database.hpp"
#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {

// A cyclerd on a database path chosen by the test, so a second daemon can open the first one's file.
inline pid_t start_cyclerd_on(const fs::path& dir, const fs::path& config, const fs::path& db, std::uint16_t& port,
                              std::vector<std::string> extra = {}, const std::string& log_level = "warn") {
  fs::remove(dir / "ready.json");
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<std::string> args = {std::string(CYCLERD_BIN_DIR) + "/cyclerd", "--config", config.string(),
                                     "--db", db.string(), "--listen-tcp", "127.0.0.1:0", "--ready-file",
                                     (dir / "ready.json").string(), "--log-level", log_level};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (!std::freopen((dir / "stderr.txt").c_str(), "a", stderr)) _exit(127);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  for (int i = 0; i < 1000 && !fs::exists(dir / "ready.json"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  port = nlohmann::json::parse(read_file(dir / "ready.json")).at("tcp").get<std::uint16_t>();
  return pid;
}

inline void kill_and_wait(pid_t pid, int signal) {
  ::kill(pid, signal);
  ::waitpid(pid, nullptr, 0);
}

// Calls a method; a test failure (and null) when the daemon answers with an error.
inline nlohmann::json call_ok(Client& c, const std::string& method, const nlohmann::json& params = nlohmann::json::object()) {
  static int id = 0;
  const auto answer =
      c.call(nlohmann::json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", method}, {"params", params}}.dump());
  if (!answer.contains("result")) ADD_FAILURE() << method << ": " << answer.dump();
  return answer.value("result", nlohmann::json());
}

// Waits (at most `seconds`) until the run is in `state`.
inline bool wait_run_state(Client& c, std::int64_t run_id, const std::string& state, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (call_ok(c, "runs.get", {{"run_id", run_id}})["state"] == state) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// count(*), min and max sample index of a run in the database file.
struct SampleCount {
  std::int64_t count = 0, min_index = -1, max_index = -1;
};
inline SampleCount stored_samples(const fs::path& db, std::int64_t run_id) {
  store::Connection c(db.string(), store::OpenMode::read_only);
  auto s = c.prepare("SELECT count(*), coalesce(min(sample_index), -1), coalesce(max(sample_index), -1) FROM samples WHERE run_id=?");
  s.bind(1, run_id);
  SampleCount out;
  if (s.step()) out = {s.column_int(0), s.column_int(1), s.column_int(2)};
  return out;
}

}  // namespace cyclerd::test

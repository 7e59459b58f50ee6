// Test helpers for the storage tests through the real binaries: a cyclerd on a database file the test
// chooses (with extra environment), its configuration, JSON-RPC calls that keep the error, and cyclerctl's
// output.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "schema/database.hpp"
#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test::storage {

using nlohmann::json;

// A cyclerd on `db` with `env` added to its environment; SIGKILLed if the test does not stop it.
class DaemonOnFile {
 public:
  DaemonOnFile(const fs::path& dir, const std::string& config_json, const fs::path& db,
               std::vector<std::pair<std::string, std::string>> env = {}) {
    write_file(dir / "cyclerd.json", config_json);
    fs::remove(dir / "ready.json");
    pid_ = ::fork();
    if (pid_ == 0) {
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      std::vector<std::string> args = {std::string(CYCLERD_BIN_DIR) + "/cyclerd", "--config",
                                       (dir / "cyclerd.json").string(), "--db", db.string(), "--listen-tcp",
                                       "127.0.0.1:0", "--ready-file", (dir / "ready.json").string(),
                                       "--log-level", "warn"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      if (!std::freopen((dir / "stderr.txt").c_str(), "a", stderr)) _exit(127);
      ::execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 1000 && !fs::exists(dir / "ready.json"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!fs::exists(dir / "ready.json")) {
      ADD_FAILURE() << "cyclerd did not become ready: " << read_file(dir / "stderr.txt");
      return;
    }
    port_ = json::parse(read_file(dir / "ready.json")).at("tcp").get<std::uint16_t>();
  }
  ~DaemonOnFile() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  DaemonOnFile(const DaemonOnFile&) = delete;
  DaemonOnFile& operator=(const DaemonOnFile&) = delete;

  // SIGTERM (the daemon checkpoints and flushes) and wait for it.
  void terminate() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// The whole answer of one call (result or error).
inline json call(Client& c, const std::string& method, const json& params = json::object()) {
  static int id = 0;
  return c.call(json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", method}, {"params", params}}.dump());
}

// The result of one call; a failed call fails the test.
inline json result(Client& c, const std::string& method, const json& params = json::object()) {
  const json answer = call(c, method, params);
  if (!answer.contains("result")) ADD_FAILURE() << method << ": " << answer.dump();
  return answer.value("result", json());
}

// Polls runs.get until the run is in `state` (at most `seconds`); the last state seen otherwise.
inline std::string wait_for_state(Client& c, std::int64_t run_id, const std::string& state, int seconds) {
  std::string now;
  for (int i = 0; i < seconds * 20; ++i) {
    now = result(c, "runs.get", {{"run_id", run_id}}).value("state", std::string());
    if (now == state) return now;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return now;
}

// Runs cyclerctl with `args`; its standard output, and the exit code in `exit_code`.
inline std::string cyclerctl(const std::string& args, int& exit_code) {
  const std::string cmd = std::string(CYCLERD_BIN_DIR) + "/cyclerctl " + args;
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string text;
  char buf[65536];
  while (const auto n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  const int status = ::pclose(p);
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return text;
}

// A single-channel simulated lab at full speed.
inline const char* kOneChannel = R"({"database": "x.sqlite", "auth": {"required": false}, "channels": [
  {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"}]})";

// A lab of simulated channels ({"id", "driver", "uri", "speed"} objects) with the configuration's "storage"
// object (max_size_mb, queue_max_rows, queue_max_mb) when not empty.
inline std::string lab_config(const json& channels, const json& storage = json::object()) {
  json config = {{"database", "x.sqlite"}, {"auth", {{"required", false}}}, {"channels", channels}};
  if (!storage.empty()) config["storage"] = storage;
  return config.dump();
}

// The database's size in bytes (pages times page size), read from outside the daemon.
inline std::int64_t database_bytes(const fs::path& db) {
  store::Connection c(db.string(), store::OpenMode::read_only);
  return c.query_int("PRAGMA page_count") * c.query_int("PRAGMA page_size");
}

}  // namespace cyclerd::test::storage

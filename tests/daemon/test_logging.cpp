// cyclerd's log files: the configuration's "log" section (relative to the file) and --log-file add a
// rotating file beside the console.
#include "tests/daemon/lab_helpers.hpp"

namespace cyclerd::test {
namespace {

const char* kConfig = R"({"auth": {"required": false}, "log": {"file": "logs/cyclerd.log", "max_size_mb": 1, "files": 2},
  "channels": [{"id": "sim-1", "driver": "sim", "uri": "sim://zns?seed=1", "speed": "max"}]})";

TEST(Logging, ConfiguredFileRelativeToTheConfigurationGetsTheStartupLines) {
  const auto dir = make_temp_dir();
  write_file(dir / "c.json", kConfig);
  std::uint16_t port = 0;
  const pid_t pid = start_cyclerd_on(dir, dir / "c.json", dir / "x.sqlite", port, {}, "info");
  kill_and_wait(pid, SIGTERM);
  const auto text = read_file(dir / "logs" / "cyclerd.log");
  EXPECT_NE(text.find("starting with"), std::string::npos) << text;
  EXPECT_NE(text.find("JSON-RPC on tcp 127.0.0.1:" + std::to_string(port)), std::string::npos) << text;
  EXPECT_NE(text.find("stopped"), std::string::npos) << text;
  // The console keeps its lines too.
  EXPECT_NE(read_file(dir / "stderr.txt").find("starting with"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Logging, LogFileFlagOverridesTheConfiguration) {
  const auto dir = make_temp_dir();
  write_file(dir / "c.json", kConfig);
  std::uint16_t port = 0;
  const pid_t pid = start_cyclerd_on(dir, dir / "c.json", dir / "x.sqlite", port,
                                     {"--log-file", (dir / "other" / "flag.log").string()}, "info");
  kill_and_wait(pid, SIGTERM);
  EXPECT_NE(read_file(dir / "other" / "flag.log").find("starting with"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "logs" / "cyclerd.log"));
  fs::remove_all(dir);
}

TEST(Logging, UnwritableLogFileIsAConfigurationErrorNamingIt) {
  const auto dir = make_temp_dir();
  write_file(dir / "blocker", "a file where a directory should be");
  const auto result = run_cyclerd({"--log-file", (dir / "blocker" / "x.log").string(), "--listen-tcp", "127.0.0.1:0",
                                   "--db", (dir / "x.sqlite").string()},
                                  dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.stderr_text.find("blocker"), std::string::npos) << result.stderr_text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test

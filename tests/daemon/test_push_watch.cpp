// `cyclerctl watch` against the real daemon: --json streams a run's notifications as JSON lines and ends
// with the run; the channels table follows the subscription and Ctrl-C ends it with exit code 0.
#include <fcntl.h>

#include "tests/daemon/push_client.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const json kLongRest = {{"name", "watch-rest"}, {"record", {{"every", "1 s"}}}, {"steps", {"Rest for 100 h"}}};

// cyclerctl with `args`, its stdout into `out` (not a terminal: frames are printed one after another).
pid_t start_cyclerctl(const std::vector<std::string>& args, const fs::path& out) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<std::string> all = {std::string(CYCLERD_BIN_DIR) + "/cyclerctl"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// The exit code, or -1 when it did not exit within `limit` (then it is killed).
int wait_exit(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(20ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

bool wait_for_text(const fs::path& file, const std::string& text, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_file(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::int64_t submit_rest(PushClient& c, const std::string& channel) {
  c.result("cells.create", {{"name", "watch-" + channel}, {"active_mass_mg", 1.0}});
  const json r = c.result("runs.submit", {{"channel", channel}, {"cell", "watch-" + channel}, {"protocol", kLongRest}});
  return r.is_object() ? r["run_id"].get<std::int64_t>() : -1;
}

TEST(Watch, JsonStreamsTheRunsNotificationsAsLinesAndEndsWithTheRun) {
  Daemon daemon(sim_channels_config(1, 100));
  PushClient c(daemon.port());
  const auto run_id = submit_rest(c, "sim-1");
  const auto out = daemon.dir() / "watch.jsonl";
  const pid_t watch = start_cyclerctl({"watch", std::to_string(run_id), "--connect",
                                       "127.0.0.1:" + std::to_string(daemon.port()), "--json"}, out);
  ASSERT_TRUE(wait_for_text(out, "\"runs.progress\"", 10s)) << read_file(out);
  c.result("runs.stop", {{"run_id", run_id}});
  ASSERT_EQ(wait_exit(watch, 10s), 0) << "watch did not end with the run";

  std::istringstream lines(read_file(out));
  std::vector<json> notes;
  for (std::string line; std::getline(lines, line);) {
    const auto n = json::parse(line, nullptr, false);
    ASSERT_FALSE(n.is_discarded()) << "not a JSON line: " << line;
    notes.push_back(n);
  }
  ASSERT_GE(notes.size(), 2u);
  for (const auto& n : notes) {
    EXPECT_EQ(n["method"], "notify");
    EXPECT_EQ(n["params"]["run_id"], run_id);
  }
  EXPECT_EQ(notes.back()["params"]["topic"], "events");
  EXPECT_EQ(notes.back()["params"]["data"]["data"]["state"], "stopped");
}

TEST(Watch, ChannelsTableFollowsTheSubscriptionAndCtrlCExitsCleanly) {
  Daemon daemon(sim_channels_config(2, 100));
  PushClient c(daemon.port());
  const auto out = daemon.dir() / "watch.txt";
  const pid_t watch = start_cyclerctl({"watch", "--connect", "127.0.0.1:" + std::to_string(daemon.port())}, out);
  ASSERT_TRUE(wait_for_text(out, "sim-2", 10s)) << read_file(out);
  EXPECT_EQ(read_file(out).find("running"), std::string::npos);
  submit_rest(c, "sim-2");
  // The run's start comes as an event, its progress (percent) once a second.
  ASSERT_TRUE(wait_for_text(out, "running", 10s)) << read_file(out);
  ASSERT_TRUE(wait_for_text(out, " %", 10s)) << read_file(out);
  ::kill(watch, SIGINT);
  EXPECT_EQ(wait_exit(watch, 5s), 0);
}

TEST(Watch, AnUnreachableDaemonIsExitCodeThree) {
  const auto dir = make_temp_dir();
  const pid_t watch = start_cyclerctl({"watch", "--connect", "127.0.0.1:1"}, dir / "out.txt");
  EXPECT_EQ(wait_exit(watch, 10s), 3);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test

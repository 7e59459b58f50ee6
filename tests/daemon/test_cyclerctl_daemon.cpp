// cyclerctl's daemon commands (issue item: status, submit, pause, resume, stop, cancel, skip, note, runs,
// show, wait, cycles, events, export, protocols list|show|validate|estimate, cells add|list): each exists, and
// with --json prints one JSON object.
#include <cstdio>

#include "tests/daemon/lab_helpers.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

struct Output {
  int code = -1;
  std::string text;
};

Output ctl(std::uint16_t port, const std::string& args) {
  const std::string cmd = std::string(CYCLERD_BIN_DIR) + "/cyclerctl --connect 127.0.0.1:" + std::to_string(port) +
                          " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  Output out;
  char buf[65536];
  while (const auto n = std::fread(buf, 1, sizeof buf, p)) out.text.append(buf, n);
  const int status = ::pclose(p);
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Runs a command with --json and returns the one JSON object it printed.
json ctl_json(std::uint16_t port, const std::string& args) {
  const auto out = ctl(port, "--json " + args);
  EXPECT_EQ(out.code, 0) << args << "\n" << out.text;
  const json doc = json::parse(out.text, nullptr, false);
  EXPECT_TRUE(doc.is_object()) << args << " did not print one JSON object:\n" << out.text.substr(0, 500);
  return doc.is_object() ? doc : json::object();
}

const char* kConfig = R"({"auth": {"required": false}, "channels": [
  {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": 2000}]})";

TEST(Cyclerctl, ProtocolsShowPrintsTheTextAndWithJsonTheObject) {
  Daemon daemon(kConfig);
  const auto text = ctl(daemon.port(), "protocols show rate-capability");
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.text.find("\"name\": \"rate-capability\""), std::string::npos) << text.text;
  const json doc = ctl_json(daemon.port(), "protocols show rate-capability");
  EXPECT_EQ(doc["protocol"]["name"], "rate-capability");
  EXPECT_TRUE(doc["protocol"]["steps"].is_array());
  EXPECT_TRUE(doc.contains("summary"));
  const auto unknown = ctl(daemon.port(), "protocols show no-such-protocol");
  EXPECT_EQ(unknown.code, 1);  // refused by the daemon
}

TEST(Cyclerctl, EveryDaemonCommandPrintsOneJsonObjectWithJson) {
  Daemon daemon(kConfig);
  const auto port = daemon.port();
  EXPECT_EQ(ctl_json(port, "cells add ZS-07 --mass-mg 1.0")["name"], "ZS-07");
  EXPECT_FALSE(ctl_json(port, "cells list")["cells"].empty());
  EXPECT_FALSE(ctl_json(port, "protocols list")["protocols"].empty());
  ctl_json(port, "protocols validate cv --cell ZS-07 --channel sim-1");
  EXPECT_TRUE(ctl_json(port, "protocols estimate cv --cell ZS-07").contains("duration_s"));
  const json submitted = ctl_json(port, "submit --channel sim-1 --cell ZS-07 --protocol rate-capability --param 'v_min=0.01 V' --tag batch-12");
  const std::string run = std::to_string(submitted["run_id"].get<std::int64_t>());
  const json queued = ctl_json(port, "submit --channel sim-1 --cell ZS-07 --protocol cv");
  EXPECT_EQ(ctl_json(port, "cancel " + std::to_string(queued["run_id"].get<std::int64_t>()))["state"], "cancelled");
  EXPECT_TRUE(ctl_json(port, "status")["channels"].is_array());
  EXPECT_EQ(ctl_json(port, "pause " + run)["run_id"], submitted["run_id"]);
  Client c(port);
  ASSERT_TRUE(wait_run_state(c, submitted["run_id"], "paused", 20));
  EXPECT_EQ(ctl_json(port, "resume " + run)["state"], "running");
  EXPECT_TRUE(ctl_json(port, "skip " + run)["skipped"].get<bool>());
  EXPECT_TRUE(ctl_json(port, "note " + run + " 'separator looked dry'")["noted"].get<bool>());
  EXPECT_EQ(ctl_json(port, "stop " + run)["run_id"], submitted["run_id"]);
  ASSERT_TRUE(wait_run_state(c, submitted["run_id"], "stopped", 20));
  EXPECT_FALSE(ctl_json(port, "runs")["runs"].empty());
  EXPECT_EQ(ctl_json(port, "show " + run)["state"], "stopped");
  const json cycles = ctl_json(port, "cycles " + run);
  EXPECT_TRUE(cycles["cycles"].is_array());
  EXPECT_TRUE(cycles["rate_table"].is_array());
  bool noted = false;
  const json events = ctl_json(port, "events " + run);  // kept: a range-for over a temporary's member dangles
  for (const auto& e : events["events"]) noted |= e["text"] == "separator looked dry";
  EXPECT_TRUE(noted);
  const json exported = ctl_json(port, "export " + run + " --format csv");
  EXPECT_EQ(exported["text"].get<std::string>().rfind("index,test_time_s", 0), 0u);
}

// `wait RUN` returns once the run has ended and its rows are stored: 0 for a completed run (with every
// sample there to export), 1 for one stopped or a wait that timed out, 1 for a run that does not exist.
TEST(Cyclerctl, WaitReturnsWhenTheRunEndsWithAnExitCodeThatSaysHow) {
  Daemon daemon(R"({"auth": {"required": false}, "channels": [
    {"id": "fast", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"},
    {"id": "slow", "driver": "sim", "uri": "sim://zns-znse?seed=2", "speed": 100}]})");
  const auto port = daemon.port();
  ctl_json(port, "cells add A --mass-mg 1.0");
  ctl_json(port, "cells add B --mass-mg 1.0");
  const json fast = ctl_json(port, "submit --channel fast --cell A --protocol rate-capability --param cycles_per_rate=1");
  const json slow = ctl_json(port, "submit --channel slow --cell B --protocol long-cycling");
  const std::string fast_run = std::to_string(fast["run_id"].get<std::int64_t>());
  const std::string slow_run = std::to_string(slow["run_id"].get<std::int64_t>());

  const auto done = ctl(port, "--json wait " + fast_run + " --every 0.05 --timeout 300");
  ASSERT_EQ(done.code, 0) << done.text;
  const json run = json::parse(done.text);
  EXPECT_EQ(run["state"], "completed");
  EXPECT_GT(run["samples"].get<std::int64_t>(), 1000);
  // Nothing of the run comes after the wait: what it reported is what is stored.
  EXPECT_EQ(ctl_json(port, "show " + fast_run)["samples"], run["samples"]);

  const auto timed_out = ctl(port, "wait " + slow_run + " --every 0.05 --timeout 0.3");
  EXPECT_EQ(timed_out.code, 1);
  EXPECT_NE(timed_out.text.find("running"), std::string::npos) << timed_out.text;

  ctl_json(port, "stop " + slow_run);
  const auto stopped = ctl(port, "wait " + slow_run + " --every 0.05 --timeout 60");
  EXPECT_EQ(stopped.code, 1);
  EXPECT_NE(stopped.text.find("stopped"), std::string::npos) << stopped.text;

  EXPECT_EQ(ctl(port, "wait 999 --timeout 1").code, 1);  // no such run: the daemon says so
  EXPECT_EQ(ctl(port, "wait " + fast_run + " --every 0").code, 2);  // usage
}

TEST(Cyclerctl, NoDaemonIsExitThreeWithAClearMessage) {
  const auto out = ctl(1, "status");  // port 1: nothing listens there
  EXPECT_EQ(out.code, 3);
}

}  // namespace
}  // namespace cyclerd::test

// Roles over the real daemon: a viewer and a client that never logged in try every method that changes
// something, and nothing changes.
#include <gtest/gtest.h>

#include <thread>

#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

constexpr const char* kOperatorToken = "op-0123456789abcdef";
constexpr const char* kViewerToken = "view-0123456789abcdef";

// One simulated channel in real time, so a submitted run is still running while the others try to stop it.
std::string secured_realtime_config(const fs::path& dir) {
  write_file(dir / "tokens.txt", std::string("operator ") + kOperatorToken + " Ana Costa\nviewer " + kViewerToken +
                                     " dashboard\n");
  return R"({"auth": {"token_file": ")" + (dir / "tokens.txt").string() + R"(", "required": true},)" +
         R"("channels": [{"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "realtime"}]})";
}

json request(const std::string& method, const json& params, int id) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", id}};
}

int error_code(const json& response) {
  return response.is_object() && response.contains("error") ? response["error"]["code"].get<int>() : 0;
}

// Every mutating method of DESIGN.md's table, with parameters that an operator's call would accept.
std::vector<std::pair<std::string, json>> mutating_calls(std::int64_t run_id) {
  return {
      {"cells.create", {{"name", "INTRUDER-1"}, {"active_mass_mg", 1.0}}},
      {"runs.submit", {{"channel", "sim-1"}, {"cell", "ZS-07"}, {"protocol", "activation"}}},
      {"runs.pause", {{"run_id", run_id}}},
      {"runs.resume", {{"run_id", run_id}}},
      {"runs.stop", {{"run_id", run_id}}},
      {"runs.cancel", {{"run_id", run_id}}},
      {"runs.skip_step", {{"run_id", run_id}}},
      {"runs.note", {{"run_id", run_id}, {"text", "not allowed"}}},
      {"channels.reset", {{"channel", "sim-1"}}},
  };
}

TEST(Roles, ViewerAndAnonymousClientsCannotChangeAnything) {
  const auto dir = make_temp_dir();
  Daemon daemon(secured_realtime_config(dir));

  Client op(daemon.port());
  ASSERT_EQ(op.call(request("auth.login", {{"token", kOperatorToken}}, 1).dump())["result"]["role"], "operator");
  const json cell = op.call(request("cells.create", {{"name", "ZS-07"}, {"active_mass_mg", 1.0}}, 2).dump());
  ASSERT_TRUE(cell.contains("result")) << cell;
  const json submitted = op.call(
      request("runs.submit", {{"channel", "sim-1"}, {"cell", "ZS-07"}, {"protocol", "long-cycling"}}, 3).dump());
  ASSERT_TRUE(submitted.contains("result")) << submitted;
  const std::int64_t run_id = submitted["result"]["run_id"].get<std::int64_t>();

  Client viewer(daemon.port());
  ASSERT_EQ(viewer.call(request("auth.login", {{"token", kViewerToken}}, 1).dump())["result"]["role"], "viewer");
  Client anonymous(daemon.port());

  int id = 10;
  for (const auto& [method, params] : mutating_calls(run_id)) {
    const json as_viewer = viewer.call(request(method, params, ++id).dump());
    EXPECT_EQ(error_code(as_viewer), -32002) << method << ": " << as_viewer;
    EXPECT_EQ(as_viewer["error"]["data"]["code"], "forbidden") << method;
    const json as_anonymous = anonymous.call(request(method, params, ++id).dump());
    EXPECT_EQ(error_code(as_anonymous), -32001) << method << ": " << as_anonymous;
  }

  // Nothing changed: one cell, one run still running, no note and no state change by anyone but Ana.
  const json cells = op.call(request("cells.list", json::object(), 50).dump());
  ASSERT_TRUE(cells.contains("result")) << cells;
  EXPECT_EQ(cells["result"].dump().find("INTRUDER"), std::string::npos) << cells;
  const json runs = op.call(request("runs.list", json::object(), 51).dump());
  ASSERT_TRUE(runs.contains("result")) << runs;
  EXPECT_EQ(runs["result"].dump().find("\"activation\""), std::string::npos) << runs;
  const json run = op.call(request("runs.get", {{"run_id", run_id}}, 52).dump());
  EXPECT_EQ(run["result"]["state"], "running") << run;
  const json events = op.call(request("runs.events", {{"run_id", run_id}}, 53).dump());
  ASSERT_TRUE(events.contains("result")) << events;
  EXPECT_EQ(events["result"].dump().find("dashboard"), std::string::npos) << events;
  EXPECT_EQ(events["result"].dump().find("not allowed"), std::string::npos) << events;

  // And the operator still can: the gate is the role, not the method.
  const json note = op.call(request("runs.note", {{"run_id", run_id}, {"text", "checked by Ana"}}, 54).dump());
  EXPECT_TRUE(note.contains("result")) << note;
}

TEST(Roles, OperatorSkipsAStepAndTheEventSaysWho) {
  const auto dir = make_temp_dir();
  Daemon daemon(secured_realtime_config(dir));
  Client op(daemon.port());
  ASSERT_TRUE(op.call(request("auth.login", {{"token", kOperatorToken}}, 1).dump()).contains("result"));
  ASSERT_TRUE(op.call(request("cells.create", {{"name", "ZS-07"}, {"active_mass_mg", 1.0}}, 2).dump()).contains("result"));
  const json submitted = op.call(
      request("runs.submit", {{"channel", "sim-1"}, {"cell", "ZS-07"}, {"protocol", "long-cycling"}}, 3).dump());
  ASSERT_TRUE(submitted.contains("result")) << submitted;
  const std::int64_t run_id = submitted["result"]["run_id"].get<std::int64_t>();
  // The run must be executing before a step can be skipped.
  for (int i = 0; i < 50; ++i) {
    if (op.call(request("runs.get", {{"run_id", run_id}}, 4).dump())["result"]["state"] == "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const json skipped = op.call(request("runs.skip_step", {{"run_id", run_id}}, 5).dump());
  ASSERT_TRUE(skipped.contains("result")) << skipped;
  std::string events;
  for (int i = 0; i < 60 && events.find("skipped by Ana Costa") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    events = op.call(request("runs.events", {{"run_id", run_id}}, 6).dump()).dump();
  }
  EXPECT_NE(events.find("skipped by Ana Costa"), std::string::npos) << events;
  EXPECT_EQ(op.call(request("runs.get", {{"run_id", run_id}}, 7).dump())["result"]["state"], "running");
}

}  // namespace
}  // namespace cyclerd::test

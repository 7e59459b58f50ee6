// The methods cyclerd serves without the Lab, through the real binary: daemon.info, protocols.*,
// channels.* (from the embedded config/sim.json).
#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

json call(Client& client, const std::string& method, const json& params = json::object()) {
  return client.call(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", 1}}.dump());
}

TEST(Methods, DaemonInfoListsVersionApiDatabaseAndRegisteredDrivers) {
  Daemon daemon;
  Client client(daemon.port());
  const auto info = call(client, "daemon.info")["result"];
  EXPECT_EQ(info["api_version"], 1);
  EXPECT_TRUE(info["version"].is_string());
  EXPECT_GE(info["uptime_s"].get<double>(), 0);
  EXPECT_EQ(info["database"], (daemon.dir() / "test.sqlite").string());
  ASSERT_TRUE(info["drivers"].is_array());
  EXPECT_EQ(info["drivers"][0]["kind"], "sim");
}

TEST(Methods, ProtocolsListAndGetServeTheLibrary) {
  Daemon daemon;
  Client client(daemon.port());
  const auto list = call(client, "protocols.list")["result"]["protocols"];
  ASSERT_FALSE(list.empty());
  const auto name = list[0]["name"].get<std::string>();
  const auto got = call(client, "protocols.get", {{"name", name}})["result"];
  EXPECT_FALSE(json::parse(got["text"].get<std::string>()).empty());
  EXPECT_EQ(got["summary"]["name"], name);
  EXPECT_EQ(call(client, "protocols.get", {{"name", "no-such"}})["error"]["code"], -32003);
}

TEST(Methods, ProtocolsValidateAnswersAllErrorsWithPointers) {
  Daemon daemon;
  Client client(daemon.port());
  const json protocol = {{"name", "too-much"},
                         {"steps", {"Discharge at 99 A until 0.01 V", "Rest for 10 parsecs"}}};
  const auto r = call(client, "protocols.validate", {{"protocol", protocol}, {"channel", "sim-4"}});
  ASSERT_EQ(r["error"]["code"], -32005) << r;
  EXPECT_EQ(r["error"]["data"]["code"], "validation_failed");
  const auto& errors = r["error"]["data"]["errors"];
  ASSERT_GE(errors.size(), 1u) << r;
  for (const auto& e : errors) EXPECT_EQ(e["pointer"].get<std::string>().rfind("/protocol/steps/", 0), 0u) << e;
  const auto ok = call(client, "protocols.validate", {{"protocol", "gitt"}, {"cell", {{"active_mass_mg", 1.2}}}});
  EXPECT_EQ(ok["result"]["valid"], true) << ok;
  EXPECT_EQ(call(client, "protocols.validate", {{"protocol", "gitt"}, {"channel", "sim-9"}})["error"]["code"], -32003);
  EXPECT_EQ(call(client, "protocols.validate", json::object())["error"]["code"], -32602);
}

TEST(Methods, ChannelsComeFromTheConfigurationAndAreIdle) {
  Daemon daemon;
  Client client(daemon.port());
  const auto channels = call(client, "channels.list")["result"]["channels"];
  ASSERT_EQ(channels.size(), 4u);
  EXPECT_EQ(channels[0]["channel"], "sim-1");
  EXPECT_EQ(channels[0]["state"], "idle");
  const auto one = call(client, "channels.get", {{"channel", "sim-4"}})["result"];
  EXPECT_DOUBLE_EQ(one["range"]["i_max_A"].get<double>(), 0.1);  // narrowed by the configured limit
  const auto missing = call(client, "channels.get", {{"channel", "sim-9"}});
  EXPECT_EQ(missing["error"]["code"], -32003);
  EXPECT_NE(missing["error"]["message"].get<std::string>().find("sim-1"), std::string::npos);
}

}  // namespace
}  // namespace cyclerd::test

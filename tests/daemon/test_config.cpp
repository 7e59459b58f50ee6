// The configuration file: its shape, errors that name the key by pointer, paths, overrides, the
// embedded default and driver checks.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "daemon/config.hpp"

namespace cyclerd {
namespace {

const std::string kMinimal = R"({"auth": {"required": false}})";

Config parse(const std::string& text) { return parse_config(text, "lab.json", "/etc/cyclerd"); }

// The error's message, or "" when the text was accepted.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "lab.json");
    return e.message();
  }
  return "";
}

TEST(Config, ReadsTheDesignExample) {
  const auto config = parse(R"({
    "database": "cyclerd.sqlite",
    "listen": {"tcp": "127.0.0.1:7710", "http": "127.0.0.1:7711"},
    "auth": {"token_file": "tokens.txt", "required": true},
    "on_event": {"command": "notify-lab.sh", "events": ["completed", "failed", "safety_trip"]},
    "log_level": "debug",
    "channels": [
      {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"},
      {"id": "sim-2", "driver": "sim", "uri": "sim://zns", "speed": 20000, "on_restart": "hold",
       "limits": {"v_min": "-0.1 V", "v_max": "3.2 V", "i_max": "100 mA"}}
    ]})");
  EXPECT_EQ(config.database, "/etc/cyclerd/cyclerd.sqlite");
  EXPECT_EQ(config.token_file, "/etc/cyclerd/tokens.txt");
  EXPECT_EQ(config.on_event_command, "/etc/cyclerd/notify-lab.sh");
  EXPECT_EQ(config.on_event_events.size(), 3u);
  EXPECT_EQ(config.listen_tcp.port, 7710);
  EXPECT_EQ(config.listen_http->port, 7711);
  EXPECT_TRUE(config.auth_required);
  EXPECT_EQ(config.log_level, "debug");
  ASSERT_EQ(config.channels.size(), 2u);
  EXPECT_EQ(config.channels[0].on_restart, RestartPolicy::resume);  // simulated: resume by default
  EXPECT_EQ(config.channels[1].on_restart, RestartPolicy::hold);
  EXPECT_DOUBLE_EQ(*config.channels[1].limits.i_max_A, 0.1);
  EXPECT_DOUBLE_EQ(*config.channels[1].limits.v_min_V, -0.1);
  EXPECT_EQ(config.channels[1].driver_options(), (nlohmann::json{{"speed", 20000}}));
}

TEST(Config, UnknownKeysAreNamedWithTheirPointer) {
  EXPECT_NE(error_of(R"({"databse": "x", "auth": {"required": false}})").find("/databse: unknown key 'databse'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"auth": {"required": false, "tokens": "t"}})").find("/auth/tokens"), std::string::npos);
  const auto nested = error_of(
      R"({"auth": {"required": false}, "channels": [{"id": "a", "driver": "sim", "uri": "sim://zns"},
          {"id": "b", "driver": "sim", "uri": "sim://zns", "limits": {"vmax": "3 V"}}]})");
  EXPECT_NE(nested.find("/channels/1/limits/vmax"), std::string::npos) << nested;
  EXPECT_NE(nested.find("v_max"), std::string::npos) << nested;  // says what would be right
}

TEST(Config, BadValuesAreNamedWithTheirPointer) {
  const auto channel = [](const std::string& fields) {
    return R"({"auth": {"required": false}, "channels": [{"id": "a", "driver": "sim", "uri": "sim://zns")" + fields +
           "}]}";
  };
  EXPECT_NE(error_of(channel(R"(, "limits": {"i_max": "3 V"})")).find("/channels/0/limits/i_max"), std::string::npos);
  EXPECT_NE(error_of(channel(R"(, "speed": "fast")")).find("/channels/0/speed"), std::string::npos);
  EXPECT_NE(error_of(channel(R"(, "on_restart": "maybe")")).find("/channels/0/on_restart"), std::string::npos);
  EXPECT_NE(error_of(R"({"auth": {"required": false}, "channels": [{"id": "a", "driver": "keithley", "uri": "x"}]})")
                .find("/channels/0/driver: unknown driver 'keithley' (known: sim"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"auth": {"required": false}, "channels": [{"id": "a", "driver": "sim", "uri": "sim://zns"},
                          {"id": "a", "driver": "sim", "uri": "sim://zns"}]})")
                .find("/channels/1/id"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"auth": {"required": false}, "listen": {"tcp": "7710"}})").find("/listen/tcp"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"auth": {"required": false}, "on_event": {"events": ["done"]}})").find("/on_event/events/0"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"auth": {"required": true}})").find("/auth"), std::string::npos);
  EXPECT_NE(error_of("{not json").find("not valid JSON"), std::string::npos);
}

TEST(Config, AbsolutePathsStayAndFlagsOverride) {
  auto config = parse(R"({"database": "/var/lib/cyclerd/lab.sqlite", "auth": {"required": false}})");
  EXPECT_EQ(config.database, "/var/lib/cyclerd/lab.sqlite");
  apply_overrides(config, {.database = "other.sqlite", .listen_tcp = "127.0.0.1:0", .listen_http = std::nullopt,
                           .token_file = "t.txt", .ready_file = "ready.json", .log_level = "warn", .log_file = std::nullopt});
  EXPECT_EQ(config.database, "other.sqlite");
  EXPECT_EQ(config.listen_tcp.port, 0);
  EXPECT_EQ(config.token_file, "t.txt");
  EXPECT_EQ(config.ready_file, "ready.json");
  EXPECT_EQ(config.log_level, "warn");
  try {
    ConfigOverrides loud;
    loud.log_level = "loud";
    apply_overrides(config, loud);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "--log-level");
  }
}

TEST(Config, EmbeddedSimConfigHasSimulatedChannelsAndChecksOut) {
  const auto config = default_config();
  ASSERT_GE(config.channels.size(), 3u);
  for (const auto& c : config.channels) EXPECT_EQ(c.driver, "sim");
  EXPECT_EQ(config.listen_tcp.host, "127.0.0.1");  // loopback by default
  EXPECT_NO_THROW(check_channel_drivers(config));
}

TEST(Config, DriverCheckNamesTheChannelWithABadUri) {
  const auto config = parse(R"({"auth": {"required": false}, "channels": [
      {"id": "sim-7", "driver": "sim", "uri": "sim://no-such-material"}]})");
  try {
    check_channel_drivers(config);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/channels/0 (sim-7)"), std::string::npos) << e.what();
  }
}

TEST(Config, ListenAddressForms) {
  EXPECT_EQ(ListenAddress::parse("[::1]:7710").host, "::1");
  EXPECT_EQ(ListenAddress::parse("localhost:1").port, 1);
  EXPECT_THROW(ListenAddress::parse("example.org:80"), Error);
  EXPECT_THROW(ListenAddress::parse("127.0.0.1:65536"), Error);
}

TEST(Config, LogFileIsRelativeToTheFileWithRotationBounds) {
  const auto config = parse(R"({"auth": {"required": false}, "log": {"file": "logs/cyclerd.log", "max_size_mb": 2.5, "files": 3}})");
  EXPECT_EQ(config.log_file, "/etc/cyclerd/logs/cyclerd.log");
  EXPECT_DOUBLE_EQ(config.log_max_size_mb, 2.5);
  EXPECT_EQ(config.log_files, 3);
  EXPECT_FALSE(parse(kMinimal).log_file);  // console only unless asked
}

TEST(Config, LogSectionRefusesUnknownKeysAndBadBounds) {
  EXPECT_NE(error_of(R"({"auth": {"required": false}, "log": {"path": "x.log"}})").find("/log/path"), std::string::npos);
  EXPECT_NE(error_of(R"({"auth": {"required": false}, "log": {"file": "x.log", "files": 0}})").find("/log/files"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"auth": {"required": false}, "log": {"file": "x.log", "max_size_mb": "10"}})")
                .find("/log/max_size_mb"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"auth": {"required": false}, "log": {"file": 3}})").find("/log/file"), std::string::npos);
}

TEST(Config, LogFileFlagOverridesTheFile) {
  auto config = parse(R"({"auth": {"required": false}, "log": {"file": "a.log"}})");
  ConfigOverrides overrides;
  overrides.log_file = "b.log";
  apply_overrides(config, overrides);
  EXPECT_EQ(config.log_file, "b.log");
}

}  // namespace
}  // namespace cyclerd

// The real cyclerd over TCP: authentication, hostile and broken clients, limits, the ready file,
// shutdown, and configuration errors as a user sees them.
#include <gtest/gtest.h>

#include "tests/daemon/daemon_process.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

constexpr const char* kOperatorToken = "op-0123456789abcdef";
constexpr const char* kViewerToken = "view-0123456789abcdef";

// A configuration with a token file (auth required) and small limits, written beside the config.
std::string secured_config(const fs::path& dir, const std::string& limits = "") {
  write_file(dir / "tokens.txt", std::string("# test tokens\noperator ") + kOperatorToken + " Ana Costa\nviewer " +
                                     kViewerToken + " dashboard\n");
  return R"({"auth": {"token_file": ")" + (dir / "tokens.txt").string() + R"(", "required": true},)" +
         (limits.empty() ? "" : R"("limits": )" + limits + ",") +
         R"("channels": [{"id": "sim-1", "driver": "sim", "uri": "sim://zns?seed=1", "speed": "max"}]})";
}

std::string login(const std::string& token, int id = 1) {
  return json{{"jsonrpc", "2.0"}, {"method", "auth.login"}, {"params", {{"token", token}}}, {"id", id}}.dump();
}
const std::string kInfo = R"({"jsonrpc": "2.0", "method": "daemon.info", "id": 7})";

int error_code(const json& response) { return response.is_object() && response.contains("error") ? response["error"]["code"].get<int>() : 0; }

// Every request below is answered: the daemon still serves a well-behaved client.
void expect_serving(const Daemon& daemon) {
  Client client(daemon.port());
  ASSERT_TRUE(client.connected());
  const auto response = client.call(kInfo);
  ASSERT_TRUE(response.is_object()) << "no answer from the daemon";
  EXPECT_EQ(response["result"]["name"], "cyclerd") << response;
}

TEST(Server, ReadyFileHasPidTcpPortAndNullHttp) {
  Daemon daemon;
  EXPECT_EQ(daemon.ready().at("pid"), daemon.pid());
  EXPECT_GT(daemon.ready().at("tcp").get<int>(), 0);
  EXPECT_TRUE(daemon.ready().at("http").is_null());
  expect_serving(daemon);
}

TEST(Server, SigtermExitsCleanlyWithClientsConnected) {
  Daemon daemon;
  Client idle(daemon.port());
  Client half(daemon.port());
  ASSERT_TRUE(half.send_raw(R"({"jsonrpc": "2.0", "meth)"));
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_TRUE(idle.closed_by_server(std::chrono::milliseconds(1000)));
}

TEST(Auth, WithoutATokenNothingIsReadable) {
  const auto dir = make_temp_dir();
  Daemon daemon(secured_config(dir));
  Client client(daemon.port());
  const auto response = client.call(kInfo);
  EXPECT_EQ(error_code(response), -32001) << response;
  EXPECT_EQ(response["error"]["data"]["code"], "unauthorized");
  EXPECT_EQ(error_code(client.call(R"({"jsonrpc": "2.0", "method": "channels.list", "id": 2})")), -32001);
  EXPECT_EQ(error_code(client.call(R"({"jsonrpc": "2.0", "method": "protocols.list", "id": 3})")), -32001);
  fs::remove_all(dir);
}

TEST(Auth, WrongTokenIsUnauthorizedAndGrantsNothing) {
  const auto dir = make_temp_dir();
  Daemon daemon(secured_config(dir));
  Client client(daemon.port());
  EXPECT_EQ(error_code(client.call(login("op-0123456789abcdeX"))), -32001);
  EXPECT_EQ(error_code(client.call(login(""))), -32001);
  EXPECT_EQ(error_code(client.call(kInfo)), -32001);
  fs::remove_all(dir);
}

TEST(Auth, ViewerAndOperatorTokensLogInWithTheirNameAndRole) {
  const auto dir = make_temp_dir();
  Daemon daemon(secured_config(dir));
  Client viewer(daemon.port());
  const auto v = viewer.call(login(kViewerToken));
  EXPECT_EQ(v["result"], (json{{"name", "dashboard"}, {"role", "viewer"}})) << v;
  EXPECT_EQ(viewer.call(kInfo)["result"]["name"], "cyclerd");
  Client op(daemon.port());
  const auto o = op.call(login(kOperatorToken));
  EXPECT_EQ(o["result"], (json{{"name", "Ana Costa"}, {"role", "operator"}})) << o;
  // A login is per connection: a third connection has none.
  Client other(daemon.port());
  EXPECT_EQ(error_code(other.call(kInfo)), -32001);
  // A failed login forgets the earlier one.
  EXPECT_EQ(error_code(viewer.call(login("nonsense-nonsense-1"))), -32001);
  EXPECT_EQ(error_code(viewer.call(kInfo)), -32001);
  fs::remove_all(dir);
}

TEST(Robustness, GarbageBytesGetParseErrorsAndTheDaemonServesOthers) {
  Daemon daemon;
  Client garbage(daemon.port());
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes.push_back(static_cast<char>((i * 7919) % 256 == 10 ? 0 : (i * 7919) % 256));
  ASSERT_TRUE(garbage.send_line(bytes));
  const auto answer = garbage.read_line();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(error_code(json::parse(*answer)), -32700);
  ASSERT_TRUE(garbage.send_line("\xff\xfe{\"jsonrpc\": \"2.0\"}"));
  EXPECT_EQ(error_code(json::parse(garbage.read_line().value_or("null"))), -32700);
  expect_serving(daemon);
}

TEST(Robustness, TenMegabyteLineIsRefusedAndTheConnectionClosed) {
  Daemon daemon;
  Client big(daemon.port());
  const std::string chunk(1 << 20, 'x');
  bool refused_midway = false;
  for (int i = 0; i < 10 && !refused_midway; ++i) refused_midway = !big.send_raw(chunk);
  big.send_raw("\n");
  const auto answer = big.read_line();
  ASSERT_TRUE(answer.has_value()) << "expected an error line before the close";
  const auto response = json::parse(*answer);
  EXPECT_EQ(error_code(response), -32600) << response;
  EXPECT_TRUE(response["id"].is_null());
  EXPECT_TRUE(big.closed_by_server(std::chrono::milliseconds(2000)));
  expect_serving(daemon);
}

TEST(Robustness, MessageOfExactlyOneMebibyteIsStillRead) {
  Daemon daemon;
  Client client(daemon.port());
  // A valid request padded with spaces to exactly 1 MiB: within the limit, so it is answered.
  std::string request = kInfo;
  request.insert(request.size() - 1, std::string((1 << 20) - request.size(), ' '));
  ASSERT_EQ(request.size(), std::size_t{1} << 20);
  const auto response = client.call(request);
  EXPECT_EQ(response["result"]["name"], "cyclerd") << response;
}

TEST(Robustness, HalfOpenConnectionsDoNotStopTheDaemon) {
  Daemon daemon;
  std::vector<std::unique_ptr<Client>> stuck;
  for (int i = 0; i < 20; ++i) {
    stuck.push_back(std::make_unique<Client>(daemon.port()));
    stuck.back()->send_raw(R"({"jsonrpc": "2.0", "method": "daemon.)");  // never finished
  }
  expect_serving(daemon);
  // A client that half-closes after a last line without a newline still gets its answer.
  Client last(daemon.port());
  last.send_raw(kInfo);
  last.shutdown_write();
  const auto answer = last.read_line();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(json::parse(*answer)["id"], 7);
}

TEST(Robustness, IdleConnectionsAreClosedAfterTheTimeout) {
  Daemon daemon(R"({"auth": {"required": false}, "limits": {"idle_timeout_s": 0.3}})");
  Client idle(daemon.port());
  idle.send_raw(R"({"jsonrpc": "2.0", )");
  EXPECT_TRUE(idle.closed_by_server(std::chrono::milliseconds(3000)));
  expect_serving(daemon);
}

TEST(Robustness, ConnectionsBeyondTheLimitAreRefusedUntilOneCloses) {
  Daemon daemon(R"({"auth": {"required": false}, "limits": {"max_connections": 3}})");
  std::vector<std::unique_ptr<Client>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<Client>(daemon.port()));
    ASSERT_EQ(open.back()->call(kInfo)["id"], 7);
  }
  Client refused(daemon.port());
  EXPECT_TRUE(refused.closed_by_server(std::chrono::milliseconds(2000)));
  open.pop_back();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  expect_serving(daemon);
}

TEST(Robustness, FloodOfInvalidRequestsIsAnsweredInOrderAndOthersAreServed) {
  Daemon daemon;
  Client flood(daemon.port());
  constexpr int kCount = 5000;
  std::string lines;
  for (int i = 0; i < kCount; ++i) {
    lines += i % 3 == 0 ? "{\"jsonrpc\": \"1.0\", \"id\": " + std::to_string(i) + "}\n"
             : i % 3 == 1 ? "[1]\n"
                          : "{nonsense\n";
  }
  ASSERT_TRUE(flood.send_raw(lines));
  expect_serving(daemon);  // while the flood is being answered
  int answered = 0;
  while (answered < kCount) {
    const auto line = flood.read_line();
    if (!line) break;
    const auto r = json::parse(*line);
    const auto& error = r.is_array() ? r[0] : r;
    EXPECT_EQ(error["error"]["code"], answered % 3 == 2 ? -32700 : -32600) << *line;
    if (answered % 3 == 0) EXPECT_EQ(error["id"], answered);
    ++answered;
  }
  EXPECT_EQ(answered, kCount);
  EXPECT_TRUE(daemon.alive());
}

TEST(Configuration, UnknownKeyIsNamedWithItsPointerAndExitCodeIsOne) {
  const auto dir = make_temp_dir();
  write_file(dir / "bad.json", R"({"auth": {"required": false}, "channels": [{"id": "sim-1", "driver": "sim",
    "uri": "sim://zns", "limits": {"v_min": "0 V", "vmax": "3 V"}}]})");
  const auto result = run_cyclerd({"--config", (dir / "bad.json").string()}, dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.stderr_text.find("/channels/0/limits/vmax"), std::string::npos) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("bad.json"), std::string::npos) << result.stderr_text;
  fs::remove_all(dir);
}

TEST(Configuration, BadTokenFileLineIsNamedByFileAndLine) {
  const auto dir = make_temp_dir();
  write_file(dir / "tokens.txt", "# ok\noperator op-0123456789abcdef ana\nadmin ad-0123456789abcdef root\n");
  const auto result = run_cyclerd({"--token-file", (dir / "tokens.txt").string(), "--check-config"}, dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.stderr_text.find("tokens.txt:3"), std::string::npos) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("admin"), std::string::npos) << result.stderr_text;
  fs::remove_all(dir);
}

TEST(Configuration, BadFlagValueIsNamed) {
  const auto dir = make_temp_dir();
  const auto result = run_cyclerd({"--listen-tcp", "127.0.0.1:99999", "--check-config"}, dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.stderr_text.find("--listen-tcp"), std::string::npos) << result.stderr_text;
  EXPECT_EQ(run_cyclerd({"--no-such-flag"}, dir).exit_code, 2);
  fs::remove_all(dir);
}

TEST(Configuration, EmbeddedDefaultChecksOut) {
  const auto dir = make_temp_dir();
  EXPECT_EQ(run_cyclerd({"--check-config"}, dir).exit_code, 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test

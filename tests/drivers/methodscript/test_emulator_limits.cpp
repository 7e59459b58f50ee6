// The channel's safety limits kept by the instrument itself, end to end on the real emulator: a host
// that is gone cannot stop a step, so the script leaves its loop past a limit and switches the cell
// off; a host that is there fails the run naming the limit instead of restarting the setpoint.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "drivers/methodscript/methodscript_driver.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"
#include "protocols/runner/channel_runner.hpp"
#include "tests/drivers/driver_test_support.hpp"
#include "tests/e2e/emulator_process.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;

std::vector<std::string> emulator_args(const std::string& link, const std::string& state_file,
                                       const std::vector<std::string>& faults) {
  std::vector<std::string> args = link == "pty" ? std::vector<std::string>{"--pty"} : std::vector<std::string>{"--tcp", "0"};
  args.insert(args.end(), {"--preset", "zns-znse", "--mass-mg", "1", "--seed", "1", "--speed", "5000",
                           "--state-file", state_file});
  for (const auto& f : faults) args.insert(args.end(), {"--fault", f});
  return args;
}

// The emulator's state file as key -> value (tools/emulators/methodscript/state_file.hpp).
std::map<std::string, std::string> read_state(const std::string& path) {
  std::map<std::string, std::string> state;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::istringstream words(line);
  for (std::string word; words >> word;) {
    auto eq = word.find('=');
    if (eq != std::string::npos) state[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return state;
}

std::string state_path(const std::string& link) {
  return testing::TempDir() + "methodscript-limits-" + link + "-" + std::to_string(::getpid()) + ".state";
}

class Limits : public testing::TestWithParam<std::string> {};

TEST_P(Limits, AnInstrumentThatLostItsHostLeavesTheChargeAtVMaxAndSwitchesTheCellOff) {
  const std::string state_file = state_path(GetParam());
  std::remove(state_file.c_str());
  // The cable is cut for good at the fifth package of a charge from about 1.75 V; v_max is 2.5 V.
  test::EmulatorProcess emulator("methodscript-emulator",
                                 emulator_args(GetParam(), state_file, {"disconnect:at=5,down_ms=-1"}), 230400);
  io_context io;
  MethodscriptDriver driver(io.get_executor(),
                            {"ms-limits", emulator.uri_with("timeout_ms=1000&backoff_ms=20&reconnect_attempts=1"),
                             {{"speed", 5000}, {"retries", 1}}, ChannelSafetyLimits{0.0, 2.5, std::nullopt}});
  ASSERT_FALSE(test::open(io, driver));
  ASSERT_FALSE(test::apply(io, driver, 0, test::current_setpoint(5e-4, 1.0)));
  Sample first = test::sample_ok(io, driver, 0);
  ASSERT_LT(first.voltage_V, 2.4) << "the charge must start well below the limit";
  // The host reads on until the link is declared dead: from then on nobody can stop the step.
  std::optional<Error> lost;
  for (int i = 0; i < 20 && !lost; ++i) lost = test::next_sample(io, driver, 0).first;
  ASSERT_TRUE(lost) << "the cable cut was not noticed";
  EXPECT_NE(std::string(lost->what()).find("gave up"), std::string::npos) << lost->what();

  std::map<std::string, std::string> state;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    state = read_state(state_file);
    if (state["script"] == "idle" && state["loop"] != "none") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(state["script"], "idle") << "the script still runs: the charge goes on past v_max";
  EXPECT_EQ(state["loop"], "meas_loop_cp");
  EXPECT_EQ(state["loop_end"], "breakloop") << "the loop must end at the limit, not at its run time";
  EXPECT_EQ(state["cell"], "off") << "on_finished switches the cell off after the loop";
  const double left_at_V = std::stod(state["potential_V"]);
  EXPECT_GT(left_at_V, 2.5);
  EXPECT_LT(left_at_V, 2.55) << "the loop is left at the first sample past v_max";
  std::remove(state_file.c_str());
}

// A run whose driver tests a tighter v_min than the protocol's discharge cut-off.
struct Failure : RunConsumer {
  void on_event(const RunEvent& e) override {
    if (e.kind == "run_failed") message = e.message;
  }
  std::string message;
};

TEST_P(Limits, AConnectedHostFailsTheRunNamingTheLimitAndTheValue) {
  const std::string state_file = state_path(GetParam());
  test::EmulatorProcess emulator("methodscript-emulator", emulator_args(GetParam(), state_file, {}), 230400);
  io_context io;
  // v_min as a URI key overrides the channel's limits; the protocol discharges to 0.01 V.
  MethodscriptDriver driver(io.get_executor(), {"ms-limits", emulator.uri_with("v_min=0.5"), {{"speed", 5000}},
                                                ChannelSafetyLimits{0.0, 3.2, std::nullopt}});
  ASSERT_FALSE(test::open(io, driver));
  ParseResult parsed = load_library_protocol("activation", {"rate=0.5 A/g", "cycles=1", "ocv_rest=1 min"});
  ASSERT_TRUE(parsed.ok());
  Protocol protocol = resolve(*parsed.protocol, CellInfo{1e-3, std::nullopt});
  ChannelRunner runner(driver, 0, protocol, EngineOptions{});
  Failure failure;
  runner.subscribe(failure);
  RunState state = RunState::running;
  runner.async_run([&](RunState s) { state = s; });
  test::run_until(io, [&] { return state != RunState::running; });
  EXPECT_EQ(state, RunState::failed);
  EXPECT_NE(failure.message.find("below v_min 0.5 V"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find("switched the cell off"), std::string::npos) << failure.message;
  std::map<std::string, std::string> device = read_state(state_file);
  EXPECT_EQ(device["cell"], "off");
  std::remove(state_file.c_str());
}

// What the emulator answers to `script` (lines without the empty line that ends it), over TCP.
std::string answer_to(const std::string& script) {
  test::EmulatorProcess emulator("methodscript-emulator", {"--tcp", "0"}, 0);
  const std::string address = emulator.uri().substr(std::string("tcp://").size());
  io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::asio::ip::tcp::resolver resolver(io);
  boost::asio::connect(socket, resolver.resolve(address.substr(0, address.rfind(':')), address.substr(address.rfind(':') + 1)));
  boost::asio::write(socket, boost::asio::buffer(script + "\n\n"));
  boost::asio::streambuf reply;
  boost::asio::read_until(socket, reply, '\n');
  std::string line;
  std::istream in(&reply);
  std::getline(in, line);
  return line;
}

TEST(EmulatorConditions, MisplacedBreakloopElseAndEndifAreSyntaxErrorsAtTheirLine) {
  const std::string head = "e\nvar p\nvar c\n";
  EXPECT_EQ(answer_to(head + "breakloop"), "e!4000: Line 4, Col 1") << "breakloop outside any loop";
  EXPECT_EQ(answer_to(head + "meas_loop_ocp p 1 10\n  else\nendloop"), "e!4000: Line 5, Col 3") << "else without if";
  EXPECT_EQ(answer_to(head + "meas_loop_ocp p 1 10\n  if p > 1\nendloop"), "e!4000: Line 6, Col 1")
      << "endloop inside an open if";
  EXPECT_EQ(answer_to(head + "meas_loop_ocp p 1 10\n  if q > 1\n  endif\nendloop"), "e!4007: Line 5, Col 6")
      << "an undeclared variable";
  EXPECT_EQ(answer_to(head + "meas_loop_ocp p 1 10\n  if p => 1\n  endif\nendloop"), "e!4002: Line 5, Col 8")
      << "an unknown comparison";
  EXPECT_EQ(answer_to(head + "meas_loop_ocp p 1m 1\n  if p > 1\n    breakloop\n  else\n  endif\nendloop"), "e")
      << "a well-formed test is accepted";
}

INSTANTIATE_TEST_SUITE_P(Emulator, Limits, testing::Values("pty", "tcp"));

}  // namespace
}  // namespace cyclerd

// Faults between the methodscript driver and the real emulator: dropped, late and garbled lines and a cut
// cable are survived by skipping, retrying and reconnecting; past the limits the run fails with an event
// that names the cause.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "drivers/methodscript/methodscript_driver.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"
#include "protocols/runner/channel_runner.hpp"
#include "tests/drivers/driver_test_support.hpp"
#include "tests/e2e/emulator_process.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;

struct Outcome : RunConsumer {
  void on_cycle_end(const CycleEnd& c) override { cycles.push_back(c); }
  void on_event(const RunEvent& e) override {
    if (e.kind == "run_failed") failure = e.message;
  }
  std::vector<CycleEnd> cycles;
  std::string failure;
  RunState state = RunState::running;
  int reconnects = 0;
};

// Runs a short activation (one cycle at 0.5 A/g) on the emulator started with `faults`.
Outcome run_with(const std::string& link, const std::vector<std::string>& faults, const std::string& uri_keys = "") {
  std::vector<std::string> args = link == "pty" ? std::vector<std::string>{"--pty"} : std::vector<std::string>{"--tcp", "0"};
  args.insert(args.end(), {"--preset", "zns-znse", "--mass-mg", "1", "--seed", "1", "--speed", "5000"});
  for (const auto& f : faults) args.insert(args.end(), {"--fault", f});
  test::EmulatorProcess emulator("methodscript-emulator", args, 230400);
  std::string uri = emulator.uri_with("timeout_ms=500&backoff_ms=20&backoff_max_ms=100&reconnect_attempts=3" + uri_keys);
  io_context io;
  MethodscriptDriver driver(io.get_executor(), {"ms-faults", uri, {{"speed", 5000}}});
  Outcome out;
  if (auto e = test::open(io, driver)) throw *e;
  ParseResult parsed = load_library_protocol("activation", {"rate=0.5 A/g", "cycles=1", "ocv_rest=1 min"});
  Protocol protocol = resolve(*parsed.protocol, CellInfo{1e-3, std::nullopt});
  ChannelRunner runner(driver, 0, protocol, EngineOptions{});
  runner.subscribe(out);
  runner.async_run([&](RunState s) { out.state = s; });
  // Until the run ends, not until the context runs dry: a read may wait on a silent instrument.
  test::run_until(io, [&] { return out.state != RunState::running; });
  out.reconnects = driver.reconnects();
  return out;
}

class Faults : public testing::TestWithParam<std::string> {};

TEST_P(Faults, GarbledAndDroppedPackagesAreSkippedAndTheRunCompletes) {
  Outcome clean = run_with(GetParam(), {});
  Outcome noisy = run_with(GetParam(), {"garbage:every=97", "drop:every=89"});
  ASSERT_EQ(noisy.state, RunState::completed) << noisy.failure;
  ASSERT_EQ(noisy.cycles.size(), clean.cycles.size());
  // A lost package only lengthens one interval; the timer keeps the time axis, so the charge agrees.
  EXPECT_NEAR(noisy.cycles[0].discharge_Ah, clean.cycles[0].discharge_Ah, 0.02 * clean.cycles[0].discharge_Ah);
  EXPECT_EQ(noisy.reconnects, 0) << "bad lines alone need no reconnection";
}

TEST_P(Faults, ACutCableIsSurvivedByReconnecting) {
  // A pty goes silent (noticed by the timeout, so longer than it); TCP closes (noticed at once). The cut
  // comes during the opening rest: the instrument runs on without its host, and during a discharge it
  // would over-discharge the cell for the whole outage (as a real one does).
  const std::string down_ms = GetParam() == "pty" ? "800" : "100";
  Outcome out = run_with(GetParam(), {"disconnect:at=40,down_ms=" + down_ms}, "&retries=5");
  EXPECT_EQ(out.state, RunState::completed) << out.failure;
  EXPECT_GE(out.reconnects, 1);
}

TEST_P(Faults, AReplyLatePastTheTimeoutIsRetriedAfterReconnecting) {
  Outcome out = run_with(GetParam(), {"delay:at=300,ms=1500"});
  EXPECT_EQ(out.state, RunState::completed) << out.failure;
  EXPECT_GE(out.reconnects, 1);
}

TEST_P(Faults, ACableCutForGoodFailsTheRunNamingTheCause) {
  Outcome out = run_with(GetParam(), {"disconnect:at=300,down_ms=-1"}, "&retries=2");
  EXPECT_EQ(out.state, RunState::failed);
  EXPECT_NE(out.failure.find("gave up after 2 reconnections"), std::string::npos) << out.failure;
}

TEST_P(Faults, TooManyGarbledLinesInARowFailTheRunQuotingTheLast) {
  Outcome out = run_with(GetParam(), {"garbage:at=400,every=1,times=10"}, "&bad_lines=3");
  EXPECT_EQ(out.state, RunState::failed);
  EXPECT_NE(out.failure.find("4 unreadable lines in a row"), std::string::npos) << out.failure;
}

TEST_P(Faults, ADeviceErrorFailsTheRunWithItsMeaningAndScriptLine) {
  Outcome out = run_with(GetParam(), {"error:at=250,code=000E"});
  EXPECT_EQ(out.state, RunState::failed);
  EXPECT_NE(out.failure.find("0x000E (overflow while averaging a measurement)"), std::string::npos) << out.failure;
  EXPECT_NE(out.failure.find("pck_end"), std::string::npos) << "quotes the script line: " << out.failure;
}

INSTANTIATE_TEST_SUITE_P(Emulator, Faults, testing::Values("pty", "tcp"));

}  // namespace
}  // namespace cyclerd

// The line transport over a real pseudo-terminal and a real TCP port: framing, queueing, timeouts,
// stale input, link loss, reconnection with backoff, URI errors and the exchange trace.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "drivers/transport/line_framer.hpp"
#include "drivers/transport/transport.hpp"
#include "tests/drivers/driver_test_support.hpp"
#include "tests/drivers/transport/fake_instrument.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;
using test::FakeInstrument;
using namespace std::chrono_literals;

TransportConfig config_for(const std::string& uri, TransportOptions defaults = {}) {
  DriverConfig dc{"t", uri, {}};
  DriverSettings settings(dc, transport_scheme(uri));
  TransportConfig tc = transport_config(settings, transport_scheme(uri), std::move(defaults));
  settings.finish();
  return tc;
}

std::optional<Error> connect(io_context& io, Transport& t) {
  std::optional<std::optional<Error>> result;
  t.async_connect([&](std::optional<Error> e) { result = std::move(e); });
  test::run_until(io, [&] { return result.has_value(); });
  return *result;
}

std::optional<Error> reconnect(io_context& io, Transport& t) {
  std::optional<std::optional<Error>> result;
  t.async_reconnect([&](std::optional<Error> e) { result = std::move(e); });
  test::run_until(io, [&] { return result.has_value(); });
  return *result;
}

std::pair<std::optional<Error>, std::vector<std::string>> exchange(io_context& io, Transport& t, std::string request,
                                                                   Reply reply = Reply::line()) {
  std::optional<std::pair<std::optional<Error>, std::vector<std::string>>> result;
  t.async_exchange(std::move(request), std::move(reply),
                   [&](std::optional<Error> e, std::vector<std::string> lines) { result.emplace(e, lines); });
  test::run_until(io, [&] { return result.has_value(); });
  return *result;
}

FakeInstrument::Responder idn() {
  return [](const std::string& line) -> std::optional<std::string> {
    if (line == "*IDN?") return "ACME,SMU-1,42,1.0\r\n";
    return std::nullopt;
  };
}

class BothLinks : public testing::TestWithParam<FakeInstrument::Kind> {};

TEST_P(BothLinks, ExchangeWritesTheRequestAndReturnsTheReplyLine) {
  io_context io;
  FakeInstrument instrument(io, GetParam(), idn());
  Transport t(io.get_executor(), config_for(instrument.uri()), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  auto [error, lines] = exchange(io, t, "*IDN?");
  ASSERT_FALSE(error) << error->what();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "ACME,SMU-1,42,1.0");  // "\r\n" framed, the '\r' stripped
  EXPECT_EQ(instrument.received(), std::vector<std::string>{"*IDN?"});
}

TEST_P(BothLinks, ExchangesStartedTogetherRunOneAtATimeInOrder) {
  io_context io;
  FakeInstrument instrument(io, GetParam(), [](const std::string& line) { return "echo " + line + "\n"; });
  Transport t(io.get_executor(), config_for(instrument.uri()), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  std::vector<std::string> replies;
  for (int i = 0; i < 5; ++i) {
    t.async_exchange("Q" + std::to_string(i), Reply::line(), [&](std::optional<Error> e, std::vector<std::string> l) {
      ASSERT_FALSE(e);
      replies.push_back(l.at(0));
    });
  }
  test::run_until(io, [&] { return replies.size() == 5; });
  EXPECT_EQ(replies, (std::vector<std::string>{"echo Q0", "echo Q1", "echo Q2", "echo Q3", "echo Q4"}));
}

TEST_P(BothLinks, AMissingReplyTimesOutNamingTheRequestAndALateReplyIsDiscarded) {
  io_context io;
  FakeInstrument* self = nullptr;
  int asked = 0;
  FakeInstrument instrument(io, GetParam(), [&](const std::string& line) -> std::optional<std::string> {
    if (line == "SLOW?" && asked++ == 0) return std::nullopt;  // the first one is dropped
    return line + " reply\n";
  });
  self = &instrument;
  TransportOptions options;
  options.timeout = 50ms;
  Transport t(io.get_executor(), config_for(instrument.uri(), options), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  auto [error, lines] = exchange(io, t, "SLOW?");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::timeout);
  EXPECT_NE(std::string(error->what()).find("SLOW?"), std::string::npos) << error->what();
  EXPECT_NE(std::string(error->what()).find("50 ms"), std::string::npos) << error->what();
  self->send("SLOW? late reply\n");  // the answer to the timed-out request arrives after all
  io.restart();
  io.run_for(20ms);
  auto [error2, lines2] = exchange(io, t, "NEXT?");
  ASSERT_FALSE(error2) << error2->what();
  EXPECT_EQ(lines2.at(0), "NEXT? reply");  // not the stale line
  EXPECT_EQ(t.stats().timeouts, 1u);
  EXPECT_GT(t.stats().discarded_bytes, 0u);
}

TEST_P(BothLinks, AReplyUntilAMarkerCollectsEveryLine) {
  io_context io;
  FakeInstrument instrument(io, GetParam(), [](const std::string&) { return std::string("a\nb\nc\nEND\n"); });
  Transport t(io.get_executor(), config_for(instrument.uri()), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  auto [error, lines] = exchange(io, t, "LIST?", Reply::until_line([](std::string_view l) { return l == "END"; }));
  ASSERT_FALSE(error);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c", "END"}));
}

TEST_P(BothLinks, AWriteWithoutReplyCompletesOnceWritten) {
  io_context io;
  FakeInstrument instrument(io, GetParam(), [](const std::string&) { return std::nullopt; });
  Transport t(io.get_executor(), config_for(instrument.uri()), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  auto [error, lines] = exchange(io, t, ":OUTP OFF", Reply::none());
  ASSERT_FALSE(error);
  EXPECT_TRUE(lines.empty());
  test::run_until(io, [&] { return instrument.received().size() == 1; });
  EXPECT_EQ(instrument.received()[0], ":OUTP OFF");
}

TEST_P(BothLinks, ACutLinkEndsTheExchangeAsDisconnected) {
  io_context io;
  FakeInstrument* self = nullptr;
  FakeInstrument instrument(io, GetParam(), [&](const std::string&) -> std::optional<std::string> {
    self->cut();
    return std::nullopt;
  });
  self = &instrument;
  TransportOptions options;
  options.timeout = 2000ms;
  Transport t(io.get_executor(), config_for(instrument.uri(), options), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  auto [error, lines] = exchange(io, t, "MEAS?");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::disconnected) << error->what();
  EXPECT_FALSE(t.is_open());
  EXPECT_EQ(t.stats().disconnects, 1u);
  auto [error2, lines2] = exchange(io, t, "MEAS?");
  ASSERT_TRUE(error2);
  EXPECT_EQ(error2->code(), ErrorCode::disconnected);
}

TEST_P(BothLinks, ALineWithoutEndPastTheLimitIsAFaultNotAnUnboundedBuffer) {
  io_context io;
  FakeInstrument instrument(io, GetParam(), [](const std::string&) { return std::string(300, 'x'); });
  TransportOptions options;
  options.max_line_bytes = 100;
  Transport t(io.get_executor(), config_for(instrument.uri(), options), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  auto [error, lines] = exchange(io, t, "MEAS?");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::instrument_fault);
  EXPECT_NE(std::string(error->what()).find("100 bytes"), std::string::npos) << error->what();
}

TEST_P(BothLinks, ATimedOutExchangeLeavesNoReadInFlight) {
  // The instrument lives on its own io_context (its own thread), so the transport's io_context holds
  // only the transport's work: once that is done, run() returns.
  io_context instrument_io;
  auto guard = boost::asio::make_work_guard(instrument_io);
  FakeInstrument instrument(instrument_io, GetParam(), [](const std::string&) { return std::nullopt; });
  std::thread far_end([&] { instrument_io.run(); });
  {
    io_context io;
    TransportOptions options;
    options.timeout = 50ms;
    Transport t(io.get_executor(), config_for(instrument.uri(), options), nullptr, "t");
    ASSERT_FALSE(connect(io, t));
    auto [error, lines] = exchange(io, t, "SLOW?");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), ErrorCode::timeout);
    // A read still waiting for the timed-out reply would keep the io_context busy (and could take a late
    // reply for the next request's answer): there is none, so run() runs out of work.
    io.restart();
    io.run_for(500ms);
    EXPECT_TRUE(io.stopped()) << "an operation is still in flight after the timeout";
  }
  guard.reset();
  instrument_io.stop();
  far_end.join();
}

TEST_P(BothLinks, ATimeoutQuotesOnlyTheLastTwoHundredBytesReceivedAndSaysHowMuchWasCut) {
  io_context io;
  // 300 lines of 40 characters, never the end marker the exchange waits for.
  std::string chatter;
  for (int i = 0; i < 300; ++i) chatter += "line " + std::to_string(1000 + i) + std::string(30, '.') + "\n";
  FakeInstrument instrument(io, GetParam(), [&](const std::string&) { return chatter + "tail-without-end"; });
  TransportOptions options;
  options.timeout = 100ms;
  Transport t(io.get_executor(), config_for(instrument.uri(), options), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  auto [error, lines] = exchange(io, t, "LIST?", Reply::until_line([](std::string_view l) { return l == "END"; }));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::timeout);
  const std::string text = error->what();
  EXPECT_LT(text.size(), 600u) << text;
  EXPECT_NE(text.find("cut"), std::string::npos) << text;
  EXPECT_NE(text.find("tail-without-end"), std::string::npos) << "the last bytes are quoted: " << text;
  EXPECT_EQ(text.find("line 1000"), std::string::npos) << "the first are not: " << text;
  EXPECT_EQ(lines.size(), 300u) << "the lines received are still passed along";
}

INSTANTIATE_TEST_SUITE_P(Transport, BothLinks, testing::Values(FakeInstrument::Kind::pty, FakeInstrument::Kind::tcp),
                         [](const testing::TestParamInfo<FakeInstrument::Kind>& p) { return p.param == FakeInstrument::Kind::pty ? "pty" : "tcp"; });

TEST(Transport, TerminatorsAreConfigurable) {
  io_context io;
  FakeInstrument instrument(io, FakeInstrument::Kind::pty,
                            [](const std::string& line) { return line + "=ok\r"; }, "\r");
  TransportOptions options;
  options.write_terminator = "\r";
  options.read_terminator = "\r";
  Transport t(io.get_executor(), config_for(instrument.uri(), options), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  auto [error, lines] = exchange(io, t, "V");
  ASSERT_FALSE(error);
  EXPECT_EQ(lines.at(0), "V=ok");
}

TEST(Transport, ReconnectsAfterALostTcpLink) {
  io_context io;
  FakeInstrument* self = nullptr;
  int n = 0;
  FakeInstrument instrument(io, FakeInstrument::Kind::tcp, [&](const std::string& line) -> std::optional<std::string> {
    if (n++ == 0) {
      self->cut();
      return std::nullopt;
    }
    return line + " ok\n";
  });
  self = &instrument;
  TransportOptions options;
  options.backoff_initial = 1ms;
  Transport t(io.get_executor(), config_for(instrument.uri(), options), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  EXPECT_TRUE(exchange(io, t, "A?").first);
  ASSERT_FALSE(reconnect(io, t));
  auto [error, lines] = exchange(io, t, "B?");
  ASSERT_FALSE(error) << error->what();
  EXPECT_EQ(lines.at(0), "B? ok");
  EXPECT_EQ(instrument.connections(), 2);
  EXPECT_EQ(t.stats().reconnects, 1u);
}

TEST(Transport, ReconnectGivesUpAfterTheConfiguredAttemptsNamingTheLastFailure) {
  io_context io;
  FakeInstrument instrument(io, FakeInstrument::Kind::tcp, idn());
  std::string uri = instrument.uri() + "?reconnect_attempts=3&backoff_ms=1&backoff_max_ms=4";
  Transport t(io.get_executor(), config_for(uri), nullptr, "t");
  ASSERT_FALSE(connect(io, t));
  instrument.stop_listening();
  auto error = reconnect(io, t);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::disconnected);
  std::string text = error->what();
  EXPECT_NE(text.find("after 3 attempts"), std::string::npos) << text;
  EXPECT_NE(text.find("refused"), std::string::npos) << text;
}

TEST(Transport, AMissingSerialDeviceIsDisconnectedNamingTheDevice) {
  io_context io;
  Transport t(io.get_executor(), config_for("serial:///dev/no-such-tty-here?baud=9600"), nullptr, "t");
  auto error = connect(io, t);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::disconnected);
  EXPECT_NE(std::string(error->what()).find("/dev/no-such-tty-here"), std::string::npos) << error->what();
}

TEST(Transport, AnExchangeBeforeConnectingIsDisconnectedNotAHang) {
  io_context io;
  Transport t(io.get_executor(), config_for("tcp://127.0.0.1:9"), nullptr, "t");
  auto [error, lines] = exchange(io, t, "*IDN?");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::disconnected);
}

TEST(Transport, DestroyingItDropsPendingHandlersWithoutCallingThem) {
  io_context io;
  FakeInstrument instrument(io, FakeInstrument::Kind::tcp, [](const std::string&) { return std::nullopt; });
  bool called = false;
  {
    Transport t(io.get_executor(), config_for(instrument.uri()), nullptr, "t");
    ASSERT_FALSE(connect(io, t));
    t.async_exchange("MEAS?", Reply::line(), [&](std::optional<Error>, std::vector<std::string>) { called = true; });
    io.restart();
    io.run_for(5ms);
  }
  io.restart();
  io.run_for(20ms);
  EXPECT_FALSE(called);
}

TEST(Transport, EveryExchangeIsTracedThroughTheGivenLogger) {
  io_context io;
  FakeInstrument instrument(io, FakeInstrument::Kind::pty, idn());
  std::ostringstream trace;
  auto logger = std::make_shared<spdlog::logger>("drv.test", std::make_shared<spdlog::sinks::ostream_sink_st>(trace));
  logger->set_level(spdlog::level::debug);
  Transport t(io.get_executor(), config_for(instrument.uri()), logger, "smu-1");
  ASSERT_FALSE(connect(io, t));
  ASSERT_FALSE(exchange(io, t, "*IDN?").first);
  std::string text = trace.str();
  EXPECT_NE(text.find("smu-1 serial:///dev/pts/"), std::string::npos) << text;
  EXPECT_NE(text.find("> *IDN?\\n"), std::string::npos) << text;
  EXPECT_NE(text.find("< ACME,SMU-1,42,1.0"), std::string::npos) << text;
}

TEST(TransportUri, BadKeysAndTargetsAreNamed) {
  auto message = [](const std::string& uri) {
    try {
      config_for(uri);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("serial:///dev/ttyUSB0?baud=fast").find("baud"), std::string::npos);
  EXPECT_NE(message("serial:///dev/ttyUSB0?parity=maybe").find("parity"), std::string::npos);
  EXPECT_NE(message("serial://ttyUSB0").find("absolute device path"), std::string::npos);
  EXPECT_NE(message("tcp://10.0.0.5").find("host:port"), std::string::npos);
  EXPECT_NE(message("tcp://10.0.0.5:99999").find("port"), std::string::npos);
  EXPECT_NE(message("tcp://10.0.0.5:5025?colour=red").find("colour"), std::string::npos);
  EXPECT_NE(message("gpib://5").find("not a transport"), std::string::npos);
  EXPECT_EQ(config_for("tcp://[::1]:5025").endpoint.host, "::1");
  EXPECT_EQ(config_for("serial:///dev/ttyUSB0?baud=57600&parity=even&stop=2").endpoint.baud, 57600);
}

TEST(LineFramer, SplitsAtTheTerminatorAndKeepsTheTail) {
  LineFramer framer("\n", true, 1024);
  framer.feed("one\r\ntw");
  EXPECT_EQ(framer.next_line(), "one");
  EXPECT_EQ(framer.next_line(), std::nullopt);
  framer.feed("o\n");
  EXPECT_EQ(framer.next_line(), "two");
  EXPECT_EQ(printable("a\x01\r\n"), "a\\x01\\r\\n");
}

}  // namespace
}  // namespace cyclerd

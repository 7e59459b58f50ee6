// The scpi-smu driver against a misbehaving instrument: instrument errors, a wrong identity, bad readings
// (NaN, truncated, overflow, a prompt), and a cut link. Each becomes a clear Error, never a crash.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "drivers/registry.hpp"
#include "drivers/scpi-smu/reading.hpp"
#include "tests/drivers/driver_test_support.hpp"
#include "tests/drivers/transport/fake_instrument.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;
using test::FakeInstrument;

// A 2400 that answers every query sensibly unless told otherwise.
struct Fake2400 {
  std::string idn = "KEITHLEY INSTRUMENTS INC.,MODEL 2400,1,C30";
  std::vector<std::string> errors;    // popped one per :SYST:ERR?
  std::vector<std::string> readings;  // popped one per :READ? (then the default)
  int reads = 0;
  std::optional<std::string> operator()(const std::string& line) {
    if (line == "*IDN?") return idn + "\n";
    if (line == "*OPC?") return std::string("1\n");
    if (line == ":SYST:ERR?") {
      if (errors.empty()) return std::string("0,\"No error\"\n");
      std::string e = errors.front();
      errors.erase(errors.begin());
      return e + "\n";
    }
    if (line == ":READ?") {
      ++reads;
      if (!readings.empty()) {
        std::string r = readings.front();
        readings.erase(readings.begin());
        return r;
      }
      return std::string("+1.5E+00,-1.0E-03,+") + std::to_string(reads) + ".0\n";
    }
    return std::nullopt;
  }
};

std::unique_ptr<Driver> make(io_context& io, FakeInstrument& instrument, nlohmann::json extra = {}) {
  nlohmann::json options = {{"model", "keithley-2400"}, {"v_max", 3.2}, {"v_min", 0}, {"i_max", 0.01},
                            {"speed", 1000}, {"error_poll", 0}, {"timeout_ms", 100}, {"retries", 2}};
  for (auto& [k, v] : extra.items()) options[k] = v;
  return make_driver("scpi-smu", io.get_executor(), {"smu-1", instrument.uri(), options});
}

TEST(ScpiSmuDriver, AnInstrumentErrorFailsTheApplyNamingCodeMessageAndCommands) {
  io_context io;
  Fake2400 fake;
  FakeInstrument instrument(io, FakeInstrument::Kind::pty, std::ref(fake));
  auto driver = make(io, instrument);
  ASSERT_FALSE(test::open(io, *driver));
  fake.errors = {"-222,\"Data out of range\""};
  auto error = test::apply(io, *driver, 0, test::current_setpoint(-1e-3));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::instrument_fault);
  std::string text = error->what();
  EXPECT_NE(text.find("-222"), std::string::npos) << text;
  EXPECT_NE(text.find("Data out of range"), std::string::npos) << text;
  EXPECT_NE(text.find(":SOUR:CURR:LEV"), std::string::npos) << text;
  // The queue was drained: the next apply is clean.
  EXPECT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(-1e-3)));
}

TEST(ScpiSmuDriver, AnotherInstrumentAtTheAddressIsRefusedAtOpen) {
  io_context io;
  Fake2400 fake;
  fake.idn = "KEITHLEY INSTRUMENTS,MODEL 2450,1,1.7";
  FakeInstrument instrument(io, FakeInstrument::Kind::pty, std::ref(fake));
  auto driver = make(io, instrument);
  auto error = test::open(io, *driver);
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("not as a keithley-2400"), std::string::npos) << error->what();
}

struct BadCase {
  const char* name;
  const char* reply;     // what the instrument sends to :READ?
  const char* expected;  // a phrase the error must contain
};
void PrintTo(const BadCase& c, std::ostream* out) { *out << c.name; }

class BadReading : public testing::TestWithParam<BadCase> {};

TEST_P(BadReading, EveryAttemptFailingBecomesAClearFaultAndNoCrash) {
  io_context io;
  Fake2400 fake;
  FakeInstrument instrument(io, FakeInstrument::Kind::pty, std::ref(fake));
  auto driver = make(io, instrument);
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(-1e-3)));
  fake.readings = {GetParam().reply, GetParam().reply};
  auto [error, sample] = test::next_sample(io, *driver, 0);
  ASSERT_TRUE(error);
  std::string text = error->what();
  EXPECT_NE(text.find("after 2 attempts"), std::string::npos) << text;
  EXPECT_NE(text.find(GetParam().expected), std::string::npos) << text;
  // The driver switched the output off and still answers.
  EXPECT_FALSE(test::safe(io, *driver, 0));
}

TEST_P(BadReading, OneBadAttemptIsRetriedAndTheReadingGoesThrough) {
  io_context io;
  Fake2400 fake;
  FakeInstrument instrument(io, FakeInstrument::Kind::pty, std::ref(fake));
  auto driver = make(io, instrument);
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(-1e-3)));
  fake.readings = {GetParam().reply};
  Sample s = test::sample_ok(io, *driver, 0);
  EXPECT_DOUBLE_EQ(s.voltage_V, 1.5);
}

const BadCase bad_cases[] = {
    {"nan", "nan,-1.0E-03,+1.0\n", "not finite"},
    {"truncated", "+1.5E+00,-1.0E-0\n", "fields"},
    {"overflow", "+9.91E+37,-1.0E-03,+1.0\n", "overflow"},
    {"out_of_range", "+150.0,-1.0E-03,+1.0\n", "beyond the model's range"},
    {"prompt", "TSP>\n", "fields"},
    {"unterminated", "+1.5E+00,-1.0E-03", "no complete reply"},
};
INSTANTIATE_TEST_SUITE_P(ScpiSmu, BadReading, testing::ValuesIn(bad_cases),
                         [](const testing::TestParamInfo<BadCase>& info_) { return std::string(info_.param.name); });

TEST(ScpiSmuDriver, ACutTcpLinkIsReconnectedAndTheReadingRetried) {
  io_context io;
  Fake2400 fake;
  FakeInstrument* self = nullptr;
  int read_count = 0;
  FakeInstrument instrument(io, FakeInstrument::Kind::tcp, [&](const std::string& line) -> std::optional<std::string> {
    if (line == ":READ?" && read_count++ == 0) {
      self->cut();
      return std::nullopt;
    }
    return fake(line);
  });
  self = &instrument;
  auto driver = make(io, instrument, {{"backoff_ms", 1}});
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(-1e-3)));
  Sample s = test::sample_ok(io, *driver, 0);
  EXPECT_DOUBLE_EQ(s.current_A, -1e-3);
  EXPECT_EQ(instrument.connections(), 2);
}

TEST(ScpiSmuDriver, UnknownModelAndMissingModelNameTheKnownOnes) {
  io_context io;
  try {
    make_driver("scpi-smu", io.get_executor(), {"smu-1", "tcp://127.0.0.1:5025", {{"model", "keithley-9999"}}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("keithley-2400, keithley-2450, keysight-b2901a"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_driver("scpi-smu", io.get_executor(), {"smu-1", "tcp://127.0.0.1:5025", {}}), Error);
  EXPECT_THROW(make_driver("scpi-smu", io.get_executor(), {"smu-1", "sim://zns", {{"model", "keithley-2400"}}}), Error);
  EXPECT_THROW(make_driver("scpi-smu", io.get_executor(),
                           {"smu-1", "tcp://127.0.0.1:5025", {{"model", "keithley-2400"}, {"v_max", 500}}}),
               Error);
}

TEST(SmuErrorQueue, EntriesOfEveryDialectParse) {
  EXPECT_EQ(parse_error_entry("0,\"No error\"").code, 0);
  EXPECT_EQ(parse_error_entry("+0,\"No error\"").code, 0);
  auto e = parse_error_entry("-113,\"Undefined header;1;2014/01/01 00:00:00.000\"");
  EXPECT_EQ(e.code, -113);
  EXPECT_NE(e.message.find("Undefined header"), std::string::npos);
  EXPECT_THROW(parse_error_entry("garbage"), Error);
}

}  // namespace
}  // namespace cyclerd

// Protection, shown by the emulated SMU: the driver sets the compliance before every output-on, and the
// cell is not loaded while the output is off (high impedance); a NORMal off state would drain it.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "drivers/registry.hpp"
#include "drivers/sim/model/cell_params.hpp"
#include "tests/drivers/driver_test_support.hpp"
#include "tests/drivers/transport/fake_instrument.hpp"
#include "tools/emulators/scpi-smu/smu_instrument.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;
using test::FakeInstrument;

class ProtectionOnEveryModel : public testing::TestWithParam<std::string> {};

TEST_P(ProtectionOnEveryModel, ComplianceBeforeEveryOutputOnAndNoLoadWhileOff) {
  io_context io;
  const SmuModel& model = smu_model(GetParam(), "test");
  emulator::SmuInstrument smu(model, sim::load_preset("zns-znse"), 1e-3, 1);
  double now_s = 0;  // emulated time, moved by the test between operations
  FakeInstrument link(io, FakeInstrument::Kind::pty, [&](const std::string& line) -> std::optional<std::string> {
    auto replies = smu.handle(line, now_s);
    if (replies.empty()) return std::nullopt;
    std::string out;
    for (auto& r : replies) out += r + "\n";
    return out;
  });
  nlohmann::json options = {{"model", GetParam()}, {"v_min", 0}, {"v_max", 3.0}, {"i_max", 0.01},
                            {"speed", 1000}, {"error_poll", 1}};
  auto driver = make_driver("scpi-smu", io.get_executor(), {"smu-1", link.uri(), options});
  ASSERT_FALSE(test::open(io, *driver));

  // Discharge, charge, hold, rest: four output-ons (each a new source function or after safe()).
  Setpoint discharge = test::current_setpoint(-5e-5, 1.0);
  Setpoint hold;
  hold.mode = Mode::voltage;
  hold.value = 1.0;
  for (const Setpoint& sp : {discharge, test::current_setpoint(5e-5, 1.0), hold, test::rest_setpoint(1.0)}) {
    auto error = test::apply(io, *driver, 0, sp);
    ASSERT_FALSE(error) << error->what();
    for (int k = 0; k < 3; ++k) {
      now_s += 10;
      test::sample_ok(io, *driver, 0);
    }
    ASSERT_FALSE(test::safe(io, *driver, 0));
  }
  EXPECT_GE(smu.protection().output_ons, 4);
  EXPECT_EQ(smu.protection().violations, 0);

  // Off in high impedance for an hour of emulated time: nothing flows.
  EXPECT_TRUE(smu.high_impedance_off());
  double before = smu.protection().off_charge_Ah;
  now_s += 3600;
  smu.advance_to(now_s);
  EXPECT_EQ(smu.protection().off_charge_Ah, before);
}

INSTANTIATE_TEST_SUITE_P(ScpiSmu, ProtectionOnEveryModel,
                         testing::Values("keithley-2400", "keithley-2450", "keysight-b2901a"),
                         [](const testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param;
                           for (char& c : name) if (c == '-') c = '_';
                           return name;
                         });

// The registry's conformance test (tests/drivers/test_driver_registry.cpp) skips drivers that need an
// instrument; these are its checks for scpi-smu, with every model behind the emulator.
TEST_P(ProtectionOnEveryModel, PassesTheDriverConformanceChecks) {
  io_context io;
  emulator::SmuInstrument smu(smu_model(GetParam(), "test"), sim::load_preset("zns-znse"), 1e-3, 1);
  double now_s = 0;
  FakeInstrument link(io, FakeInstrument::Kind::tcp, [&](const std::string& line) -> std::optional<std::string> {
    now_s += 0.5;
    std::string out;
    for (auto& r : smu.handle(line, now_s)) out += r + "\n";
    return out.empty() ? std::nullopt : std::optional<std::string>(out);
  });
  auto driver = make_driver("scpi-smu", io.get_executor(),
                            {"conformance", link.uri() + "?v_min=0&v_max=3&i_max=0.01&speed=1000", {{"model", GetParam()}}});
  EXPECT_EQ(driver->kind(), "scpi-smu");
  ASSERT_EQ(driver->channel_count(), 1u);
  ASSERT_FALSE(test::open(io, *driver));
  Capabilities caps = driver->capabilities(0);
  EXPECT_TRUE(caps.supports(Mode::rest));
  EXPECT_LT(caps.v_min_V, caps.v_max_V);
  EXPECT_GT(caps.i_max_A, 0);
  EXPECT_GT(caps.min_sample_period_s, 0);
  EXPECT_EQ(driver->snapshot(0).has_value(), caps.can_snapshot);
  ASSERT_FALSE(test::apply(io, *driver, 0, test::rest_setpoint(1.0)));
  Sample s = test::sample_ok(io, *driver, 0);
  EXPECT_TRUE(std::isfinite(s.voltage_V));
  EXPECT_NEAR(s.current_A, 0.0, 1e-6) << "no current flows at rest";
  EXPECT_TRUE(s.has(sample_flag::setpoint_start));
  EXPECT_FALSE(test::safe(io, *driver, 0));
  EXPECT_FALSE(test::safe(io, *driver, 0)) << "safe() must be idempotent";
  auto [error, sample] = test::next_sample(io, *driver, 1);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::out_of_range);
  EXPECT_THROW(driver->capabilities(1), Error);
  auto refused = test::apply(io, *driver, 0, test::current_setpoint(caps.i_max_A * 2));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::out_of_range);
}

TEST(SmuEmulator, CountsAnOutputOnWithoutComplianceAsAViolation) {
  const SmuModel& model = smu_model("keithley-2400", "test");
  emulator::SmuInstrument smu(model, sim::load_preset("zns-znse"), 1e-3, 1);
  smu.handle(":SOUR:FUNC CURR", 0);
  smu.handle(":SOUR:CURR:LEV -1.0E-05", 0);
  smu.handle(":OUTP ON", 0);
  EXPECT_EQ(smu.protection().violations, 1);
  smu.handle(":OUTP OFF", 1);
  smu.handle(":SENS:VOLT:PROT 3.0;:OUTP ON", 2);
  EXPECT_EQ(smu.protection().violations, 1);
}

TEST(SmuEmulator, NormalOffStateLoadsTheCellHighImpedanceDoesNot) {
  const SmuModel& model = smu_model("keithley-2400", "test");
  emulator::SmuInstrument normal(model, sim::load_preset("zns-znse"), 1e-3, 1);
  normal.handle(":OUTP OFF", 0);
  normal.advance_to(600);
  EXPECT_GT(normal.protection().off_charge_Ah, 0);
  emulator::SmuInstrument himp(model, sim::load_preset("zns-znse"), 1e-3, 1);
  himp.handle(":OUTP:SMOD HIMP;:OUTP OFF", 0);
  himp.advance_to(600);
  EXPECT_EQ(himp.protection().off_charge_Ah, 0);
}

TEST(SmuEmulator, AnUnknownOrForeignHeaderIsMinus113InTheErrorQueue) {
  emulator::SmuInstrument smu(smu_model("keithley-2400", "test"), sim::load_preset("zns-znse"), 1e-3, 1);
  smu.handle(":SOUR:CURR:VLIM 3.0", 0);  // the 2450's spelling, not the 2400's
  auto replies = smu.handle(":SYST:ERR?", 0);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], "-113,\"Undefined header\"");
  EXPECT_EQ(smu.handle(":SYST:ERR?", 0).at(0), "0,\"No error\"");
}

}  // namespace
}  // namespace cyclerd

// The channel's safety limits (DriverConfig::limits, from the daemon's channel "limits") become the SMU's
// compliance when the URI and options give none; a key of the URI still wins.
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

struct Compliance {
  double voltage_V = 0;
  double current_A = 0;
  double capabilities_v_max_V = 0;
};

// Opens a B2901A with `options` and `limits`, runs a discharge and a hold, and reads the compliance
// the emulated instrument was given.
Compliance compliance_after_cc_and_cv(const nlohmann::json& options, const ChannelSafetyLimits& limits) {
  io_context io;
  const SmuModel& model = smu_model("keysight-b2901a", "test");
  emulator::SmuInstrument smu(model, sim::load_preset("zns-znse"), 1e-3, 1);
  FakeInstrument link(io, FakeInstrument::Kind::pty, [&](const std::string& line) -> std::optional<std::string> {
    auto replies = smu.handle(line, 0);
    if (replies.empty()) return std::nullopt;
    std::string out;
    for (auto& r : replies) out += r + "\n";
    return out;
  });
  DriverConfig config{"smu-1", link.uri(), options, limits};
  auto driver = make_driver("scpi-smu", io.get_executor(), config);
  Compliance c;
  c.capabilities_v_max_V = driver->capabilities(0).v_max_V;
  EXPECT_FALSE(test::open(io, *driver));
  EXPECT_FALSE(test::apply(io, *driver, 0, test::current_setpoint(-5e-5, 1.0)));
  c.voltage_V = smu.voltage_compliance_V();
  Setpoint hold;
  hold.mode = Mode::voltage;
  hold.value = 1.5;
  EXPECT_FALSE(test::apply(io, *driver, 0, hold));
  c.current_A = smu.current_compliance_A();
  EXPECT_FALSE(test::safe(io, *driver, 0));
  return c;
}

TEST(ScpiSmuLimits, TheChannelsSafetyLimitsSetTheComplianceWhenTheUriGivesNone) {
  Compliance c = compliance_after_cc_and_cv({{"model", "keysight-b2901a"}, {"timeout_ms", 1000}},
                                            ChannelSafetyLimits{0.0, 3.2, 0.004});
  EXPECT_DOUBLE_EQ(c.voltage_V, 3.2);
  EXPECT_DOUBLE_EQ(c.current_A, 0.004);
  EXPECT_DOUBLE_EQ(c.capabilities_v_max_V, 3.2);
}

TEST(ScpiSmuLimits, WithoutLimitsTheComplianceIsTheModelsRange) {
  Compliance c = compliance_after_cc_and_cv({{"model", "keysight-b2901a"}, {"timeout_ms", 1000}}, {});
  const SmuModel& model = smu_model("keysight-b2901a", "test");
  EXPECT_DOUBLE_EQ(c.voltage_V, model.v_range_V);
  EXPECT_DOUBLE_EQ(c.current_A, model.i_range_A);
}

TEST(ScpiSmuLimits, AKeyOfTheUriOrOptionsWinsOverTheChannelsLimits) {
  Compliance c = compliance_after_cc_and_cv(
      {{"model", "keysight-b2901a"}, {"timeout_ms", 1000}, {"v_max", 2.5}, {"i_max", 0.002}},
      ChannelSafetyLimits{0.0, 3.2, 0.004});
  EXPECT_DOUBLE_EQ(c.voltage_V, 2.5);
  EXPECT_DOUBLE_EQ(c.current_A, 0.002);
}

}  // namespace
}  // namespace cyclerd

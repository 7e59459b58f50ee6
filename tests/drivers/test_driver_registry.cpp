// Every registered driver passes the same smoke test; the registry reports unknown kinds clearly.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include <boost/asio/io_context.hpp>

#include "drivers/registry.hpp"
#include "tests/drivers/driver_test_support.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;

TEST(DriverRegistry, ListsSimAndTestLatencyWithUniqueKinds) {
  std::set<std::string_view> kinds;
  for (const auto& entry : driver_registry()) {
    EXPECT_TRUE(kinds.insert(entry.kind).second) << "duplicate kind " << entry.kind;
    EXPECT_FALSE(entry.description.empty()) << entry.kind;
    EXPECT_NE(entry.make, nullptr) << entry.kind;
  }
  EXPECT_EQ(kinds.count("sim"), 1u);
  EXPECT_EQ(kinds.count("test-latency"), 1u);
}

TEST(DriverRegistry, UnknownKindIsNotFoundAndNamesTheKnownKinds) {
  io_context io;
  try {
    make_driver("keithley-9999", io.get_executor(), {"smu-1", "tcp://10.0.0.5:5025", {}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    std::string text = e.what();
    EXPECT_NE(text.find("keithley-9999"), std::string::npos) << text;
    EXPECT_NE(text.find("sim"), std::string::npos) << text;
    EXPECT_NE(text.find("test-latency"), std::string::npos) << text;
  }
}

// The conformance test of the driver contract, over every row of the registry.
class EveryDriver : public testing::TestWithParam<DriverEntry> {};

TEST_P(EveryDriver, OpensAppliesRestReadsASampleAndGoesSafeTwice) {
  const DriverEntry& entry = GetParam();
  if (entry.demo_uri.empty()) GTEST_SKIP() << entry.kind << " needs an instrument (it has no demo URI)";
  io_context io;
  auto driver = make_driver(entry.kind, io.get_executor(), {"conformance", std::string(entry.demo_uri), {}});
  ASSERT_NE(driver, nullptr);
  EXPECT_EQ(driver->kind(), entry.kind);
  ASSERT_GE(driver->channel_count(), 1u);

  ASSERT_FALSE(test::open(io, *driver));
  for (std::size_t ch = 0; ch < driver->channel_count(); ++ch) {
    SCOPED_TRACE("channel " + std::to_string(ch));
    Capabilities caps = driver->capabilities(ch);
    EXPECT_TRUE(caps.supports(Mode::rest)) << "every channel can rest";
    EXPECT_LT(caps.v_min_V, caps.v_max_V);
    EXPECT_GT(caps.i_max_A, 0);
    EXPECT_GT(caps.min_sample_period_s, 0);
    EXPECT_EQ(driver->snapshot(ch).has_value(), caps.can_snapshot);

    auto rest = test::rest_setpoint(std::max(1.0, caps.min_sample_period_s));
    auto applied = test::apply(io, *driver, ch, rest);
    ASSERT_FALSE(applied) << applied->what();
    Sample s = test::sample_ok(io, *driver, ch);
    EXPECT_TRUE(std::isfinite(s.voltage_V));
    EXPECT_GT(s.t_s, 0);
    EXPECT_NEAR(s.current_A, 0.0, 1e-6) << "no current flows at rest";
    EXPECT_TRUE(s.has(sample_flag::setpoint_start));

    EXPECT_FALSE(test::safe(io, *driver, ch));
    EXPECT_FALSE(test::safe(io, *driver, ch)) << "safe() must be idempotent";
  }
  // A channel that does not exist is an error through the handler, not a crash.
  auto [error, sample] = test::next_sample(io, *driver, driver->channel_count());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::out_of_range);
  EXPECT_THROW(driver->capabilities(driver->channel_count()), Error);
}

TEST_P(EveryDriver, RefusesASetpointOutsideItsCapabilities) {
  const DriverEntry& entry = GetParam();
  if (entry.demo_uri.empty()) GTEST_SKIP() << entry.kind << " needs an instrument (it has no demo URI)";
  io_context io;
  auto driver = make_driver(entry.kind, io.get_executor(), {"conformance", std::string(entry.demo_uri), {}});
  ASSERT_FALSE(test::open(io, *driver));
  Capabilities caps = driver->capabilities(0);
  auto error = test::apply(io, *driver, 0, test::current_setpoint(caps.i_max_A * 2));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::out_of_range);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryDriver, testing::ValuesIn(driver_registry().begin(), driver_registry().end()),
                         [](const testing::TestParamInfo<DriverEntry>& row) {
                           std::string name;
                           for (char c : row.param.kind) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace cyclerd

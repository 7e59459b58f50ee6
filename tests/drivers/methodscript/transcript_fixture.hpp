// The recorded exchanges the methodscript transcript tests share, and their fixture: a driver for an
// EmStat4 HR opened on a scripted instrument.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "drivers/methodscript/methodscript_driver.hpp"
#include "tests/drivers/driver_test_support.hpp"
#include "tests/drivers/methodscript/scripted_device.hpp"

namespace cyclerd::test {

// What the driver sends to open: flush, abort whatever runs, ask the firmware version.
inline const char* open_exchange = R"(
>
> Z
< Z!0006
> t
< tes4_hr1100#Jan 28 2022 11:04:43
< R*
)";

// The lines every script for an EmStat4 HR starts with, after `e`: variables, channel, mode, a fixed
// potential range over the whole window.
inline std::string header(int mode) {
  return "> e\n> var c\n> var p\n> var t\n> set_pgstat_chan 0\n> set_pgstat_mode " + std::to_string(mode) +
         "\n> set_range ab 6\n> set_autoranging ab 6 6\n";
}

// The body of every measurement loop: the timer, the potential, the current.
inline const char* package_body = R"(
>   timer_get t
>   pck_start
>     pck_add t
>     pck_add p
>     pck_add c
>   pck_end
> endloop
)";

// The body of a loop that drives the cell, then the test of `var` against the limits that leaves it.
inline std::string tested_package_body(const std::string& var, const std::string& high, const std::string& low) {
  std::string body = package_body;
  body.resize(body.rfind("> endloop\n"));
  return body + ">   if " + var + " > " + high + "\n>     breakloop\n>   elseif " + var + " < " + low +
         "\n>     breakloop\n>   endif\n> endloop\n";
}

inline const char* script_end = R"(
> on_finished:
>   cell_off
>
)";

// The script safe() sends when none runs to switch the cell off, and the instrument's answer.
inline const char* cell_off_exchange = R"(
> e
> cell_off
>
< e
<
)";

// The whole script of a rest (open-circuit potential, cell off, a point every `period_s` seconds as a
// MethodSCRIPT literal) on an EmStat4 HR, as the driver sends it.
inline std::string rest_script(const std::string& period_s = "1") {
  return header(2) + R"(
> cell_off
> timer_start
> meas_loop_ocp p )" + period_s + R"( 1M
>   timer_get t
>   pck_start
>     pck_add t
>     pck_add p
>   pck_end
> endloop
)" + script_end;
}

class Transcript : public testing::Test {
 protected:
  void SetUp() override {
    driver_ = std::make_unique<MethodscriptDriver>(
        io_.get_executor(), DriverConfig{"ms-test", device_.uri(), {{"model", "emstat4-hr"}, {"timeout_ms", 2000}}});
    device_.play(open_exchange);
    auto error = test::open(io_, *driver_);
    ASSERT_FALSE(error) << error->what();
    expect_transcript_played();
    EXPECT_EQ(driver_->firmware(), "es4_hr1100#Jan 28 2022 11:04:43");
  }

  void expect_transcript_played() {
    for (const auto& problem : device_.finish()) ADD_FAILURE() << problem;
  }

  test::ScriptedDevice device_;
  boost::asio::io_context io_;
  std::unique_ptr<MethodscriptDriver> driver_;
};

}  // namespace cyclerd::test

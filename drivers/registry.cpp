#include "drivers/registry.hpp"

#include <array>
#include <string>

#include "drivers/methodscript/methodscript_driver.hpp"
#include "drivers/scpi-smu/scpi_smu_driver.hpp"
#include "drivers/sim/sim_driver.hpp"
#include "drivers/test-latency/test_latency_driver.hpp"

namespace cyclerd {

namespace {

// One row per driver, in the order `daemon.info` lists them.
const std::array<DriverEntry, 4> registry{{
    {"sim", "simulated cell (physics model, virtual clock, injectable faults)", &make_sim_driver,
     "sim://zns-znse?seed=1"},
    {"test-latency", "trivial cell behind an artificial latency with jitter, for channel-loop tests",
     &make_test_latency_driver, "test-latency://?latency_ms=2&jitter_ms=2&channels=2&seed=1"},
    {"scpi-smu", "SCPI source-measure unit over serial or TCP (model: keithley-2400, keithley-2450, keysight-b2901a)",
     &make_scpi_smu_driver, ""},
    {"methodscript", "PalmSens EmStat4 / EmStat Pico running MethodSCRIPT over serial or TCP (model: emstat4-hr, "
     "emstat4-lr, emstat-pico)", &make_methodscript_driver, ""},
}};

}  // namespace

std::span<const DriverEntry> driver_registry() { return registry; }

std::unique_ptr<Driver> make_driver(std::string_view kind, boost::asio::any_io_executor executor,
                                    const DriverConfig& config) {
  for (const auto& entry : registry) {
    if (entry.kind == kind) return entry.make(std::move(executor), config);
  }
  std::string known;
  for (const auto& entry : registry) known += (known.empty() ? "" : ", ") + std::string(entry.kind);
  throw Error(ErrorCode::not_found, "unknown driver \"" + std::string(kind) + "\" (known: " + known + ")",
              config.id);
}

}  // namespace cyclerd

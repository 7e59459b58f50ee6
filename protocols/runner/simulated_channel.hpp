// A channel runner on a simulated cell at full speed, without a daemon: what `cyclerctl simulate`,
// protocols.estimate, the tests and the benchmark use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "drivers/sim/sim_driver.hpp"
#include "protocols/runner/channel_runner.hpp"

namespace cyclerd {

// Which simulated cell: a preset (`cyclerctl presets`), its active mass and the noise seed.
struct SimulatedCell {
  std::string preset = "zns-znse";
  double active_mass_g = 1e-3;
  std::uint64_t seed = 1;
};

class SimulatedChannel {
 public:
  // Makes and opens a `sim` driver (speed "max") with one channel holding the cell.
  explicit SimulatedChannel(const SimulatedCell& cell);

  // What a protocol may ask of the cell (its active mass) and what the engine needs of the channel.
  CellInfo cell_info() const;
  EngineOptions engine_options() const;
  SimDriver& driver() { return *driver_; }
  boost::asio::io_context& io() { return io_; }

  // Runs a resolved protocol to its end (or to `interrupt_after` samples) with the given consumers;
  // continues from `resume` if given (the driver is restored from it first). Returns the final state
  // and fills `checkpoint` with where it stopped (a run to restore when interrupted; counts otherwise).
  RunState run(const Protocol& resolved, const std::vector<RunConsumer*>& consumers,
               const std::optional<RunCheckpoint>& resume = std::nullopt,
               std::optional<std::int64_t> interrupt_after = std::nullopt, RunCheckpoint* checkpoint = nullptr);

 private:
  SimulatedCell cell_;
  boost::asio::io_context io_;
  std::unique_ptr<SimDriver> driver_;
};

}  // namespace cyclerd

// The `sim` driver: simulated cells (sim::CellModel) behind the asynchronous driver contract.
//
// URI: sim://PRESET?seed=N&mass_mg=M&channels=K, options: speed ("realtime", simulated seconds per wall
// second, or "max"), timeout_ms (the driver's own read timeout, wall time) and faults (see faults.hpp);
// the URI keys may also be options. Each channel has its own cell and its own virtual clock: a reading
// advances the cell by the setpoint's sample period (less when it lands on a stop limit) and completes at
// once at "max", or when the wall clock catches up with the simulated one at a finite speed.
// Setpoints and safe() act on the cell at once; a reading in flight was taken before them.
// Like every driver, it is used from one thread or strand: the one its executor runs on.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "drivers/completions.hpp"
#include "drivers/driver.hpp"
#include "drivers/sim/faults.hpp"
#include "drivers/sim/model/cell_model.hpp"

namespace cyclerd {

// The registry's factory for "sim".
std::unique_ptr<Driver> make_sim_driver(boost::asio::any_io_executor executor, const DriverConfig& config);

class SimDriver final : public Driver {
 public:
  // Throws Error naming a bad or unknown key (preset, seed, mass_mg, channels, speed, timeout_ms, faults).
  SimDriver(boost::asio::any_io_executor executor, const DriverConfig& config);

  std::string_view kind() const override { return "sim"; }
  std::size_t channel_count() const override { return channels_.size(); }
  Capabilities capabilities(std::size_t channel) const override;

  // Connects, or reconnects after a disconnect fault (the outputs are then off).
  void async_open(DoneHandler done) override;
  void async_apply(std::size_t channel, const Setpoint& setpoint, DoneHandler done) override;
  void async_next_sample(std::size_t channel, SampleHandler handler) override;
  // The cell's small-signal spectrum at its present state; the virtual clock does not move.
  void async_measure_impedance(std::size_t channel, const EisParams& params, SpectrumHandler handler) override;
  void async_safe(std::size_t channel, DoneHandler done) override;

  // The cell (parameters, state, clock, random state) and the driver's own channel state as JSON.
  std::optional<nlohmann::json> snapshot(std::size_t channel) const override;
  void restore(std::size_t channel, const nlohmann::json& state) override;

  // Replaces a channel's cell with a fresh one, e.g. the preset and active mass of a run's cell.
  void load_cell(std::size_t channel, const sim::CellParams& params, double active_mass_g);
  // The channel's cell, for diagnostics and tests.
  const sim::CellModel& cell(std::size_t channel) const;
  // Simulated seconds per wall second; nullopt when running as fast as possible ("max").
  std::optional<double> speed() const { return speed_; }

 private:
  enum class Link { closed, open, disconnected };

  struct Channel {
    std::unique_ptr<sim::CellModel> model;
    sim::ChannelFaults faults;
    double sample_period_s = 1.0;
    bool eis_mode = false;        // an eis setpoint holds the cell at open circuit
    bool fresh_setpoint = false;  // the next sample is the first of a setpoint
    bool anchored = false;        // pacing: wall time `anchor_wall` corresponds to `anchor_t_s`
    Completions::Clock::time_point anchor_wall{};
    double anchor_t_s = 0;
    Completions::Clock::time_point last_done{};  // keeps completions in order; {} when none is timed
  };

  std::optional<Error> check(std::size_t channel) const;
  // Runs `fn` at `when` (or soon), but never before earlier operations on the channel.
  // Completes `fn` at `when` (nullopt: now), after every earlier completion of the channel.
  template <class F>
  void complete_in_order(std::size_t channel, std::optional<Completions::Clock::time_point> when, F&& fn);
  // When a reading that moved the clock from t_before to t_after is due; nullopt at speed "max".
  std::optional<Completions::Clock::time_point> paced(Channel& ch, double t_before_s, double t_after_s);
  void rest_all();

  std::uint64_t seed_ = 1;
  std::optional<double> speed_;  // nullopt: "max"
  Completions::Clock::duration timeout_{};
  std::vector<sim::FaultRule> fault_rules_;
  Link link_ = Link::closed;
  std::vector<Channel> channels_;
  Completions completions_;
};

}  // namespace cyclerd

// The `test-latency` driver: a trivial cell behind an artificial, jittery latency.
//
// It exists to prove that a channel loop works against a slow instrument before a real one exists:
// every operation completes after `latency_ms` plus a seeded random `jitter_ms`, on the driver's
// executor, and operations on one channel complete in the order they were started.
// URI: test-latency://?latency_ms=20&jitter_ms=10&channels=4&seed=1 (the same keys may be options).
// A reading is taken when the instrument answers; it is used from one thread or strand.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "drivers/completions.hpp"
#include "drivers/driver.hpp"

namespace cyclerd {

// The registry's factory for "test-latency".
std::unique_ptr<Driver> make_test_latency_driver(boost::asio::any_io_executor executor,
                                                 const DriverConfig& config);

class TestLatencyDriver final : public Driver {
 public:
  // Throws Error(invalid_input) naming a bad or unknown key.
  TestLatencyDriver(boost::asio::any_io_executor executor, const DriverConfig& config);

  std::string_view kind() const override { return "test-latency"; }
  std::size_t channel_count() const override { return channels_.size(); }
  Capabilities capabilities(std::size_t channel) const override;

  void async_open(DoneHandler done) override;
  void async_apply(std::size_t channel, const Setpoint& setpoint, DoneHandler done) override;
  void async_next_sample(std::size_t channel, SampleHandler handler) override;
  void async_measure_impedance(std::size_t channel, const EisParams& params, SpectrumHandler handler) override;
  // Takes effect at once (output off), even with other operations in flight; an apply still in
  // flight then fails instead of switching the output back on. Completes after the latency.
  void async_safe(std::size_t channel, DoneHandler done) override;

  // Operations started and not yet completed (for tests).
  std::size_t in_flight() const { return completions_.pending(); }

 private:
  // One channel's cell: linear OCV, ohmic resistance, a fixed capacity.
  struct Channel {
    Setpoint setpoint;
    double t_s = 0;              // channel time, advanced one sample period per sample
    double setpoint_t_s = 0;     // channel time when the setpoint was applied (sweeps need it)
    double soc = 0.5;            // state of charge, 0..1
    bool fresh_setpoint = false; // the next sample is the first of a setpoint
    std::uint64_t safe_epoch = 0;  // bumped by every safe(); an older apply is cancelled
    Completions::Clock::time_point last_done{};  // keeps completions on this channel in order
  };

  std::optional<Error> check(std::size_t channel) const;
  Completions::Clock::duration next_delay();
  // Completes `fn` after the latency, after every earlier operation on the same channel.
  void complete_in_order(std::size_t channel, std::function<void()> fn);
  Sample advance(Channel& ch);

  double latency_s_ = 0;
  double jitter_s_ = 0;
  std::mt19937_64 rng_;
  bool open_ = false;
  std::vector<Channel> channels_;
  Completions completions_;
};

}  // namespace cyclerd

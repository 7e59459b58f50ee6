// The driver contract: one instrument connection exposing one or more channels, asynchronous (Asio).
//
// Every operation completes through a handler that is invoked on the driver's executor, never inline
// from the call (so a channel loop may call again from inside a handler without recursing). A handler
// receives std::nullopt on success or the Error that stopped the operation.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/impedance.hpp"
#include "core/sample.hpp"
#include "core/setpoint.hpp"

namespace cyclerd {

// Completion of an operation that returns nothing.
using DoneHandler = std::function<void(std::optional<Error>)>;
// Completion of a sample read.
using SampleHandler = std::function<void(std::optional<Error>, Sample)>;
// Completion of an impedance measurement.
using SpectrumHandler = std::function<void(std::optional<Error>, std::vector<ImpedancePoint>)>;

// What one channel of an instrument can do; the validator checks protocols against it.
struct Capabilities {
  std::vector<Mode> modes;             // supported setpoint modes
  double v_min_V = 0;                  // voltage range
  double v_max_V = 0;
  double i_max_A = 0;                  // largest |current|
  double min_sample_period_s = 0;      // fastest sampling the channel sustains
  bool runs_whole_step = false;        // executes a whole step itself (e.g. a scripted potentiostat)
  bool can_snapshot = false;           // snapshot()/restore() are supported
  bool lands_on_limits = false;        // ends a setpoint exactly on its stop limits (sub-stepping)

  bool supports(Mode mode) const;
};

// Why `setpoint` cannot run on a channel with `caps` (unsupported mode, out of range, bad sample
// period or sweep/EIS parameters), or nullopt when it can. Drivers check before they apply.
std::optional<Error> check_setpoint(const Capabilities& caps, const Setpoint& setpoint);
// Why an impedance measurement with `params` cannot run (non-positive frequency, amplitude, density).
std::optional<Error> check_eis(const EisParams& params);

// The channel's safety limits, SI; absent when the configuration gives none.
struct ChannelSafetyLimits {
  std::optional<double> v_min_V;
  std::optional<double> v_max_V;
  std::optional<double> i_max_A;
};

// How a driver instance is configured: from the daemon's configuration or a test.
struct DriverConfig {
  std::string id;            // the channel id (or instrument id) for logs
  std::string uri;           // "sim://zns-znse?seed=1", "tcp://10.0.0.5:5025", "serial:///dev/ttyUSB0"
  nlohmann::json options = nlohmann::json::object();  // driver-specific keys (model, speed...)
  // A field rather than option keys, so drivers that refuse unknown keys still accept every channel:
  // a driver that makes the instrument enforce limits itself (an SMU's compliance) reads them, others
  // ignore them (the daemon checks protocols against them either way).
  ChannelSafetyLimits limits = {};
};

class Driver {
 public:
  virtual ~Driver() = default;

  // The registry name of this driver ("sim", "scpi-smu", ...).
  virtual std::string_view kind() const = 0;
  // Number of channels this instrument exposes; channels are 0..channel_count()-1.
  virtual std::size_t channel_count() const = 0;
  // What the given channel can do.
  virtual Capabilities capabilities(std::size_t channel) const = 0;

  // Brings the connection up and identifies the instrument; the output stays off.
  virtual void async_open(DoneHandler done) = 0;
  // Applies a setpoint to a channel (output on, for every mode but rest).
  virtual void async_apply(std::size_t channel, const Setpoint& setpoint, DoneHandler done) = 0;
  // Delivers the channel's next sample, one setpoint sample period after the previous one.
  virtual void async_next_sample(std::size_t channel, SampleHandler handler) = 0;
  // Measures an impedance spectrum around the channel's present state.
  virtual void async_measure_impedance(std::size_t channel, const EisParams& params,
                                       SpectrumHandler handler) = 0;
  // Makes the channel safe (output off, open circuit) from any state; idempotent.
  virtual void async_safe(std::size_t channel, DoneHandler done) = 0;

  // The channel's exact state (for a simulated cell: model and random-number state), if supported.
  virtual std::optional<nlohmann::json> snapshot(std::size_t channel) const;
  // Restores a state that snapshot() returned; throws Error(invalid_state) if unsupported.
  virtual void restore(std::size_t channel, const nlohmann::json& state);
};

}  // namespace cyclerd

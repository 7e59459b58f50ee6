// Test helpers: run one asynchronous driver operation to completion on an io_context.
#pragma once

#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "drivers/driver.hpp"

namespace cyclerd::test {

// Runs `io` until `done()` holds; throws if the io_context runs out of work first.
template <class Pred>
void run_until(boost::asio::io_context& io, Pred done) {
  io.restart();
  while (!done()) {
    if (io.run_one() == 0) throw std::runtime_error("the operation never completed (no work left)");
  }
}

inline std::optional<Error> open(boost::asio::io_context& io, Driver& driver) {
  std::optional<std::optional<Error>> result;
  driver.async_open([&](std::optional<Error> e) { result = std::move(e); });
  run_until(io, [&] { return result.has_value(); });
  return *result;
}

inline std::optional<Error> apply(boost::asio::io_context& io, Driver& driver, std::size_t channel,
                                  const Setpoint& setpoint) {
  std::optional<std::optional<Error>> result;
  driver.async_apply(channel, setpoint, [&](std::optional<Error> e) { result = std::move(e); });
  run_until(io, [&] { return result.has_value(); });
  return *result;
}

inline std::optional<Error> safe(boost::asio::io_context& io, Driver& driver, std::size_t channel) {
  std::optional<std::optional<Error>> result;
  driver.async_safe(channel, [&](std::optional<Error> e) { result = std::move(e); });
  run_until(io, [&] { return result.has_value(); });
  return *result;
}

inline std::pair<std::optional<Error>, Sample> next_sample(boost::asio::io_context& io, Driver& driver,
                                                           std::size_t channel) {
  std::optional<std::pair<std::optional<Error>, Sample>> result;
  driver.async_next_sample(channel, [&](std::optional<Error> e, Sample s) { result.emplace(std::move(e), s); });
  run_until(io, [&] { return result.has_value(); });
  return *result;
}

// Reads a sample that must succeed.
inline Sample sample_ok(boost::asio::io_context& io, Driver& driver, std::size_t channel) {
  auto [error, sample] = next_sample(io, driver, channel);
  if (error) throw *error;
  return sample;
}

inline std::pair<std::optional<Error>, std::vector<ImpedancePoint>> impedance(
    boost::asio::io_context& io, Driver& driver, std::size_t channel, const EisParams& params) {
  std::optional<std::pair<std::optional<Error>, std::vector<ImpedancePoint>>> result;
  driver.async_measure_impedance(channel, params, [&](std::optional<Error> e, std::vector<ImpedancePoint> z) {
    result.emplace(std::move(e), std::move(z));
  });
  run_until(io, [&] { return result.has_value(); });
  return *result;
}

inline Setpoint current_setpoint(double amps, double period_s = 1.0) {
  Setpoint sp;
  sp.mode = Mode::current;
  sp.value = amps;
  sp.sample_period_s = period_s;
  return sp;
}

inline Setpoint rest_setpoint(double period_s = 1.0) {
  Setpoint sp;
  sp.sample_period_s = period_s;
  return sp;
}

}  // namespace cyclerd::test

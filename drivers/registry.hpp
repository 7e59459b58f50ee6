// The explicit table of known drivers: adding a driver adds one row in registry.cpp.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "drivers/driver.hpp"

namespace cyclerd {

using DriverFactory = std::unique_ptr<Driver> (*)(boost::asio::any_io_executor, const DriverConfig&);

struct DriverEntry {
  std::string_view kind;         // the name used in configuration ("driver": "sim")
  std::string_view description;  // one line for `daemon.info` and `cyclerctl drivers`
  DriverFactory make;
  std::string_view demo_uri;     // a URI that works without hardware; empty when it needs an instrument
};

// Every registered driver, in registration order.
std::span<const DriverEntry> driver_registry();

// Makes a driver by kind; throws Error(not_found) naming the known kinds.
std::unique_ptr<Driver> make_driver(std::string_view kind, boost::asio::any_io_executor executor,
                                    const DriverConfig& config);

}  // namespace cyclerd

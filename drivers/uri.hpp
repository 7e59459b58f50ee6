// Connection strings of drivers: "sim://zns-znse?seed=1", "test-latency://?latency_ms=20".
//
// Drivers read their query keys (and the same keys from DriverConfig::options) through DriverSettings,
// which turns every bad or unknown key into an Error that names the key, the value and the URI.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "drivers/driver.hpp"

namespace cyclerd {

// A parsed "scheme://target?key=value&key=value" (no fragments; %XX escapes decoded).
struct DriverUri {
  std::string scheme;                        // "sim"
  std::string target;                        // "zns-znse", "10.0.0.5:5025", "/dev/ttyUSB0"; may be empty
  std::map<std::string, std::string> query;  // decoded keys and values

  // Throws Error(invalid_input) quoting the text when it is not of that shape or repeats a key.
  static DriverUri parse(std::string_view text);
};

// The settings of one driver instance: URI query keys, overridden by DriverConfig::options keys.
// Each accessor consumes a key; finish() then rejects any key nobody asked for.
class DriverSettings {
 public:
  // Parses config.uri and checks its scheme; throws Error(invalid_input) on a wrong scheme.
  DriverSettings(const DriverConfig& config, std::string_view scheme);

  // The URI's target (the part between "//" and "?").
  const std::string& target() const { return uri_.target; }
  // Where errors point: the channel id and URI.
  const std::string& where() const { return where_; }

  // A non-negative integer (e.g. a seed).
  std::optional<std::uint64_t> unsigned_integer(const std::string& key);
  // A finite number; when `valid` rejects it, Error(invalid_input) quotes the text and `expected`.
  std::optional<double> number(const std::string& key, bool (*valid)(double) = nullptr,
                               const std::string& expected = "a number");
  // A string value (options may give any JSON scalar; it is rendered as text).
  std::optional<std::string> text(const std::string& key);
  // A raw JSON value, only from the options (e.g. a table of faults).
  std::optional<nlohmann::json> json(const std::string& key);

  // Throws Error(invalid_input) naming the first unknown key and the keys that were asked for.
  void finish() const;

  // An Error(invalid_input) about `key` and its value, located at this driver's URI.
  Error bad(const std::string& key, const std::string& value, const std::string& expected) const;

 private:
  std::optional<std::string> take(const std::string& key);

  DriverUri uri_;
  nlohmann::json options_;
  std::string where_;
  std::string known_;  // the keys asked for, for finish()'s message
};

}  // namespace cyclerd

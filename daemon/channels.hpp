// What the JSON-RPC layer needs to know about channels, as an interface: the Lab implements it with
// live channels; until then StaticChannelDirectory serves the configured channels as idle.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/config.hpp"
#include "drivers/driver.hpp"

namespace cyclerd {

class ChannelDirectory {
 public:
  virtual ~ChannelDirectory() = default;
  // Every channel's status object (channels.list), in configuration order.
  virtual nlohmann::json list() const = 0;
  // The same array as JSON text. The Lab keeps each channel's text and rebuilds it only when what it shows
  // changes (see Lab::list_text), so that many clients polling channels.list cost little.
  virtual std::string list_text() const;
  // One channel's status (channels.get); throws rpc::RpcError not_found naming the known channels.
  virtual nlohmann::json get(std::string_view id) const = 0;
  // What the channel can do, narrowed by its configured limits, for protocols.validate and runs.submit;
  // throws rpc::RpcError not_found for an unknown channel.
  virtual Capabilities capabilities(std::string_view id) const = 0;
};

// The configured channels, each "idle" with no run: what the daemon serves before the Lab exists.
// Capabilities come from constructing each channel's driver once (it connects to nothing).
class StaticChannelDirectory final : public ChannelDirectory {
 public:
  explicit StaticChannelDirectory(std::vector<ChannelConfig> channels);

  nlohmann::json list() const override;
  nlohmann::json get(std::string_view id) const override;
  Capabilities capabilities(std::string_view id) const override;

 private:
  struct Entry {
    ChannelConfig config;
    Capabilities capabilities;
  };
  const Entry& find(std::string_view id) const;
  nlohmann::json status(const Entry& entry) const;

  std::vector<Entry> entries_;
};

// The channel's configured limits applied to what its driver reports (the narrower of the two).
Capabilities narrowed(Capabilities caps, const ChannelLimits& limits);

}  // namespace cyclerd

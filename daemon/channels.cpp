#include "daemon/channels.hpp"

#include <algorithm>

#include <boost/asio/io_context.hpp>

#include "daemon/rpc/rpc_error.hpp"
#include "drivers/registry.hpp"

namespace cyclerd {

Capabilities narrowed(Capabilities caps, const ChannelLimits& limits) {
  if (limits.v_min_V) caps.v_min_V = std::max(caps.v_min_V, *limits.v_min_V);
  if (limits.v_max_V) caps.v_max_V = std::min(caps.v_max_V, *limits.v_max_V);
  if (limits.i_max_A) caps.i_max_A = std::min(caps.i_max_A, *limits.i_max_A);
  return caps;
}

StaticChannelDirectory::StaticChannelDirectory(std::vector<ChannelConfig> channels) {
  boost::asio::io_context io;  // never run: the drivers are only asked what they can do
  for (auto& channel : channels) {
    DriverConfig driver_config = channel.driver_config();
    const auto driver = make_driver(channel.driver, io.get_executor(), driver_config);
    auto caps = narrowed(driver->capabilities(0), channel.limits);
    entries_.push_back({std::move(channel), std::move(caps)});
  }
}

const StaticChannelDirectory::Entry& StaticChannelDirectory::find(std::string_view id) const {
  for (const auto& entry : entries_) {
    if (entry.config.id == id) return entry;
  }
  std::string known;
  for (const auto& entry : entries_) known += (known.empty() ? "" : ", ") + entry.config.id;
  throw rpc::RpcError::not_found("unknown channel \"" + std::string(id) + "\" (channels: " + known + ")");
}

nlohmann::json StaticChannelDirectory::status(const Entry& entry) const {
  const auto& c = entry.config;
  nlohmann::json limits = nlohmann::json::object();
  if (c.limits.v_min_V) limits["v_min_V"] = *c.limits.v_min_V;
  if (c.limits.v_max_V) limits["v_max_V"] = *c.limits.v_max_V;
  if (c.limits.i_max_A) limits["i_max_A"] = *c.limits.i_max_A;
  return {
      {"channel", c.id},
      {"state", "idle"},  // no Lab yet: nothing can run
      {"driver", c.driver},
      {"uri", c.uri},
      {"model", c.model ? nlohmann::json(*c.model) : nlohmann::json(nullptr)},
      {"speed", c.speed},
      {"on_restart", c.on_restart == RestartPolicy::resume ? "resume" : "hold"},
      {"limits", limits},
      {"range", {{"v_min_V", entry.capabilities.v_min_V},
                 {"v_max_V", entry.capabilities.v_max_V},
                 {"i_max_A", entry.capabilities.i_max_A}}},
      {"run_id", nullptr},
      {"step", nullptr},
      {"cycle", nullptr},
      {"voltage_V", nullptr},
      {"current_A", nullptr},
  };
}

std::string ChannelDirectory::list_text() const {
  return list().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json StaticChannelDirectory::list() const {
  auto out = nlohmann::json::array();
  for (const auto& entry : entries_) out.push_back(status(entry));
  return out;
}

nlohmann::json StaticChannelDirectory::get(std::string_view id) const { return status(find(id)); }

Capabilities StaticChannelDirectory::capabilities(std::string_view id) const { return find(id).capabilities; }

}  // namespace cyclerd

#include "daemon/methods/methods.hpp"

#include "drivers/registry.hpp"

namespace cyclerd {

void add_daemon_methods(rpc::MethodTable& table, DaemonFacts facts) {
  table.add({
      .name = "daemon.info",
      .role = rpc::Role::viewer,
      .params = {},
      .handler =
          [facts](const nlohmann::json&, const rpc::Caller&) {
            auto drivers = nlohmann::json::array();
            for (const auto& entry : driver_registry()) {
              drivers.push_back({{"kind", entry.kind}, {"description", entry.description}});
            }
            const std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - facts.started;
            return nlohmann::json{{"name", "cyclerd"},
                                  {"version", facts.version},
                                  {"api_version", kApiVersion},
                                  {"uptime_s", uptime.count()},
                                  {"database", facts.database.string()},
                                  {"drivers", drivers}};
          },
      .summary = "name, version, api_version, uptime, database path and drivers",
  });
}

void add_channel_methods(rpc::MethodTable& table, const ChannelDirectory& channels) {
  table.add({
      .name = "channels.list",
      .role = rpc::Role::viewer,
      .params = {},
      .handler = {},
      .summary = "every channel's state, driver, run, step, cycle, last V and I",
      .async_handler = {},
      .text_handler = [&channels](const nlohmann::json&,
                                  const rpc::Caller&) { return "{\"channels\":" + channels.list_text() + "}"; },
  });
  table.add({
      .name = "channels.get",
      .role = rpc::Role::viewer,
      .params = {{"channel", rpc::ParamType::string, true, "the channel id"}},
      .handler = [&channels](const nlohmann::json& params,
                             const rpc::Caller&) { return channels.get(rpc::string_param(params, "channel")); },
      .summary = "one channel's state, driver, run, step, cycle, last V and I",
  });
}

}  // namespace cyclerd

// The configuration of N simulated channels that the push tests and bench/bench_rpc_load.cpp start cyclerd
// with: channels sim-1..sim-N cycling through the paper's three materials, each with its own seed, no
// authentication. Only nlohmann::json, so that the benchmark can use it without GoogleTest.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cyclerd::test {

// The configuration as JSON, for callers that add to it (limits, another database).
inline nlohmann::json sim_channels_config_json(int count, const nlohmann::json& speed,
                                               const std::string& database = "push.sqlite") {
  nlohmann::json channels = nlohmann::json::array();
  const char* presets[] = {"zns-znse", "zns", "znse"};
  for (int i = 1; i <= count; ++i) {
    channels.push_back({{"id", "sim-" + std::to_string(i)},
                        {"driver", "sim"},
                        {"uri", std::string("sim://") + presets[i % 3] + "?seed=" + std::to_string(i)},
                        {"speed", speed}});
  }
  return {{"database", database}, {"auth", {{"required", false}}}, {"channels", channels}};
}

// The same as the text of a configuration file.
inline std::string sim_channels_config(int count, const nlohmann::json& speed) {
  return sim_channels_config_json(count, speed).dump();
}

}  // namespace cyclerd::test

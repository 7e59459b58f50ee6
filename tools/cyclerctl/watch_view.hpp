// What `cyclerctl watch` shows (internal to cyclerctl): the channels table, or one run's progress with
// its latest cycles and events, kept up to date from the daemon's notifications and drawn as text.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/cyclerctl/rpc_client.hpp"

namespace cyclerd::ctl {

class WatchView {
 public:
  // `run`: the run to follow; none: every channel. `where` names the daemon in the title line.
  WatchView(RpcClient& rpc, std::optional<std::int64_t> run, std::string where)
      : rpc_(rpc), run_(run), where_(std::move(where)) {}

  // The subscription and the present state; false when a watched run is already over.
  bool start();
  // Takes one notification in; false when the watched run has ended.
  bool take(const nlohmann::json& notification);
  // The whole screen.
  std::string frame() const;

 private:
  void subscribe();
  void refresh_channels();
  void add_cycle(const nlohmann::json& cycle);
  void add_event(const nlohmann::json& event);
  void channels_frame(std::ostream& out) const;
  void run_frame(std::ostream& out) const;

  static constexpr std::size_t kLatestCycles = 10;
  static constexpr std::size_t kLatestEvents = 6;

  RpcClient& rpc_;
  std::optional<std::int64_t> run_;
  std::string where_;
  nlohmann::json status_ = nlohmann::json::object();
  nlohmann::json channels_ = nlohmann::json::array();
  std::map<std::string, nlohmann::json> progress_;  // by channel id
  std::deque<nlohmann::json> cycles_;
  std::deque<nlohmann::json> events_;
  std::string notice_;
};

}  // namespace cyclerd::ctl

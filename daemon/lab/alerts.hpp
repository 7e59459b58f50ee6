// Alerts: on the configured events the daemon runs the configured command with the event as JSON on its
// standard input, so a lab can mail, chat or page without cyclerd knowing how.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cyclerd::lab {

class Alerts {
 public:
  Alerts(std::optional<std::filesystem::path> command, std::vector<std::string> events);
  // Runs the command for `event` ("completed", "failed", "safety_trip", "storage_warning") if configured.
  // Never blocks the caller: the child is started with posix_spawn (no shell, so nothing in the event can
  // inject a command) and fed and reaped by a detached thread.
  void notify(const std::string& event, nlohmann::json details) const;

 private:
  std::optional<std::filesystem::path> command_;
  std::vector<std::string> events_;
};

}  // namespace cyclerd::lab

#include "daemon/lab/alerts.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

extern char** environ;

namespace cyclerd::lab {

Alerts::Alerts(std::optional<std::filesystem::path> command, std::vector<std::string> events)
    : command_(std::move(command)), events_(std::move(events)) {}

void Alerts::notify(const std::string& event, nlohmann::json details) const {
  if (!command_ || std::find(events_.begin(), events_.end(), event) == events_.end()) return;
  details["event"] = event;
  details["unix_time_s"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string text = details.dump() + "\n";
  const std::string path = command_->string();

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    spdlog::get("daemon")->error("alert {}: cannot make a pipe", event);
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
  std::vector<char*> argv{const_cast<char*>(path.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  if (rc != 0) {
    ::close(fds[1]);
    spdlog::get("daemon")->error("alert {}: cannot run {}: {}", event, path, std::strerror(rc));
    return;
  }
  const int out = fds[1];
  // Writing may block on a slow reader and the child must be reaped: both off the io thread.
  std::thread([out, pid, text, event] {
    std::size_t done = 0;
    while (done < text.size()) {
      const auto n = ::write(out, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(out);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (auto log = spdlog::get("daemon")) log->warn("alert {}: the command exited with status {}", event, status);
    }
  }).detach();
}

}  // namespace cyclerd::lab

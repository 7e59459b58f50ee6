// The real scpi-smu-emulator binary as a child process: started with arguments, its pty path or TCP port
// read from its first line of output, stopped (SIGTERM to its own pid) when the test ends.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace cyclerd::test {

class SmuEmulatorProcess {
 public:
  explicit SmuEmulatorProcess(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::string bin = std::string(CYCLERD_BIN_DIR) + "/scpi-smu-emulator";
      std::vector<std::string> copy = args;
      std::vector<char*> argv{bin.data()};
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      _exit(127);
    }
    ::close(out[1]);
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c[256];
      ssize_t n = ::read(out[0], c, sizeof c);
      if (n <= 0) break;
      line.append(c, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    line = line.substr(0, line.find('\n'));
    if (line.rfind("pty ", 0) == 0) {
      uri_ = "serial://" + line.substr(4) + "?baud=57600";
    } else if (line.rfind("tcp ", 0) == 0) {
      uri_ = "tcp://" + line.substr(4) + "?";
    } else {
      stop();
      throw std::runtime_error("scpi-smu-emulator did not say where it listens: \"" + line + "\"");
    }
  }
  ~SmuEmulatorProcess() { stop(); }
  SmuEmulatorProcess(const SmuEmulatorProcess&) = delete;
  SmuEmulatorProcess& operator=(const SmuEmulatorProcess&) = delete;

  // The driver URI with its query begun ("...?baud=57600" or "...?"): append "&key=value" or "key=value".
  const std::string& uri() const { return uri_; }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  std::string uri_;
};

}  // namespace cyclerd::test

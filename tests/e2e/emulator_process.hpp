// A real emulator binary of tools/emulators as a child process (scpi-smu-emulator, methodscript-emulator):
// started with arguments, its pty path or TCP port read from its first line of output, stopped (SIGTERM
// to its own pid) when the test ends. Shared by tests/e2e and tests/drivers/methodscript.
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

class EmulatorProcess {
 public:
  // `binary` is a program in the build's bin directory; `baud` goes into the URI of a pty (the rate the
  // driver would use on the real instrument's serial port; a pty ignores it).
  EmulatorProcess(const std::string& binary, const std::vector<std::string>& args, int baud) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::string bin = std::string(CYCLERD_BIN_DIR) + "/" + binary;
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
      path_ = line.substr(4);
      uri_ = "serial://" + path_ + "?baud=" + std::to_string(baud);
    } else if (line.rfind("tcp ", 0) == 0) {
      uri_ = "tcp://" + line.substr(4);
    } else {
      stop();
      throw std::runtime_error(binary + " did not say where it listens: \"" + line + "\"");
    }
  }
  ~EmulatorProcess() { stop(); }
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  // serial:///dev/pts/N?baud=B or tcp://127.0.0.1:PORT.
  const std::string& uri() const { return uri_; }
  // The URI with more query keys ("key=value&key=value").
  std::string uri_with(const std::string& keys) const {
    return uri_ + (uri_.find('?') == std::string::npos ? "?" : "&") + keys;
  }
  // The pseudo-terminal's path (empty over TCP).
  const std::string& path() const { return path_; }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  std::string uri_;
  std::string path_;
};

}  // namespace cyclerd::test

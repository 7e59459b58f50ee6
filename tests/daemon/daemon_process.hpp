// Test helpers: the real cyclerd binary started on an ephemeral port, and a line-per-message JSON-RPC
// client over a plain socket with timeouts (so a broken server fails a test instead of hanging it).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace cyclerd::test {

namespace fs = std::filesystem;

// A fresh directory per test, removed at the end.
inline fs::path make_temp_dir() {
  auto dir = fs::temp_directory_path() /
             ("cyclerd-test-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(dir);
  return dir;
}

inline void write_file(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

inline std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The result of running cyclerd to completion (for configuration errors).
struct RunResult {
  int exit_code = -1;
  std::string stderr_text;
};

// Runs cyclerd with `args` and waits (at most 10 s) for it to exit.
inline RunResult run_cyclerd(const std::vector<std::string>& args, const fs::path& dir) {
  const auto err = dir / "run-stderr.txt";
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string bin = std::string(CYCLERD_BIN_DIR) + "/cyclerd";
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (!std::freopen(err.c_str(), "w", stderr) || !std::freopen("/dev/null", "w", stdout)) _exit(127);
    ::execv(bin.c_str(), argv.data());
    _exit(127);
  }
  RunResult result;
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      result.stderr_text = read_file(err);
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  result.stderr_text = read_file(err);
  return result;
}

// A running cyclerd on 127.0.0.1:0; killed (SIGKILL) if a test does not stop it.
class Daemon {
 public:
  // `config_json` empty: the embedded default configuration.
  explicit Daemon(const std::string& config_json = {}, std::vector<std::string> extra = {}) : dir_(make_temp_dir()) {
    std::vector<std::string> args = {"--listen-tcp", "127.0.0.1:0", "--ready-file", (dir_ / "ready.json").string(),
                                     "--db", (dir_ / "test.sqlite").string(), "--log-level", "warn"};
    if (!config_json.empty()) {
      write_file(dir_ / "cyclerd.json", config_json);
      args.insert(args.begin(), {"--config", (dir_ / "cyclerd.json").string()});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      std::string bin = std::string(CYCLERD_BIN_DIR) + "/cyclerd";
      argv.push_back(bin.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      if (!std::freopen((dir_ / "stderr.txt").c_str(), "w", stderr)) _exit(127);
      ::execv(bin.c_str(), argv.data());
      _exit(127);
    }
    for (int i = 0; i < 1000 && !fs::exists(dir_ / "ready.json"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!fs::exists(dir_ / "ready.json")) {
      ADD_FAILURE() << "cyclerd did not become ready: " << read_file(dir_ / "stderr.txt");
      return;
    }
    ready_ = nlohmann::json::parse(read_file(dir_ / "ready.json"));
    port_ = ready_.at("tcp").get<std::uint16_t>();
  }
  ~Daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Sends SIGTERM and returns the exit code (or -1 if it did not exit within 5 s).
  int terminate() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  bool alive() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const nlohmann::json& ready() const { return ready_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  nlohmann::json ready_;
};

// A blocking client with a receive timeout.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  // Sends raw bytes; false when the connection refused them.
  bool send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  bool send_line(std::string_view line) { return send_raw(std::string(line) + "\n"); }
  // The next line, or nullopt on timeout or when the server closed the connection.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        auto line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char chunk[65536];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        closed_ = true;
        return std::nullopt;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // Sends one line and parses the answer line (null JSON when none came).
  nlohmann::json call(std::string_view line) {
    if (!send_line(line)) return nullptr;
    const auto answer = read_line();
    return answer ? nlohmann::json::parse(*answer) : nlohmann::json(nullptr);
  }
  // Waits for the server to close the connection (reading and dropping anything it sends).
  bool closed_by_server(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && std::chrono::steady_clock::now() < deadline) {
      read_line(std::chrono::milliseconds(50));
    }
    return closed_;
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

}  // namespace cyclerd::test

// A scripted instrument on a real pseudo-terminal: it checks each line the driver sends against a
// recorded transcript and answers with the recorded reply lines.
//
// Transcript lines: "> text" is a line the driver must send (the text after "> "; ">" alone is an
// empty line), "< text" is a line the instrument answers ("<" alone: the empty line ending a script).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cyclerd::test {

class ScriptedDevice {
 public:
  ScriptedDevice() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) throw std::runtime_error("no pty");
    path_ = ::ptsname(master_);
    // Raw from the start, so nothing the driver writes before it configures the port is echoed back.
    int slave = ::open(path_.c_str(), O_RDWR | O_NOCTTY);
    termios tio{};
    ::tcgetattr(slave, &tio);
    ::cfmakeraw(&tio);
    ::tcsetattr(slave, TCSANOW, &tio);
    slave_ = slave;
  }
  ~ScriptedDevice() {
    finish();
    ::close(slave_);
    ::close(master_);
  }

  std::string uri() const { return "serial://" + path_ + "?baud=230400"; }

  // Plays `transcript` on a thread; call finish() (or play again) to wait for it.
  void play(const std::string& transcript) {
    finish();
    std::vector<std::string> lines;
    std::istringstream in(transcript);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    player_ = std::thread([this, lines] { run(lines); });
  }

  // Waits for the transcript to end; returns what went wrong (empty: the driver said exactly that).
  std::vector<std::string> finish() {
    if (player_.joinable()) player_.join();
    return std::move(problems_);
  }

 private:
  void run(const std::vector<std::string>& lines) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string& entry = lines[i];
      const std::string text = entry.size() > 2 ? entry.substr(2) : "";
      if (entry[0] == '<') {
        std::string out = text + "\n";
        if (::write(master_, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
          problems_.push_back("cannot write the reply of transcript line " + std::to_string(i + 1));
          return;
        }
        continue;
      }
      auto got = read_line();
      if (!got) {
        problems_.push_back("transcript line " + std::to_string(i + 1) + ": the driver sent nothing, expected \"" + text + "\"");
        return;
      }
      if (*got != text) {
        problems_.push_back("transcript line " + std::to_string(i + 1) + ": the driver sent \"" + *got +
                            "\", expected \"" + text + "\"");
        return;
      }
    }
  }

  std::optional<std::string> read_line() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[1024];
      ssize_t n = ::read(master_, chunk, sizeof chunk);
      if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  int master_ = -1;
  int slave_ = -1;
  std::string path_;
  std::string buffer_;
  std::thread player_;
  std::vector<std::string> problems_;
};

}  // namespace cyclerd::test

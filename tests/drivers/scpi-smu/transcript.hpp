// A recorded conversation with an instrument ("> request", "< reply", "## section"), replayed by a fake
// endpoint that checks every request the driver sends against the next one recorded.
#pragma once

#include <fstream>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace cyclerd::test {

class Transcript {
 public:
  struct Turn {
    std::string request;
    std::vector<std::string> replies;
    int line = 0;
  };

  explicit Transcript(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read transcript " + path);
    std::string text;
    int n = 0;
    while (std::getline(in, text)) {
      ++n;
      if (text.rfind("> ", 0) == 0) turns_.push_back({text.substr(2), {}, n});
      else if (text.rfind("< ", 0) == 0 && !turns_.empty()) turns_.back().replies.push_back(text.substr(2));
    }
  }

  // The reply to `request` (lines joined with "\n"), or nullopt with a mismatch recorded.
  std::optional<std::string> answer(const std::string& request) {
    if (next_ >= turns_.size()) {
      mismatches_.push_back("unexpected extra request \"" + request + "\"");
      return std::nullopt;
    }
    const Turn& turn = turns_[next_++];
    if (!matches(turn.request, request)) {
      mismatches_.push_back("line " + std::to_string(turn.line) + ": expected \"" + turn.request + "\", got \"" +
                            request + "\"");
      return std::nullopt;
    }
    if (turn.replies.empty()) return std::nullopt;
    std::string out;
    for (const auto& r : turn.replies) out += r + "\n";
    return out;
  }

  bool finished() const { return next_ == turns_.size(); }
  std::size_t consumed() const { return next_; }
  std::size_t size() const { return turns_.size(); }
  const std::vector<std::string>& mismatches() const { return mismatches_; }

 private:
  static bool matches(const std::string& expected, const std::string& got) {
    if (expected.find("{num}") == std::string::npos) return expected == got;
    std::string pattern;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (expected.compare(i, 5, "{num}") == 0) {
        pattern += "[-+]?[0-9.]+E[-+][0-9]+";
        i += 4;
      } else if (std::string("\\^$.|?*+()[]{}").find(expected[i]) != std::string::npos) {
        pattern += std::string("\\") + expected[i];
      } else {
        pattern += expected[i];
      }
    }
    return std::regex_match(got, std::regex(pattern));
  }

  std::vector<Turn> turns_;
  std::size_t next_ = 0;
  std::vector<std::string> mismatches_;
};

}  // namespace cyclerd::test

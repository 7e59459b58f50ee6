#include "daemon/auth.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "protocols/diagnostics.hpp"

namespace cyclerd {

namespace {

// Shorter tokens can be guessed; a lab's tokens come from `openssl rand -hex 16` or similar.
constexpr std::size_t kMinTokenLength = 16;

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const auto start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<rpc::Role> parse_role(std::string_view text) {
  if (text == "viewer") return rpc::Role::viewer;
  if (text == "operator") return rpc::Role::operator_;
  return std::nullopt;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  // Keeps the compiler from turning the loop into an early-exit comparison.
  volatile unsigned char result = diff;
  return result == 0;
}

TokenStore TokenStore::parse(std::string_view text, const std::string& source) {
  TokenStore store;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto fields = words(line);
    if (fields.empty()) {
      if (end == text.size()) break;
      continue;
    }
    const auto where = source + ":" + std::to_string(line_no);
    if (fields.size() < 3) {
      throw Error(ErrorCode::invalid_input,
                  "expected `ROLE TOKEN NAME` (role viewer or operator), found " + std::to_string(fields.size()) +
                      " field" + (fields.size() == 1 ? "" : "s"),
                  where);
    }
    const auto role = parse_role(fields[0]);
    if (!role) {
      throw Error(ErrorCode::invalid_input, "unknown role " + quote(fields[0]) + " (expected viewer or operator)",
                  where);
    }
    if (fields[1].size() < kMinTokenLength) {
      throw Error(ErrorCode::invalid_input,
                  "token too short: at least " + std::to_string(kMinTokenLength) + " characters", where);
    }
    // NAME may contain spaces ("Ana Costa"): everything after the token.
    std::string name = fields[2];
    for (std::size_t i = 3; i < fields.size(); ++i) name += " " + fields[i];
    for (const auto& entry : store.entries_) {
      if (entry.token == fields[1]) throw Error(ErrorCode::invalid_input, "token repeated from an earlier line", where);
    }
    store.entries_.push_back({fields[1], {std::move(name), *role}});
    if (end == text.size()) break;
  }
  return store;
}

TokenStore TokenStore::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::not_found, "cannot read the token file", file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), file.string());
}

std::optional<Identity> TokenStore::authenticate(std::string_view token) const {
  std::optional<Identity> found;
  // No early exit: every entry is compared whatever matched.
  for (const auto& entry : entries_) {
    if (constant_time_equal(entry.token, token) && !found) found = entry.identity;
  }
  return found;
}

}  // namespace cyclerd

// Tokens from the token file: one `ROLE TOKEN NAME` per line (roles viewer, operator; `#` starts a
// comment). A token names a person or program, recorded with every change it makes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/rpc/caller.hpp"

namespace cyclerd {

// Who a valid token belongs to.
struct Identity {
  std::string name;
  rpc::Role role = rpc::Role::viewer;
};

class TokenStore {
 public:
  // Reads a token file; throws Error(invalid_input) with "FILE:LINE" as `where` for a bad line,
  // Error(not_found) when the file cannot be read.
  static TokenStore load(const std::filesystem::path& file);
  // Parses token-file text; `source` names it in errors.
  static TokenStore parse(std::string_view text, const std::string& source);

  // The identity of `token`, or nullopt. Compares in constant time against every token, so the time
  // taken tells an attacker neither which token nor how many leading bytes matched.
  std::optional<Identity> authenticate(std::string_view token) const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string token;
    Identity identity;
  };
  std::vector<Entry> entries_;
};

// True when `a` equals `b`; the time taken depends only on their lengths, not their contents.
bool constant_time_equal(std::string_view a, std::string_view b);

// "viewer" / "operator" → the role; nullopt otherwise.
std::optional<rpc::Role> parse_role(std::string_view text);

}  // namespace cyclerd

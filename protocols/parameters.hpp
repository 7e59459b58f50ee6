// Protocol parameters: declared with defaults, overridden by the caller ("rate=15 A/g"), and
// substituted into strings wherever `${name}` appears.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/diagnostics.hpp"
#include "protocols/protocol.hpp"

namespace cyclerd {

// The parameters of one protocol instance.
class ParameterTable {
 public:
  // Reads the `parameters` object (may be null) and applies `overrides` ("name=value" strings).
  // Every default and override must be a quantity or a bare number; problems go to `diagnostics`.
  static ParameterTable read(const nlohmann::json* parameters, const std::vector<std::string>& overrides,
                             Diagnostics& diagnostics);

  // `text` with every ${name} replaced by its value; an unknown or malformed reference is an error at
  // `pointer` and gives nullopt.
  std::optional<std::string> substitute(std::string_view text, const std::string& pointer,
                                        Diagnostics& diagnostics) const;

  // The declared parameters with the values in use, sorted by name (JSON objects keep no order).
  const std::vector<Parameter>& list() const { return list_; }

 private:
  std::vector<Parameter> list_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace cyclerd

#include "protocols/library.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "protocols/library_files.hpp"

namespace cyclerd {

std::vector<std::string> library_protocol_names() {
  std::vector<std::string> names;
  for (const auto& file : detail::library_files()) names.emplace_back(file.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string_view> library_protocol_text(std::string_view name) {
  for (const auto& file : detail::library_files()) {
    if (file.name == name) return file.text;
  }
  return std::nullopt;
}

ParseResult load_library_protocol(std::string_view name, const std::vector<std::string>& overrides) {
  const auto text = library_protocol_text(name);
  if (!text) {
    std::string known;
    for (const auto& n : library_protocol_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::not_found, "no library protocol named '" + std::string(name) + "'; the library has " + known);
  }
  return parse_protocol(*text, overrides);
}

}  // namespace cyclerd

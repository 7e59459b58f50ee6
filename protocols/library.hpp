// The built-in protocols of the paper (protocols/library/*.json), embedded at build time so that no
// runtime path is needed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/parser.hpp"

namespace cyclerd {

// The names of the library protocols ("activation", "gitt", ...), sorted.
std::vector<std::string> library_protocol_names();

// The JSON text of a library protocol as shipped, or nullopt for an unknown name.
std::optional<std::string_view> library_protocol_text(std::string_view name);

// Parses a library protocol with parameter overrides ("rate=15 A/g").
// Throws Error(not_found) naming the library's protocols when `name` is not one of them.
ParseResult load_library_protocol(std::string_view name, const std::vector<std::string>& overrides = {});

}  // namespace cyclerd

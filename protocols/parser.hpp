// Reads a protocol from JSON into the model, collecting every problem with its JSON pointer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/diagnostics.hpp"
#include "protocols/protocol.hpp"

namespace cyclerd {

// The same limit as one JSON-RPC message: a protocol is never bigger than what can be submitted.
inline constexpr std::size_t kMaxProtocolBytes = std::size_t{1} << 20;
// JSON nesting deeper than this is refused before parsing; 64 nested loops need about 130 levels.
inline constexpr int kMaxJsonDepth = 256;

// A protocol, or the reasons it could not be read.
struct ParseResult {
  std::optional<Protocol> protocol;     // set exactly when `errors` is empty
  std::vector<ValidationError> errors;  // all of them, each with a pointer

  bool ok() const { return protocol.has_value(); }
};

// Parses JSON text; malformed JSON is one error at pointer "" with the byte position.
// `overrides` are "name=value" strings replacing parameter defaults. Never throws for bad input.
ParseResult parse_protocol(std::string_view json_text, const std::vector<std::string>& overrides = {});

// Parses an already-decoded document (e.g. the `protocol` object of a JSON-RPC request).
ParseResult parse_protocol_document(const nlohmann::json& document, const std::vector<std::string>& overrides = {});

}  // namespace cyclerd

#include "protocols/parser.hpp"

#include "protocols/parameters.hpp"
#include "protocols/reader.hpp"

namespace cyclerd {

namespace {

// The deepest nesting of arrays and objects, scanning outside strings; stops early past `limit`.
// Checked before parsing so that hostile nesting gets a clear error, not a deep recursion anywhere.
std::optional<std::size_t> too_deep_at(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace

ParseResult parse_protocol(std::string_view json_text, const std::vector<std::string>& overrides) {
  ParseResult result;
  if (json_text.size() > kMaxProtocolBytes) {
    result.errors.push_back({"", "the protocol is " + std::to_string(json_text.size()) +
                                     " bytes; a protocol must fit in " + std::to_string(kMaxProtocolBytes) +
                                     " bytes (1 MiB)"});
    return result;
  }
  if (const auto at = too_deep_at(json_text, kMaxJsonDepth)) {
    result.errors.push_back({"", "JSON nested more than " + std::to_string(kMaxJsonDepth) +
                                     " levels deep at byte " + std::to_string(*at) +
                                     "; a protocol needs only a few levels"});
    return result;
  }
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    result.errors.push_back({"", valid_utf8("not valid JSON at byte " + std::to_string(e.byte) + ": " +
                                            e.what() + "; a protocol is one JSON object")});
    return result;
  } catch (const nlohmann::json::exception& e) {
    // Not a syntax error but still unreadable, e.g. a number too large for a double ("1e2300").
    result.errors.push_back({"", valid_utf8(std::string("unreadable JSON: ") + e.what() +
                                            "; write numbers within the range of a double")});
    return result;
  }
  return parse_protocol_document(document, overrides);
}

ParseResult parse_protocol_document(const nlohmann::json& document, const std::vector<std::string>& overrides) {
  ParseResult result;
  Diagnostics diagnostics;
  if (!document.is_object()) {
    result.errors.push_back({"", "a protocol is a JSON object with \"name\" and \"steps\"; found a " +
                                     std::string(document.type_name())});
    return result;
  }
  const auto find = [&](const char* key) -> const nlohmann::json* {
    const auto it = document.find(key);
    return it == document.end() ? nullptr : &*it;
  };
  const ParameterTable parameters = ParameterTable::read(find("parameters"), overrides, diagnostics);
  Reader reader(parameters, diagnostics);
  reader.unknown_keys(document, "", {"name", "description", "parameters", "safety", "record", "steps"},
                      "a protocol");

  Protocol protocol;
  protocol.parameters = parameters.list();
  if (const auto* name = find("name")) {
    if (name->is_string() && !name->get_ref<const std::string&>().empty()) {
      protocol.name = name->get<std::string>();
    } else {
      diagnostics.add("/name", "\"name\" must be a non-empty string");
    }
  } else {
    diagnostics.add("", "a protocol needs a \"name\"");
  }
  if (const auto* description = find("description")) {
    if (description->is_string()) {
      protocol.description = description->get<std::string>();
    } else {
      diagnostics.add("/description", "\"description\" must be a string");
    }
  }
  if (const auto* safety = find("safety")) protocol.safety = reader.safety(*safety, "/safety");
  if (const auto* record = find("record")) protocol.record = reader.record(*record, "/record");
  // One record per second unless the protocol says otherwise (DESIGN.md's default).
  if (protocol.record.empty()) protocol.record.every_s = 1.0;
  if (const auto* steps = find("steps")) {
    protocol.steps = reader.steps(*steps, "/steps", 0, protocol.record);
  } else {
    diagnostics.add("", "a protocol needs \"steps\": an array of steps");
  }

  result.errors = diagnostics.take();
  if (result.errors.empty()) result.protocol = std::move(protocol);
  return result;
}

}  // namespace cyclerd

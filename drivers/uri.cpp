#include "drivers/uri.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace cyclerd {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode(std::string_view part, std::string_view uri) {
  std::string out;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i] == '%') {
      int hi = i + 2 < part.size() ? hex_digit(part[i + 1]) : -1;
      int lo = hi >= 0 ? hex_digit(part[i + 2]) : -1;
      if (lo < 0) {
        throw Error(ErrorCode::invalid_input, "bad %-escape in \"" + std::string(part) + "\"",
                    std::string(uri));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(part[i]);
    }
  }
  return out;
}

}  // namespace

DriverUri DriverUri::parse(std::string_view text) {
  DriverUri uri;
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    throw Error(ErrorCode::invalid_input,
                "\"" + std::string(text) + "\" is not a driver URI (expected scheme://target?key=value)",
                "uri");
  }
  uri.scheme = std::string(text.substr(0, sep));
  std::string_view rest = text.substr(sep + 3);
  auto q = rest.find('?');
  uri.target = decode(rest.substr(0, q), text);
  if (q == std::string_view::npos) return uri;
  std::string_view query = rest.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key = decode(pair.substr(0, eq), text);
    std::string value = eq == std::string_view::npos ? std::string{} : decode(pair.substr(eq + 1), text);
    if (key.empty()) {
      throw Error(ErrorCode::invalid_input, "empty key in the query of \"" + std::string(text) + "\"", "uri");
    }
    if (!uri.query.emplace(key, value).second) {
      throw Error(ErrorCode::invalid_input, "query key \"" + key + "\" is given twice", std::string(text));
    }
  }
  return uri;
}

DriverSettings::DriverSettings(const DriverConfig& config, std::string_view scheme)
    : uri_(DriverUri::parse(config.uri)),
      options_(config.options.is_null() ? nlohmann::json::object() : config.options),
      where_(config.id.empty() ? config.uri : config.id + " (" + config.uri + ")") {
  if (uri_.scheme != scheme) {
    throw Error(ErrorCode::invalid_input,
                "URI scheme \"" + uri_.scheme + "\" is not \"" + std::string(scheme) + "\"", where_);
  }
  if (!options_.is_object()) {
    throw Error(ErrorCode::invalid_input, "driver options must be a JSON object", where_);
  }
}

Error DriverSettings::bad(const std::string& key, const std::string& value, const std::string& expected) const {
  return Error(ErrorCode::invalid_input, "bad " + key + " \"" + value + "\": expected " + expected, where_);
}

std::optional<std::string> DriverSettings::take(const std::string& key) {
  known_ += known_.empty() ? key : ", " + key;
  std::optional<std::string> value;
  if (auto it = uri_.query.find(key); it != uri_.query.end()) {
    value = it->second;
    uri_.query.erase(it);
  }
  if (auto it = options_.find(key); it != options_.end()) {
    value = it->is_string() ? it->get<std::string>() : it->dump();
    options_.erase(it);
  }
  return value;
}

std::optional<std::uint64_t> DriverSettings::unsigned_integer(const std::string& key) {
  auto value = take(key);
  if (!value) return std::nullopt;
  std::uint64_t n = 0;
  const char* end = value->data() + value->size();
  auto [ptr, ec] = std::from_chars(value->data(), end, n);
  if (value->empty() || ec != std::errc{} || ptr != end) throw bad(key, *value, "a non-negative integer");
  return n;
}

std::optional<double> DriverSettings::number(const std::string& key, bool (*valid)(double),
                                             const std::string& expected) {
  auto value = take(key);
  if (!value) return std::nullopt;
  // strtod rather than from_chars: the latter needs a newer libstdc++ for doubles on some targets.
  char* end = nullptr;
  double x = std::strtod(value->c_str(), &end);
  if (value->empty() || end != value->c_str() + value->size() || !std::isfinite(x)) {
    throw bad(key, *value, "a number");
  }
  if (valid != nullptr && !valid(x)) throw bad(key, *value, expected);
  return x;
}

std::optional<std::string> DriverSettings::text(const std::string& key) { return take(key); }

std::optional<nlohmann::json> DriverSettings::json(const std::string& key) {
  known_ += known_.empty() ? key : ", " + key;
  if (uri_.query.count(key) != 0) {
    throw Error(ErrorCode::invalid_input, key + " can only be given in the driver options, not in the URI",
                where_);
  }
  auto it = options_.find(key);
  if (it == options_.end()) return std::nullopt;
  nlohmann::json value = *it;
  options_.erase(it);
  return value;
}

void DriverSettings::finish() const {
  std::string unknown;
  if (!uri_.query.empty()) unknown = "query key \"" + uri_.query.begin()->first + "\"";
  else if (!options_.empty()) unknown = "option \"" + options_.begin().key() + "\"";
  if (!unknown.empty()) {
    throw Error(ErrorCode::invalid_input, "unknown " + unknown + " (known: " + known_ + ")", where_);
  }
}

}  // namespace cyclerd

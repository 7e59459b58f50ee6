#include "daemon/http/request_checks.hpp"

#include <boost/beast/core/string.hpp>

namespace cyclerd::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

bool same_ignoring_case(std::string_view a, std::string_view b) {
  return beast::iequals(beast::string_view(a.data(), a.size()), beast::string_view(b.data(), b.size()));
}

}  // namespace

std::optional<std::string> listed_origin(const bhttp::fields& request, const std::vector<std::string>& allowed) {
  const auto origin_field = request.find(bhttp::field::origin);
  if (origin_field == request.end()) return std::nullopt;
  const auto origin = trim(view(origin_field->value()));
  for (const auto& entry : allowed) {
    if (same_ignoring_case(origin, entry)) return std::string(origin);
  }
  return std::nullopt;
}

bool origin_allowed(const bhttp::fields& request, const std::vector<std::string>& allowed) {
  const auto origin_field = request.find(bhttp::field::origin);
  if (origin_field == request.end() || listed_origin(request, allowed)) return true;
  const auto origin = trim(view(origin_field->value()));
  // A page served from the daemon's own address (through a proxy: the daemon serves no pages itself).
  const auto host = request.find(bhttp::field::host);
  if (host == request.end()) return false;
  return same_ignoring_case(origin, "http://" + std::string(trim(view(host->value()))));
}

BearerCheck check_bearer(const bhttp::fields& request, const TokenStore* tokens) {
  BearerCheck check;
  const auto field = request.find(bhttp::field::authorization);
  if (field == request.end()) return check;
  check.presented = true;
  const auto value = trim(view(field->value()));
  // RFC 6750 section 2.1: the scheme is case-insensitive, one or more spaces, then the token.
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() || !same_ignoring_case(value.substr(0, kScheme.size()), kScheme) ||
      (value[kScheme.size()] != ' ' && value[kScheme.size()] != '\t')) {
    check.problem = "the Authorization header must be `Bearer TOKEN`";
    return check;
  }
  const auto token = trim(value.substr(kScheme.size()));
  check.identity = tokens && !token.empty() ? tokens->authenticate(token) : std::nullopt;
  if (!check.identity) check.problem = "unknown token";
  return check;
}

}  // namespace cyclerd::http

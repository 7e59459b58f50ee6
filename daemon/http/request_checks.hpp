// The checks every HTTP request and WebSocket upgrade goes through before the Dispatcher sees it: where
// a browser page comes from (Origin) and who presents which token (Authorization: Bearer). Roles are
// not checked here: the Dispatcher does that, the same for every transport.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/beast/http/fields.hpp>

#include "daemon/auth.hpp"

namespace cyclerd::http {

// True when the request carries no Origin (not sent by a browser page), comes from the daemon's own
// origin (`http://` + its Host), or from one of `allowed` (compared without regard to case).
bool origin_allowed(const boost::beast::http::fields& request, const std::vector<std::string>& allowed);
// The request's Origin when it is one of `allowed` (what Access-Control-Allow-Origin then names); nullopt
// without an Origin, for the daemon's own origin (a page there needs no CORS) and for any other.
std::optional<std::string> listed_origin(const boost::beast::http::fields& request,
                                         const std::vector<std::string>& allowed);

// The outcome of reading `Authorization: Bearer TOKEN`.
struct BearerCheck {
  bool presented = false;             // an Authorization header was sent
  std::optional<Identity> identity;   // set when the token is known
  std::string problem;                // why a presented credential was refused (for the 401 body)
};

// Authenticates the request's bearer token against `tokens` (null: no token is valid).
BearerCheck check_bearer(const boost::beast::http::fields& request, const TokenStore* tokens);

}  // namespace cyclerd::http

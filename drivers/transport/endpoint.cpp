#include "drivers/transport/endpoint.hpp"

#include <charconv>

namespace cyclerd {

std::string Endpoint::describe() const {
  if (kind == Kind::serial) return "serial://" + path;
  return "tcp://" + host + ":" + std::to_string(port);
}

std::string transport_scheme(std::string_view uri) {
  DriverUri parsed = DriverUri::parse(uri);
  if (parsed.scheme != "serial" && parsed.scheme != "tcp") {
    throw Error(ErrorCode::invalid_input,
                "URI scheme \"" + parsed.scheme + "\" is not a transport (expected serial:// or tcp://)",
                std::string(uri));
  }
  return parsed.scheme;
}

namespace {

bool positive(double x) { return x > 0; }
bool non_negative(double x) { return x >= 0; }

std::chrono::milliseconds millis(double ms) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

void parse_tcp_target(DriverSettings& settings, Endpoint& e) {
  const std::string& target = settings.target();
  // A bracketed IPv6 literal keeps its colons: tcp://[::1]:5025.
  std::size_t colon = target.rfind(':');
  if (target.empty() || colon == std::string::npos || colon == 0 || colon + 1 == target.size()) {
    throw settings.bad("target", target, "host:port, e.g. tcp://192.168.1.50:5025");
  }
  std::string host = target.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const char* first = target.data() + colon + 1;
  const char* last = target.data() + target.size();
  auto [ptr, ec] = std::from_chars(first, last, port);
  if (ec != std::errc{} || ptr != last || port == 0 || port > 65535) {
    throw settings.bad("port", std::string(first, last), "a TCP port 1..65535");
  }
  e.host = host;
  e.port = static_cast<std::uint16_t>(port);
}

void parse_serial(DriverSettings& settings, Endpoint& e) {
  if (settings.target().empty() || settings.target().front() != '/') {
    throw settings.bad("target", settings.target(), "an absolute device path, e.g. serial:///dev/ttyUSB0");
  }
  e.path = settings.target();
  if (auto baud = settings.unsigned_integer("baud")) {
    if (*baud < 50 || *baud > 4000000) throw settings.bad("baud", std::to_string(*baud), "50..4000000");
    e.baud = static_cast<int>(*baud);
  }
  if (auto bits = settings.unsigned_integer("bits")) {
    if (*bits < 5 || *bits > 8) throw settings.bad("bits", std::to_string(*bits), "5, 6, 7 or 8");
    e.data_bits = static_cast<int>(*bits);
  }
  if (auto parity = settings.text("parity")) {
    if (*parity == "none") e.parity = SerialParity::none;
    else if (*parity == "odd") e.parity = SerialParity::odd;
    else if (*parity == "even") e.parity = SerialParity::even;
    else throw settings.bad("parity", *parity, "none, odd or even");
  }
  if (auto stop = settings.unsigned_integer("stop")) {
    if (*stop != 1 && *stop != 2) throw settings.bad("stop", std::to_string(*stop), "1 or 2");
    e.stop_bits = static_cast<int>(*stop);
  }
  if (auto flow = settings.text("flow")) {
    if (*flow == "none") e.flow = SerialFlow::none;
    else if (*flow == "xonxoff") e.flow = SerialFlow::xonxoff;
    else if (*flow == "rtscts") e.flow = SerialFlow::rtscts;
    else throw settings.bad("flow", *flow, "none, xonxoff or rtscts");
  }
}

}  // namespace

TransportConfig transport_config(DriverSettings& settings, std::string_view scheme, TransportOptions defaults) {
  TransportConfig config;
  config.options = std::move(defaults);
  if (scheme == "serial") {
    config.endpoint.kind = Endpoint::Kind::serial;
    parse_serial(settings, config.endpoint);
  } else if (scheme == "tcp") {
    config.endpoint.kind = Endpoint::Kind::tcp;
    parse_tcp_target(settings, config.endpoint);
  } else {
    throw settings.bad("scheme", std::string(scheme), "serial or tcp");
  }
  TransportOptions& o = config.options;
  if (auto ms = settings.number("timeout_ms", positive, "milliseconds > 0")) o.timeout = millis(*ms);
  if (auto ms = settings.number("connect_timeout_ms", positive, "milliseconds > 0")) o.connect_timeout = millis(*ms);
  if (auto ms = settings.number("backoff_ms", non_negative, "milliseconds >= 0")) o.backoff_initial = millis(*ms);
  if (auto ms = settings.number("backoff_max_ms", non_negative, "milliseconds >= 0")) o.backoff_max = millis(*ms);
  if (auto n = settings.unsigned_integer("reconnect_attempts")) {
    if (*n < 1 || *n > 1000) throw settings.bad("reconnect_attempts", std::to_string(*n), "1..1000");
    o.reconnect_attempts = static_cast<int>(*n);
  }
  return config;
}

}  // namespace cyclerd

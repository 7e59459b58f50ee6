#include "daemon/config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "core/error.hpp"
#include "core/quantity.hpp"
#include "drivers/registry.hpp"
#include "protocols/diagnostics.hpp"

namespace cyclerd {

namespace {

using nlohmann::json;

// Errors carry the file as `where` and the pointer at the start of the message.
struct Reader {
  std::string source;
  std::filesystem::path base_dir;

  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
    throw Error(ErrorCode::invalid_input, (pointer.empty() ? "/" : pointer) + ": " + message, source);
  }

  // Rejects every key of `object` not in `known`, naming it and the known ones.
  void only_keys(const json& object, const std::string& pointer, std::initializer_list<std::string_view> known) const {
    if (!object.is_object()) fail(pointer, "must be an object");
    for (const auto& [key, value] : object.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string list;
      for (const auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(pointer_append(pointer, key), "unknown key " + quote(key) + " (known keys here: " + list + ")");
    }
  }

  std::string string(const json& value, const std::string& pointer) const {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) fail(pointer, "must be a non-empty string");
    return value.get<std::string>();
  }

  std::filesystem::path path(const json& value, const std::string& pointer) const {
    std::filesystem::path p = string(value, pointer);
    return p.is_absolute() ? p : (base_dir / p).lexically_normal();
  }

  double quantity(const json& value, const std::string& pointer, Dimension dimension) const {
    if (!value.is_string()) fail(pointer, "must be a quantity string such as \"3.2 V\"");
    try {
      return parse_value(value.get<std::string>(), dimension, pointer);
    } catch (const Error& error) {
      fail(pointer, error.message());
    }
  }
};

bool valid_channel_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

ChannelConfig read_channel(const Reader& r, const json& object, const std::string& pointer) {
  r.only_keys(object, pointer, {"id", "driver", "uri", "model", "speed", "limits", "on_restart"});
  ChannelConfig channel;
  for (const auto key : {"id", "driver", "uri"}) {
    if (!object.contains(key)) r.fail(pointer_append(pointer, key), "missing (every channel needs id, driver and uri)");
  }
  channel.id = r.string(object.at("id"), pointer + "/id");
  if (!valid_channel_id(channel.id)) {
    r.fail(pointer + "/id", "use letters, digits, '-', '_' and '.' (at most 64): " + quote(channel.id));
  }
  channel.driver = r.string(object.at("driver"), pointer + "/driver");
  const auto& registry = driver_registry();
  if (std::none_of(registry.begin(), registry.end(), [&](const auto& e) { return e.kind == channel.driver; })) {
    std::string known;
    for (const auto& e : registry) known += (known.empty() ? "" : ", ") + std::string(e.kind);
    r.fail(pointer + "/driver", "unknown driver " + quote(channel.driver) + " (known: " + known + ")");
  }
  channel.uri = r.string(object.at("uri"), pointer + "/uri");
  if (object.contains("model")) channel.model = r.string(object.at("model"), pointer + "/model");
  if (object.contains("speed")) {
    const auto& speed = object.at("speed");
    const bool ok = (speed.is_string() && (speed == "realtime" || speed == "max")) ||
                    (speed.is_number() && speed.get<double>() > 0);
    if (!ok) r.fail(pointer + "/speed", "must be \"realtime\", \"max\" or a positive number (simulated s per s)");
    channel.speed = speed;
  }
  if (object.contains("limits")) {
    const auto& limits = object.at("limits");
    const auto lp = pointer + "/limits";
    r.only_keys(limits, lp, {"v_min", "v_max", "i_max"});
    if (limits.contains("v_min")) channel.limits.v_min_V = r.quantity(limits["v_min"], lp + "/v_min", Dimension::voltage);
    if (limits.contains("v_max")) channel.limits.v_max_V = r.quantity(limits["v_max"], lp + "/v_max", Dimension::voltage);
    if (limits.contains("i_max")) channel.limits.i_max_A = r.quantity(limits["i_max"], lp + "/i_max", Dimension::current);
    if (channel.limits.v_min_V && channel.limits.v_max_V && *channel.limits.v_min_V >= *channel.limits.v_max_V) {
      r.fail(lp + "/v_max", "must be above v_min");
    }
    if (channel.limits.i_max_A && *channel.limits.i_max_A <= 0) r.fail(lp + "/i_max", "must be positive");
  }
  // A simulated cell can always pick up where it was; a real one may have sat unattended (DESIGN.md).
  channel.on_restart = channel.driver == "sim" ? RestartPolicy::resume : RestartPolicy::hold;
  if (object.contains("on_restart")) {
    const auto& policy = object.at("on_restart");
    if (policy == "resume") channel.on_restart = RestartPolicy::resume;
    else if (policy == "hold") channel.on_restart = RestartPolicy::hold;
    else r.fail(pointer + "/on_restart", "must be \"resume\" or \"hold\"");
  }
  return channel;
}

// One web origin as a browser sends it in `Origin`: scheme://host[:port], nothing after it. Returned in
// lower case (browsers send scheme and host so). A wildcard is refused: any page on the web could then
// drive the lab with a token it has obtained.
std::string read_origin(const Reader& r, const json& value, const std::string& pointer) {
  const auto text = r.string(value, pointer);
  const auto bad = [&](const std::string& why) {
    r.fail(pointer, quote(text) + ": " + why + " (an origin is scheme://host[:port], e.g. \"https://lab.example.org\")");
  };
  if (text == "*" || text == "null") bad("give each allowed origin by name; a wildcard would allow every page");
  std::string origin(text);
  std::transform(origin.begin(), origin.end(), origin.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string::npos) bad("no scheme");
  const auto scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") bad("the scheme must be http or https");
  auto authority = std::string_view(origin).substr(scheme_end + 3);
  if (authority.find_first_of("/?#") != std::string_view::npos) bad("no path, query or fragment (not even a trailing /)");
  if (authority.find('@') != std::string_view::npos) bad("no user name");
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // an IPv6 literal
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad("an IPv6 host needs its closing ]");
    host = authority.substr(0, close + 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') bad("only :port may follow the host");
    if (!rest.empty()) port = rest.substr(1);
    if (host.size() <= 2 || host.find_first_not_of("0123456789abcdef:.", 1) != host.size() - 1) bad("not an IPv6 address");
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (host.empty() || host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string_view::npos) {
      bad("the host must be a name or an IP address");
    }
  }
  if (authority.size() != host.size() &&
      (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
       std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535)) {
    bad("the port must be a number from 1 to 65535");
  }
  return origin;
}

void read_limits(const Reader& r, const json& limits, Config& config) {
  r.only_keys(limits, "/limits", {"max_connections", "idle_timeout_s", "estimate_max_samples", "status_max_age_ms"});
  if (limits.contains("status_max_age_ms")) {
    const auto& v = limits["status_max_age_ms"];
    if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 10'000) {
      r.fail("/limits/status_max_age_ms", "must be a number of milliseconds from 0 to 10000");
    }
    config.status_max_age_ms = v.get<double>();
  }
  if (limits.contains("estimate_max_samples")) {
    const auto& v = limits["estimate_max_samples"];
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() < 1000 || v.get<std::uint64_t>() > 10'000'000'000ULL) {
      r.fail("/limits/estimate_max_samples", "must be an integer from 1000 to 10000000000");
    }
    config.estimate_max_samples = v.get<std::int64_t>();
  }
  if (limits.contains("max_connections")) {
    const auto& v = limits["max_connections"];
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() < 1 || v.get<std::uint64_t>() > 10000) {
      r.fail("/limits/max_connections", "must be an integer from 1 to 10000");
    }
    config.max_connections = v.get<std::size_t>();
  }
  if (limits.contains("idle_timeout_s")) {
    const auto& v = limits["idle_timeout_s"];
    if (!v.is_number() || v.get<double>() <= 0) r.fail("/limits/idle_timeout_s", "must be a positive number of seconds");
    config.idle_timeout_s = v.get<double>();
  }
}

void read_log(const Reader& r, const json& log, Config& config) {
  r.only_keys(log, "/log", {"file", "max_size_mb", "files"});
  if (log.contains("file")) config.log_file = r.path(log["file"], "/log/file");
  if (log.contains("max_size_mb")) {
    const auto& v = log["max_size_mb"];
    // Below 0.01 MB a file would rotate every few lines; above 100 GB is surely a typo.
    if (!v.is_number() || v.get<double>() < 0.01 || v.get<double>() > 100000) {
      r.fail("/log/max_size_mb", "must be a number of megabytes from 0.01 to 100000");
    }
    config.log_max_size_mb = v.get<double>();
  }
  if (log.contains("files")) {
    const auto& v = log["files"];
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() < 1 || v.get<std::uint64_t>() > 1000) {
      r.fail("/log/files", "must be an integer from 1 to 1000");
    }
    config.log_files = v.get<int>();
  }
}

void read_storage(const Reader& r, const json& storage, Config& config) {
  r.only_keys(storage, "/storage", {"max_size_mb", "queue_max_rows", "queue_max_mb"});
  if (storage.contains("max_size_mb")) {
    const auto& v = storage["max_size_mb"];
    // Below 0.1 MB not even the schema fits; SQLite's own ceiling is ~8 TB at the default page size.
    if (!v.is_number() || v.get<double>() < 0.1 || v.get<double>() > 8'000'000) {
      r.fail("/storage/max_size_mb", "must be a number of megabytes from 0.1 to 8000000");
    }
    config.storage_max_size_mb = v.get<double>();
  }
  if (storage.contains("queue_max_rows")) {
    const auto& v = storage["queue_max_rows"];
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() < 100 || v.get<std::uint64_t>() > 100'000'000) {
      r.fail("/storage/queue_max_rows", "must be an integer from 100 to 100000000");
    }
    config.storage_queue_max_rows = v.get<std::size_t>();
  }
  if (storage.contains("queue_max_mb")) {
    const auto& v = storage["queue_max_mb"];
    if (!v.is_number() || v.get<double>() < 0.1 || v.get<double>() > 100'000) {
      r.fail("/storage/queue_max_mb", "must be a number of megabytes from 0.1 to 100000");
    }
    config.storage_queue_max_mb = v.get<double>();
  }
}

}  // namespace

const std::vector<std::string>& known_events() {
  static const std::vector<std::string> events{"completed", "failed", "stopped", "interrupted",
                                               "safety_trip", "channel_faulted", "storage_warning"};
  return events;
}

nlohmann::json ChannelConfig::driver_options() const {
  auto options = json::object();
  if (!speed.is_null()) options["speed"] = speed;
  if (model) options["model"] = *model;
  return options;
}

DriverConfig ChannelConfig::driver_config() const {
  return DriverConfig{id, uri, driver_options(), ChannelSafetyLimits{limits.v_min_V, limits.v_max_V, limits.i_max_A}};
}

ListenAddress ListenAddress::parse(std::string_view text, std::string_view where) {
  const auto bad = [&](const std::string& why) {
    return Error(ErrorCode::invalid_input, quote(text) + ": " + why + " (expected HOST:PORT, e.g. 127.0.0.1:7710)",
                 std::string(where));
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) throw bad("no port");
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto port_text = text.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw bad("the port is not a number");
  }
  const auto port = std::stoul(std::string(port_text));
  if (port > 65535) throw bad("the port is above 65535");
  if (host != "localhost") {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec) throw bad("the host is not an IP address or localhost");
  }
  return {host, static_cast<std::uint16_t>(port)};
}

std::string ListenAddress::to_string() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Config parse_config(std::string_view text, const std::string& source, const std::filesystem::path& base_dir) {
  const Reader r{source, base_dir};
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw Error(ErrorCode::invalid_input, "not valid JSON", source);
  r.only_keys(doc, "", {"database", "listen", "auth", "on_event", "channels", "log_level", "log", "limits",
                        "storage"});

  Config config;
  config.source = source;
  config.database = doc.contains("database") ? r.path(doc["database"], "/database") : base_dir / "cyclerd.sqlite";
  if (doc.contains("listen")) {
    const auto& listen = doc["listen"];
    r.only_keys(listen, "/listen", {"tcp", "http", "allowed_origins"});
    const auto address = [&](const char* key) {
      const auto pointer = std::string("/listen/") + key;
      try {
        return ListenAddress::parse(r.string(listen[key], pointer));
      } catch (const Error& error) {
        r.fail(pointer, error.message());
      }
    };
    if (listen.contains("tcp")) config.listen_tcp = address("tcp");
    if (listen.contains("http") && !listen["http"].is_null()) config.listen_http = address("http");
    if (listen.contains("allowed_origins")) {
      const auto& origins = listen["allowed_origins"];
      if (!origins.is_array()) r.fail("/listen/allowed_origins", "must be an array of origins such as \"https://lab.example.org\"");
      for (std::size_t i = 0; i < origins.size(); ++i) {
        config.allowed_origins.push_back(read_origin(r, origins[i], pointer_append("/listen/allowed_origins", i)));
      }
    }
  }
  if (doc.contains("auth")) {
    const auto& auth = doc["auth"];
    r.only_keys(auth, "/auth", {"token_file", "required"});
    if (auth.contains("token_file")) config.token_file = r.path(auth["token_file"], "/auth/token_file");
    if (auth.contains("required")) {
      if (!auth["required"].is_boolean()) r.fail("/auth/required", "must be true or false");
      config.auth_required = auth["required"].get<bool>();
    }
  }
  if (doc.contains("on_event")) {
    const auto& on_event = doc["on_event"];
    r.only_keys(on_event, "/on_event", {"command", "events"});
    if (on_event.contains("command")) config.on_event_command = r.path(on_event["command"], "/on_event/command");
    if (on_event.contains("events")) {
      const auto& events = on_event["events"];
      if (!events.is_array()) r.fail("/on_event/events", "must be an array of event names");
      for (std::size_t i = 0; i < events.size(); ++i) {
        const auto pointer = pointer_append("/on_event/events", i);
        const auto name = r.string(events[i], pointer);
        const auto& known = known_events();
        if (std::find(known.begin(), known.end(), name) == known.end()) {
          std::string list;
          for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
          r.fail(pointer, "unknown event " + quote(name) + " (known: " + list + ")");
        }
        config.on_event_events.push_back(name);
      }
    }
  }
  if (doc.contains("channels")) {
    const auto& channels = doc["channels"];
    if (!channels.is_array()) r.fail("/channels", "must be an array of channels");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < channels.size(); ++i) {
      const auto pointer = pointer_append("/channels", i);
      auto channel = read_channel(r, channels[i], pointer);
      if (!ids.insert(channel.id).second) r.fail(pointer + "/id", "channel id " + quote(channel.id) + " repeated");
      config.channels.push_back(std::move(channel));
    }
  }
  if (doc.contains("log_level")) {
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
    config.log_level = r.string(doc["log_level"], "/log_level");
    if (!levels.contains(config.log_level)) {
      r.fail("/log_level", "must be one of trace, debug, info, warn, error, critical, off");
    }
  }
  if (doc.contains("log")) read_log(r, doc["log"], config);
  if (doc.contains("limits")) read_limits(r, doc["limits"], config);
  if (doc.contains("storage")) read_storage(r, doc["storage"], config);
  if (config.auth_required && !config.token_file) {
    r.fail("/auth", "auth.required is true but no auth.token_file is given (give one, or set required to false)");
  }
  return config;
}

Config load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::not_found, "cannot read the configuration file", file.string());
  std::ostringstream text;
  text << in.rdbuf();
  const auto dir = std::filesystem::absolute(file).parent_path();
  return parse_config(text.str(), file.string(), dir);
}

Config default_config() {
  return parse_config(embedded_sim_config(), "<embedded config/sim.json>", std::filesystem::current_path());
}

void apply_overrides(Config& config, const ConfigOverrides& o) {
  if (o.database) config.database = *o.database;
  if (o.listen_tcp) config.listen_tcp = ListenAddress::parse(*o.listen_tcp, "--listen-tcp");
  if (o.listen_http) config.listen_http = ListenAddress::parse(*o.listen_http, "--listen-http");
  if (o.token_file) config.token_file = *o.token_file;
  if (o.ready_file) config.ready_file = *o.ready_file;
  if (o.log_file) config.log_file = *o.log_file;
  if (o.log_level) {
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (!levels.contains(*o.log_level)) {
      throw Error(ErrorCode::invalid_input, "must be one of trace, debug, info, warn, error, critical, off",
                  "--log-level");
    }
    config.log_level = *o.log_level;
  }
}

void check_channel_drivers(const Config& config) {
  boost::asio::io_context io;  // never run: constructing a driver connects to nothing
  for (std::size_t i = 0; i < config.channels.size(); ++i) {
    const auto& channel = config.channels[i];
    DriverConfig driver_config = channel.driver_config();
    try {
      make_driver(channel.driver, io.get_executor(), driver_config);
    } catch (const Error& error) {
      throw Error(ErrorCode::invalid_input,
                  pointer_append("/channels", i) + " (" + channel.id + "): " + error.what(), config.source.string());
    }
  }
}

}  // namespace cyclerd

// The daemon's configuration file (DESIGN.md "Configuration"): one JSON object, unknown keys are errors
// naming the key and its JSON pointer, relative paths are relative to the file, and command-line flags
// override it. config/sim.json is embedded and used when no file is given.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cyclerd {

// A host and port to listen on ("127.0.0.1:7710"; port 0 picks a free one).
struct ListenAddress {
  std::string host;  // an IPv4/IPv6 literal or "localhost"
  std::uint16_t port = 0;

  // Parses "HOST:PORT" or "[V6]:PORT"; throws Error(invalid_input) quoting the text.
  static ListenAddress parse(std::string_view text, std::string_view where = {});
  std::string to_string() const;
};

// What a channel does with a run the daemon stopped under it, at the next start.
enum class RestartPolicy { resume, hold };

struct DriverConfig;

// Channel-wide safety limits, SI (checked against every protocol before it runs on the channel).
struct ChannelLimits {
  std::optional<double> v_min_V;
  std::optional<double> v_max_V;
  std::optional<double> i_max_A;
};

// One channel of the configuration.
struct ChannelConfig {
  std::string id;                   // "sim-1": how clients name the channel
  std::string driver;               // a registry kind ("sim")
  std::string uri;                  // "sim://zns-znse?seed=1"
  std::optional<std::string> model;  // instrument model for drivers that serve several ("keithley-2450")
  nlohmann::json speed;             // simulated channels: "realtime", "max" or a positive number; null if absent
  ChannelLimits limits;
  RestartPolicy on_restart = RestartPolicy::hold;

  // The options a driver receives (speed, model): DriverConfig::options.
  nlohmann::json driver_options() const;
  // What the channel's driver is made from: id, URI, driver_options() and the safety limits.
  DriverConfig driver_config() const;
};

struct Config {
  std::filesystem::path source;   // the file read, or "<embedded config/sim.json>"
  std::filesystem::path database;  // absolute or relative to the working directory
  ListenAddress listen_tcp{"127.0.0.1", 7710};
  std::optional<ListenAddress> listen_http;
  // listen.allowed_origins: web origins ("https://lab.example.org", lower case) whose pages may call the
  // HTTP and WebSocket API (CORS); empty: none but the daemon's own.
  std::vector<std::string> allowed_origins;
  std::optional<std::filesystem::path> token_file;
  bool auth_required = true;
  std::optional<std::filesystem::path> on_event_command;
  std::vector<std::string> on_event_events;
  std::vector<ChannelConfig> channels;
  std::string log_level = "info";
  // Rotating log files beside the console ("log": {"file", "max_size_mb", "files"}); no file: console only.
  std::optional<std::filesystem::path> log_file;
  double log_max_size_mb = 10;  // a file is rotated when it would pass this size
  int log_files = 5;            // rotated files kept besides the present one
  std::optional<std::filesystem::path> ready_file;  // only from --ready-file
  std::size_t max_connections = 64;                 // limits.max_connections
  double idle_timeout_s = 600;                      // limits.idle_timeout_s
  // limits.estimate_max_samples: a protocols.estimate dry run stops here with a partial estimate
  // (~15 s of one core at the default; the paper's longest protocol needs far fewer).
  std::int64_t estimate_max_samples = 40'000'000;
  // limits.status_max_age_ms: how old a channel's voltage and current in channels.list may be (its state,
  // run, step, cycle, queue and fault are always current). One sample period at 10 Hz by default: dozens of
  // clients polling hundreds of channels then share one text per channel instead of each rebuilding it.
  double status_max_age_ms = 100;
  // "storage": {"max_size_mb", "queue_max_rows", "queue_max_mb"}: a cap on the database's size (a quota: a
  // commit past it fails like a full disk, and runs pause for storage) and the bounds of the writer's
  // queue (schema/README.md says why both rows and bytes); unset, no cap and the writer's own bounds.
  std::optional<double> storage_max_size_mb;
  std::optional<std::size_t> storage_queue_max_rows;
  std::optional<double> storage_queue_max_mb;
};

// The events an on_event command can be told about (the Lab emits them).
const std::vector<std::string>& known_events();

// Reads a configuration file; throws Error(invalid_input) with where = "FILE" and the JSON pointer in the
// message for anything wrong (unknown key, wrong type, bad quantity, unknown driver kind...).
Config load_config(const std::filesystem::path& file);
// Parses configuration text; relative paths resolve against `base_dir`, errors name `source`.
Config parse_config(std::string_view text, const std::string& source, const std::filesystem::path& base_dir);
// The embedded config/sim.json, relative paths resolved against the working directory.
Config default_config();
// The text of the embedded config/sim.json.
std::string_view embedded_sim_config();

// Command-line values that override the file (paths relative to the working directory).
struct ConfigOverrides {
  std::optional<std::string> database;
  std::optional<std::string> listen_tcp;
  std::optional<std::string> listen_http;
  std::optional<std::string> token_file;
  std::optional<std::string> ready_file;
  std::optional<std::string> log_level;
  std::optional<std::string> log_file;
};

// Applies the overrides; throws Error(invalid_input) naming the flag for a bad value.
void apply_overrides(Config& config, const ConfigOverrides& overrides);

// Checks what needs the rest of the system: driver kinds against the registry and each channel's URI
// and options by constructing its driver once (it connects to nothing). Throws Error naming the channel.
void check_channel_drivers(const Config& config);

}  // namespace cyclerd

// cyclerd: the battery-cycler daemon. Reads the configuration (flags override it), serves JSON-RPC over
// TCP, tells systemd when it is ready, and shuts down cleanly on SIGTERM/SIGINT.
#include <malloc.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/auth.hpp"
#include "daemon/channels.hpp"
#include "daemon/config.hpp"
#include "daemon/lab/lab.hpp"
#include "daemon/lab/lab_methods.hpp"
#include "daemon/methods/methods.hpp"
#include "daemon/push/lab_push.hpp"
#include "daemon/rpc/dispatcher.hpp"
#include "daemon/http/listener.hpp"
#include "daemon/rpc/tcp_server.hpp"
#include "daemon/systemd.hpp"

namespace {

using namespace cyclerd;

// Logs go to stderr (stdout belongs to the command-line tools' intended output, STYLE.md) and, when the
// configuration names a file, to rotating files too, so a daemon that runs for months keeps a bounded
// history on disk whether or not systemd's journal is there.
void setup_logging(const Config& config) {
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  if (config.log_file) {
    if (config.log_file->has_parent_path()) std::filesystem::create_directories(config.log_file->parent_path());
    const auto bytes = static_cast<std::size_t>(config.log_max_size_mb * 1024 * 1024);
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        config.log_file->string(), bytes, static_cast<std::size_t>(config.log_files)));
  }
  const auto level = spdlog::level::from_str(config.log_level);
  // One logger per module (STYLE.md), all writing to the same sinks.
  for (const auto* name : {"daemon", "rpc", "store", "http", "ws", "push"}) {
    auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
    logger->set_level(level);
    spdlog::register_logger(logger);
  }
  auto fallback = std::make_shared<spdlog::logger>("cyclerd", sinks.begin(), sinks.end());
  fallback->set_level(level);
  spdlog::set_default_logger(fallback);
  // A crash must not lose the last lines before it: warnings flush at once, the rest every second.
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
}

// Written to a temporary name and renamed, so a script polling for the file never reads half of it.
// "http" is null when no HTTP listener was asked for.
void write_ready_file(const std::filesystem::path& file, std::uint16_t tcp_port, std::optional<std::uint16_t> http_port) {
  const nlohmann::json ready = {{"pid", ::getpid()}, {"tcp", tcp_port},
                                {"http", http_port ? nlohmann::json(*http_port) : nlohmann::json(nullptr)}};
  const auto temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << ready.dump() << "\n";
    if (!out) throw Error(ErrorCode::invalid_input, "cannot write the ready file", temporary);
  }
  std::filesystem::rename(temporary, file);
}

// glibc keeps memory freed after a burst (a channel at full speed fills the storage queue with megabytes
// of rows that the writer then frees) in its arenas: only the top of an arena is ever given back, so a
// few live blocks above the freed ones pin the whole burst, and a daemon that runs for months would stay
// at its highest burst forever. malloc_trim(0) returns the free pages of every arena (madvise); once a
// second is cheap (it walks the free lists only) and the pages cost one fault each when used again.
void return_freed_memory(boost::asio::steady_timer& timer) {
  timer.expires_after(std::chrono::seconds(1));
  timer.async_wait([&timer](boost::system::error_code ec) {
    if (ec) return;  // cancelled at shutdown
    ::malloc_trim(0);
    return_freed_memory(timer);
  });
}

int serve(const Config& config) {
  const auto log = spdlog::get("daemon");
  log->info("cyclerd {} starting with {} ({} channels)", CYCLERD_VERSION, config.source.string(),
            config.channels.size());
  std::optional<TokenStore> tokens;
  if (config.token_file) {
    tokens = TokenStore::load(*config.token_file);
    log->info("{} tokens from {}", tokens->size(), config.token_file->string());
  }
  if (!config.auth_required) log->warn("auth.required is false: every client may read and change everything");

  // One thread runs it (the writer and alert threads only post): the hint lets Asio skip its locking for
  // handlers posted from that thread.
  boost::asio::io_context io(1);
  lab::Lab lab(config, io);
  rpc::MethodTable methods;
  add_daemon_methods(methods, {CYCLERD_VERSION, config.database, std::chrono::steady_clock::now()});
  add_protocol_methods(methods, lab, [&lab](std::string_view name) { return lab.cell_info(name); });
  add_channel_methods(methods, lab);
  lab::add_cell_methods(methods, lab);
  lab::add_run_methods(methods, lab);
  lab::add_estimate_method(methods, lab);
  push::LabPush lab_push(io, lab, methods);  // subscribe/unsubscribe and the runs.progress ticker
  lab.start();

  rpc::Dispatcher dispatcher(methods, tokens ? &*tokens : nullptr, config.auth_required);
  rpc::TcpLimits limits;
  limits.max_connections = config.max_connections;
  limits.idle_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(config.idle_timeout_s * 1000));
  rpc::TcpServer server(io, dispatcher, limits);
  const auto endpoint = server.listen(config.listen_tcp);
  log->info("JSON-RPC on tcp {}:{}", endpoint.address().to_string(), endpoint.port());
  // HTTP POST /rpc and WebSocket /ws: the same dispatcher, limits from the same configuration keys.
  http::HttpLimits http_limits;
  http_limits.max_connections = config.max_connections;
  http_limits.idle_timeout = limits.idle_timeout;
  http_limits.allowed_origins = config.allowed_origins;
  http::HttpListener http_listener(io, dispatcher, tokens ? &*tokens : nullptr, http_limits);
  std::optional<std::uint16_t> http_port;
  if (config.listen_http) {
    const auto http_endpoint = http_listener.listen(*config.listen_http);
    http_port = http_endpoint.port();
    log->info("JSON-RPC on http://{}:{}/rpc and ws://{}:{}/ws", http_endpoint.address().to_string(), *http_port,
              http_endpoint.address().to_string(), *http_port);
  }
  if (config.ready_file) write_ready_file(*config.ready_file, endpoint.port(), http_port);

  SystemdNotifier systemd(io);
  boost::asio::steady_timer trim_timer(io);
  return_freed_memory(trim_timer);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    log->info("signal {}: shutting down", signal);
    systemd.stopping();
    server.stop();
    http_listener.stop();
    lab_push.stop();
    trim_timer.cancel();
    // Runs stop between two samples with a checkpoint, channels go safe, storage is flushed; then, with
    // every connection closed and no timer left, io.run() returns.
    lab.shutdown([] {});
  });
  systemd.ready();
  io.run();
  log->info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cyclerd: battery-cycler control daemon (JSON-RPC over TCP)"};
  std::string config_file;
  ConfigOverrides overrides;
  bool check_only = false;
  app.add_option("--config", config_file, "configuration file (default: the embedded config/sim.json)");
  app.add_option("--db", overrides.database, "SQLite database file (overrides `database`)");
  app.add_option("--listen-tcp", overrides.listen_tcp, "HOST:PORT for JSON-RPC over TCP; port 0 picks a free one");
  app.add_option("--listen-http", overrides.listen_http, "HOST:PORT for HTTP (overrides listen.http)");
  app.add_option("--token-file", overrides.token_file, "token file, `ROLE TOKEN NAME` per line");
  app.add_option("--ready-file", overrides.ready_file, "write {\"pid\", \"tcp\", \"http\"} here once listening");
  app.add_option("--log-level", overrides.log_level, "trace, debug, info, warn, error, critical or off");
  app.add_option("--log-file", overrides.log_file, "also log to this file, rotated (overrides log.file)");
  app.add_flag("--check-config", check_only, "check the configuration and token file, then exit");
  app.set_version_flag("--version", std::string("cyclerd ") + CYCLERD_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;  // 2: usage, as for cyclerctl
  }

  Config config;
  try {
    config = config_file.empty() ? default_config() : load_config(config_file);
    apply_overrides(config, overrides);
    check_channel_drivers(config);
    if (config.auth_required && !config.token_file) {
      throw Error(ErrorCode::invalid_input, "auth.required is true but no token file is given", "--token-file");
    }
    if (config.token_file) TokenStore::load(*config.token_file);
  } catch (const Error& error) {
    std::cerr << "cyclerd: configuration error: " << error.what() << "\n";
    return 1;
  }
  if (check_only) {
    std::cout << "configuration OK: " << config.channels.size() << " channels\n";
    return 0;
  }
  try {
    setup_logging(config);
  } catch (const std::exception& error) {
    std::cerr << "cyclerd: cannot open the log file " << config.log_file->string() << ": " << error.what() << "\n";
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a client or alert command that goes away must not kill the daemon
  int code = 1;
  try {
    code = serve(config);
  } catch (const std::exception& error) {
    spdlog::get("daemon")->critical("{}", error.what());
  }
  spdlog::shutdown();  // flushes the files
  return code;
}

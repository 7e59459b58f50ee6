// What every cyclerctl command that talks to a running cyclerd shares (internal to cyclerctl): the
// options that say where the daemon is and how to log in, connecting, the exit codes of failures, and
// registering such a subcommand. The commands themselves are grouped by what they do:
// run_commands.cpp (queue and control runs), result_commands.cpp (a run's results and exports),
// catalog_commands.cpp (cells and protocols), watch_command.cpp (the live view).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tools/cyclerctl/commands.hpp"
#include "tools/cyclerctl/rpc_client.hpp"

namespace cyclerd::ctl {

// The options every daemon command shares (given before or after the subcommand).
struct DaemonOptions {
  std::string connect = "127.0.0.1:7710";  // HOST:PORT
  std::string token_file;                  // log in with its first token; empty: no login
  bool json = false;                       // print one JSON object instead of tables
};

// Connects and, with a token file, logs in with its first token (a line "TOKEN", or "ROLE TOKEN NAME").
std::unique_ptr<RpcClient> connect(const DaemonOptions& options);

// Runs `body`, mapping failures to DESIGN.md's exit codes with a message that says why.
int guarded(const std::function<int()>& body);

// Registers subcommands that call the daemon with the shared options.
class DaemonCommands {
 public:
  DaemonCommands(Action& action, std::shared_ptr<DaemonOptions> options)
      : action_(action), options_(std::move(options)) {}

  // A subcommand of `parent` that connects and runs `body`, which prints and returns the exit code.
  CLI::App* add(CLI::App& parent, const std::string& name, const std::string& help,
                std::function<int(RpcClient&, const DaemonOptions&)> body);
  // A subcommand that prints what `call` returns: as JSON with --json, else through `show`.
  CLI::App* add_shown(CLI::App& parent, const std::string& name, const std::string& help,
                      std::function<nlohmann::json(RpcClient&)> call, std::function<void(const nlohmann::json&)> show);
  const std::shared_ptr<DaemonOptions>& options() const { return options_; }

 private:
  Action& action_;
  std::shared_ptr<DaemonOptions> options_;
};

// status, submit, pause, resume, stop, cancel, skip, note, runs, show, wait.
void add_run_commands(CLI::App& app, DaemonCommands& commands);
// cycles, events, analysis, and `export RUN` without --db (daemon_export_hook).
void add_result_commands(CLI::App& app, DaemonCommands& commands);
// cells add|list, protocols list|show|validate|estimate.
void add_catalog_commands(CLI::App& app, DaemonCommands& commands);

}  // namespace cyclerd::ctl

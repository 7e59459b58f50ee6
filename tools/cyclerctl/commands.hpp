// cyclerctl's subcommands; each registers itself on the CLI11 app and runs when chosen.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace cyclerd::ctl {

// Exit codes (DESIGN.md): 0 done, 1 the daemon or the input refused, 2 usage, 3 cannot reach the daemon.
inline constexpr int kExitDone = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// The action of the chosen subcommand; returns the exit code.
using Action = std::function<int()>;

// `presets` and `sim-rate-test`: the simulated cell, offline.
void add_sim_commands(CLI::App& app, Action& action);
// `simulate`: a protocol through the channel runner on a simulated cell, offline.
void add_simulate_command(CLI::App& app, Action& action);
// `export` and `backup`: samples out of a database file, and an online copy of one, offline.
void add_storage_commands(CLI::App& app, Action& action);
// status, submit, pause, resume, stop, cancel, skip, note, runs, show, cycles, events, cells, protocols:
// JSON-RPC to a running cyclerd; also serves `export RUN` without --db (daemon_export_hook).
void add_daemon_commands(CLI::App& app, Action& action);
// `export` without --db asks the daemon: (run, format, output file or "" for stdout) -> exit code.
std::function<int(std::int64_t, const std::string&, const std::string&)>& daemon_export_hook();
// `analyze`: the live analyzers offline on a sample or impedance file.
void add_analyze_command(CLI::App& app, Action& action);
// `plot`: a figure of a file's analysis as SVG.
void add_plot_command(CLI::App& app, Action& action);
// `watch [RUN]`: a live view from the daemon's push subscription (channels table, or one run).
void add_watch_command(CLI::App& app, Action& action);

}  // namespace cyclerd::ctl

// `cyclerctl watch [RUN]`: a live view fed by the daemon's push subscription. Without RUN, the channels
// table (runs.progress and events of every run); with RUN, that run's progress, its latest cycles and
// events (runs.progress, runs.cycles and events of the run), until the run ends. Plain ANSI: the screen
// is cleared and redrawn, at most four times a second. `--json` prints the notifications themselves,
// one JSON text per line. Ctrl-C ends it cleanly (exit 0).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <optional>

#include "tools/cyclerctl/commands.hpp"
#include "tools/cyclerctl/daemon_commands.hpp"
#include "tools/cyclerctl/watch_view.hpp"

namespace cyclerd::ctl {
namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

// The value of one of the parent's shared options (--connect, --token-file), or its default.
std::string parent_option(CLI::App& app, const std::string& name) {
  auto* option = app.get_option(name);
  return option->count() ? option->as<std::string>() : option->get_default_str();
}

int watch(CLI::App& app, std::optional<std::int64_t> run) {
  const std::string where = parent_option(app, "--connect");
  const bool as_json = app.get_option("--json")->count() > 0;
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  // No SA_RESTART: Ctrl-C must interrupt the wait for the next notification.
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  DaemonOptions options;
  options.connect = where;
  options.token_file = parent_option(app, "--token-file");
  const auto rpc = connect(options);
  WatchView view(*rpc, run, "at " + where);
  bool going = view.start();
  const bool fancy = tty && !as_json;
  if (fancy) std::cout << "\x1b[?25l";  // hide the cursor while redrawing
  auto draw = [&] {
    if (as_json) return;
    if (fancy) std::cout << "\x1b[H\x1b[2J";
    std::cout << view.frame() << (fancy ? "" : "\n") << std::flush;
  };
  draw();
  constexpr auto kRedraw = std::chrono::milliseconds(250);
  auto drawn = Clock::now();
  bool dirty = false;
  try {
    while (going && !g_interrupted) {
      const auto n = rpc->next_notification(Clock::now() + std::chrono::seconds(1));
      if (n) {
        if (as_json) std::cout << n->dump() << '\n' << std::flush;
        going = view.take(*n);
        dirty = true;
      }
      // A redraw at most four times a second, and once a second for the clock.
      if (Clock::now() - drawn >= (dirty ? kRedraw : std::chrono::seconds(1)) || !going) {
        draw();
        drawn = Clock::now();
        dirty = false;
      }
    }
  } catch (const Interrupted&) {
  } catch (...) {
    if (fancy) std::cout << "\x1b[?25h" << std::flush;
    throw;
  }
  if (fancy) std::cout << "\x1b[?25h" << std::flush;
  return kExitDone;
}

}  // namespace

void add_watch_command(CLI::App& app, Action& action) {
  auto run = std::make_shared<std::int64_t>(0);
  auto* cmd = app.add_subcommand("watch", "a live view: the channels table, or one run's progress and latest cycles");
  cmd->fallthrough();  // --connect, --token-file and --json may follow the subcommand
  cmd->add_option("run", *run, "the run to follow (until it ends); without it, every channel");
  cmd->callback([&app, &action, cmd, run] {
    const bool one_run = cmd->get_option("run")->count() > 0;
    action = [&app, run, one_run] {
      try {
        return guarded([&] { return watch(app, one_run ? std::optional<std::int64_t>(*run) : std::nullopt); });
      } catch (const Interrupted&) {
        return kExitDone;  // Ctrl-C before the first screen
      }
    };
  });
}

}  // namespace cyclerd::ctl

// cyclerctl: the technician's command line. Offline commands run here; daemon commands speak JSON-RPC.
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/error.hpp"
#include "tools/cyclerctl/commands.hpp"

int main(int argc, char** argv) {
  using namespace cyclerd::ctl;
  CLI::App app{"cyclerctl: drive and inspect cyclerd, and simulate cells offline"};
  app.require_subcommand(1);
  Action action;
  add_sim_commands(app, action);
  add_simulate_command(app, action);
  add_storage_commands(app, action);
  add_daemon_commands(app, action);
  add_analyze_command(app, action);
  add_plot_command(app, action);
  add_watch_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    return action ? action() : kExitUsage;
  } catch (const cyclerd::Error& e) {
    std::cerr << "cyclerctl: " << e.what() << '\n';
    return kExitRefused;
  } catch (const std::exception& e) {
    std::cerr << "cyclerctl: " << e.what() << '\n';
    return kExitRefused;
  }
}

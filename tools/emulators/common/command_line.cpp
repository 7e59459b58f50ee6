#include "tools/emulators/common/command_line.hpp"

namespace cyclerd::emulator {

void add_common_options(CLI::App& app, CommonOptions& o, const std::string& models, const std::string& faults_doc) {
  app.add_flag("--pty", o.pty, "listen on a new pseudo-terminal");
  app.add_option("--tcp", o.tcp_port, "listen on 127.0.0.1:PORT (0: any free port)");
  app.add_option("--model", o.model, models);
  app.add_option("--preset", o.preset, "the simulated cell's preset");
  app.add_option("--mass-mg", o.mass_mg, "the cell's active mass in mg");
  app.add_option("--seed", o.seed, "the cell's noise seed");
  app.add_option("--fault", o.faults, "KIND:key=value,... (see " + faults_doc + "); repeatable");
}

std::optional<std::string> link_choice_error(const CommonOptions& o) {
  if (o.pty == (o.tcp_port >= 0)) return "give exactly one of --pty and --tcp PORT";
  return std::nullopt;
}

std::unique_ptr<Link> open_link(const CommonOptions& o) {
  return o.pty ? open_pty_link() : open_tcp_link(static_cast<unsigned short>(o.tcp_port));
}

}  // namespace cyclerd::emulator

// What every emulator's command line shares: where it listens (exactly one of --pty and --tcp PORT), the
// instrument model, the simulated cell behind it (preset, mass, noise seed) and the faults to inject.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/emulators/common/link.hpp"

namespace cyclerd::emulator {

struct CommonOptions {
  bool pty = false;
  int tcp_port = -1;  // -1: not given
  std::string model;
  std::string preset = "zns-znse";
  double mass_mg = 1.0;
  std::uint64_t seed = 1;
  std::vector<std::string> faults;  // KIND:key=value,... as the emulator's fault parser reads them
};

// Adds the shared options; `models` lists the model names for the help, `faults_doc` where the fault
// kinds are described.
void add_common_options(CLI::App& app, CommonOptions& options, const std::string& models,
                        const std::string& faults_doc);

// After parsing: what is wrong with the choice of link (not exactly one of --pty and --tcp), if anything.
std::optional<std::string> link_choice_error(const CommonOptions& options);

// The chosen end of the cable.
std::unique_ptr<Link> open_link(const CommonOptions& options);

}  // namespace cyclerd::emulator

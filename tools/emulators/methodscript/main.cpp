// methodscript-emulator: a PalmSens EmStat4 / EmStat Pico as far as the `methodscript` driver can
// tell, backed by the simulated cell, on a pseudo-terminal or a TCP port.
//
//   methodscript-emulator --pty [--model emstat4-hr] [--preset zns-znse] [--mass-mg 1] [--seed 1]
//                         [--speed max|realtime|N] [--fault disconnect:at=500,down_ms=300 ...]
//                         [--state-file FILE]
//   methodscript-emulator --tcp 0 ...
//
// The first line on stdout says where to connect ("pty /dev/pts/4" or "tcp 127.0.0.1:40123").
#include <cmath>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/error.hpp"
#include "drivers/methodscript/models.hpp"
#include "drivers/sim/model/cell_model.hpp"
#include "tools/emulators/methodscript/device.hpp"

int main(int argc, char** argv) {
  using namespace cyclerd;
  CLI::App app{"methodscript-emulator: an emulated PalmSens MethodSCRIPT potentiostat on a simulated cell"};
  bool pty = false;
  int tcp_port = -1;
  std::string model_name = "emstat4-hr", preset = "zns-znse", speed_text = "max";
  double mass_mg = 1.0;
  std::uint64_t seed = 1;
  std::vector<std::string> fault_texts;
  std::string state_file;
  app.add_flag("--pty", pty, "listen on a new pseudo-terminal");
  app.add_option("--tcp", tcp_port, "listen on 127.0.0.1:PORT (0: any free port)");
  app.add_option("--model", model_name, "emstat4-hr, emstat4-lr or emstat-pico");
  app.add_option("--preset", preset, "the simulated cell's preset");
  app.add_option("--mass-mg", mass_mg, "the cell's active mass in mg");
  app.add_option("--seed", seed, "the cell's noise seed");
  app.add_option("--speed", speed_text, "simulated seconds per wall second: max, realtime or a number");
  app.add_option("--fault", fault_texts, "KIND:key=value,... (see faults.hpp); repeatable");
  app.add_option("--state-file", state_file, "write what the instrument does to FILE (for tests; see state_file.hpp)");
  CLI11_PARSE(app, argc, argv);
  if (pty == (tcp_port >= 0)) {
    std::cerr << "methodscript-emulator: give exactly one of --pty and --tcp PORT\n";
    return 2;
  }
  try {
    const auto& model = methodscript::find_model(model_name, "--model");
    std::optional<double> speed;
    if (speed_text == "realtime") {
      speed = 1.0;
    } else if (speed_text != "max") {
      std::size_t used = 0;
      double s = std::stod(speed_text, &used);
      if (used != speed_text.size() || !(s > 0) || !std::isfinite(s)) {
        throw Error(ErrorCode::invalid_input, "--speed " + speed_text + ": expected max, realtime or a positive number");
      }
      speed = s;
    }
    std::vector<emulator::FaultRule> rules;
    for (const auto& text : fault_texts) rules.push_back(emulator::parse_fault(text));
    auto cell = std::make_unique<sim::CellModel>(sim::load_preset(preset), mass_mg / 1000, seed);
    auto link = pty ? emulator::open_pty_link() : emulator::open_tcp_link(static_cast<unsigned short>(tcp_port));
    std::signal(SIGPIPE, SIG_IGN);
    emulator::Device device(model, std::move(cell), speed, emulator::FaultPlan(std::move(rules)), *link,
                            state_file);
    std::cout << link->describe() << std::endl;
    device.serve();
  } catch (const std::exception& e) {
    std::cerr << "methodscript-emulator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

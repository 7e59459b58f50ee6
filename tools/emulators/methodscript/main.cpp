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

#include "core/error.hpp"
#include "drivers/methodscript/models.hpp"
#include "drivers/sim/model/cell_model.hpp"
#include "tools/emulators/common/command_line.hpp"
#include "tools/emulators/methodscript/device.hpp"

int main(int argc, char** argv) {
  using namespace cyclerd;
  CLI::App app{"methodscript-emulator: an emulated PalmSens MethodSCRIPT potentiostat on a simulated cell"};
  emulator::CommonOptions common;
  common.model = "emstat4-hr";
  std::string speed_text = "max", state_file;
  emulator::add_common_options(app, common, "emstat4-hr, emstat4-lr or emstat-pico", "faults.hpp");
  app.add_option("--speed", speed_text, "simulated seconds per wall second: max, realtime or a number");
  app.add_option("--state-file", state_file, "write what the instrument does to FILE (for tests; see state_file.hpp)");
  CLI11_PARSE(app, argc, argv);
  if (auto why = emulator::link_choice_error(common)) {
    std::cerr << "methodscript-emulator: " << *why << "\n";
    return 2;
  }
  try {
    const auto& model = methodscript::find_model(common.model, "--model");
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
    for (const auto& text : common.faults) rules.push_back(emulator::parse_fault(text));
    auto cell = std::make_unique<sim::CellModel>(sim::load_preset(common.preset), common.mass_mg / 1000, common.seed);
    auto link = emulator::open_link(common);
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

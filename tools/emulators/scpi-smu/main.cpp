// scpi-smu-emulator: a Keithley 2400 / 2450 or Keysight B2901A as far as the `scpi-smu` driver can tell,
// backed by the simulated cell, on a pseudo-terminal or a TCP port.
//
//   scpi-smu-emulator --pty --model keithley-2400 [--preset zns-znse] [--mass-mg 1] [--seed 1]
//                     [--speed N] [--off-state normal|himp] [--fault drop:at=40 ...] [--report FILE]
//                     [--trace FILE]
//   scpi-smu-emulator --tcp 0 --model keithley-2450 ...
//
// The first line on stdout says where to connect ("pty /dev/pts/4" or "tcp 127.0.0.1:40123"). With
// --report, the protection record (output-ons, compliance violations, charge moved while off) is
// rewritten as JSON after every command, so a test can read it while the emulator runs.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "drivers/sim/model/cell_params.hpp"
#include "tools/emulators/common/command_line.hpp"
#include "tools/emulators/scpi-smu/smu_faults.hpp"
#include "tools/emulators/scpi-smu/smu_instrument.hpp"

namespace {

void write_report(const std::string& path, const cyclerd::emulator::SmuInstrument& smu) {
  const auto& p = smu.protection();
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "{\"output_ons\": " << p.output_ons << ", \"violations\": " << p.violations
        << ", \"off_charge_Ah\": " << p.off_charge_Ah << ", \"charge_in_Ah\": " << p.charge_in_Ah
        << ", \"charge_out_Ah\": " << p.charge_out_Ah << ", \"output_on\": " << (smu.output_on() ? "true" : "false")
        << ", \"high_impedance_off\": " << (smu.high_impedance_off() ? "true" : "false")
        << ", \"voltage_compliance_V\": " << smu.voltage_compliance_V()
        << ", \"current_compliance_A\": " << smu.current_compliance_A() << "}\n";
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cyclerd;
  CLI::App app{"scpi-smu-emulator: an emulated SCPI source-measure unit on a simulated cell"};
  emulator::CommonOptions common;
  common.model = "keithley-2400";
  std::string report, trace, off_state = "normal";
  double speed = 1.0;
  emulator::add_common_options(app, common, "keithley-2400, keithley-2450 or keysight-b2901a", "smu_faults.hpp");
  app.add_option("--speed", speed, "emulated seconds per wall second (> 0)");
  app.add_option("--off-state", off_state,
                 "off state at power-on: normal (the instrument's default: 0 V, drains the cell) or himp");
  app.add_option("--report", report, "file for the protection record (JSON), rewritten after every command");
  app.add_option("--trace", trace, "file for every drive the cell is given: emulated time, mode, value, V, I");
  CLI11_PARSE(app, argc, argv);
  if (auto why = emulator::link_choice_error(common)) {
    std::cerr << "scpi-smu-emulator: " << *why << "\n";
    return 2;
  }
  if (!(speed > 0)) {
    std::cerr << "scpi-smu-emulator: --speed must be > 0\n";
    return 2;
  }
  try {
    const SmuModel& model = smu_model(common.model, "--model");
    std::vector<emulator::SmuFaultRule> rules;
    for (const auto& text : common.faults) rules.push_back(emulator::parse_smu_fault(text));
    emulator::SmuFaultPlan faults(std::move(rules));
    emulator::SmuInstrument smu(model, sim::load_preset(common.preset), common.mass_mg / 1000, common.seed);
    std::ofstream trace_file;
    if (!trace.empty()) {
      trace_file.open(trace, std::ios::trunc);
      if (!trace_file) throw std::invalid_argument("--trace " + trace + ": cannot write");
      smu.trace_to(&trace_file);
    }
    if (off_state == "himp") smu.handle(std::string(model.setup.front()), 0);  // the model's off-state command
    else if (off_state != "normal") throw std::invalid_argument("--off-state " + off_state + ": normal or himp");
    auto link = emulator::open_link(common);
    std::signal(SIGPIPE, SIG_IGN);
    std::cout << link->describe() << std::endl;
    std::mt19937_64 rng(common.seed);
    const auto start = std::chrono::steady_clock::now();
    auto now_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() * speed; };
    if (!report.empty()) write_report(report, smu);
    for (;;) {
      auto line = link->read_line(std::chrono::milliseconds(200));
      if (!line) {
        smu.advance_to(now_s());  // the cell lives on between commands
        continue;
      }
      auto replies = smu.handle(*line, now_s());
      if (!report.empty()) write_report(report, smu);
      // A list sweep ran ahead of the clock: its readings are there once the instrument time has passed.
      if (double ahead_s = smu.time_s() - now_s(); ahead_s > 0) {
        std::this_thread::sleep_for(std::chrono::duration<double>(ahead_s / speed));
      }
      for (const auto& reply : replies) {
        auto hit = faults.next_reply();
        for (int code : hit.errors) smu.push_error(code, "Injected error");
        if (hit.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(hit.delay_ms));
        if (hit.disconnect) {
          std::cerr << "scpi-smu-emulator: cable cut for " << hit.down_ms << " ms\n";
          link->cut(std::chrono::milliseconds(hit.down_ms));
          continue;
        }
        if (hit.drop) continue;
        if (hit.garbage) {
          std::string noise;
          for (int k = 0; k < 12; ++k) noise.push_back(static_cast<char>(rng() % 256));
          for (char& c : noise) if (c == '\n') c = '#';
          link->write(noise + "\n");
          continue;
        }
        link->write(reply + "\n");
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "scpi-smu-emulator: " << e.what() << "\n";
    return 1;
  }
}

// `cyclerctl simulate`: a protocol through the channel runner on a simulated cell at full speed, no daemon.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/quantity.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"
#include "protocols/runner/cycle_summary.hpp"
#include "protocols/runner/rate_table.hpp"
#include "protocols/runner/run_totals.hpp"
#include "protocols/runner/simulated_channel.hpp"
#include "protocols/validate.hpp"
#include "tools/cyclerctl/commands.hpp"
#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {
namespace {

struct SimulateArgs {
  std::string protocol;
  std::string preset = "zns-znse";
  double mass_mg = 1.0;
  std::vector<std::string> params;
  std::uint64_t seed = 1;
  bool json = false;
};

// Progress on stderr, at most every ten simulated cycles, so a long run shows it is alive.
class Progress : public RunConsumer {
 public:
  void on_cycle_end(const CycleEnd& c) override {
    if (c.cycle_index % 10 == 0) std::cerr << "simulate: cycle " << c.cycle_index << " done\n";
  }
};

// A library name, or a path to a protocol file.
ParseResult load(const SimulateArgs& a) {
  for (const auto& name : library_protocol_names()) {
    if (name == a.protocol) return load_library_protocol(name, a.params);
  }
  std::ifstream in(a.protocol);
  if (!in) {
    std::string names;
    for (const auto& n : library_protocol_names()) names += (names.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::not_found, "no library protocol or file named \"" + a.protocol + "\" (library: " + names + ")",
                "--protocol");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_protocol(text.str(), a.params);
}

std::string or_dash(const std::optional<double>& v, int decimals, double scale = 1) {
  return v ? fixed(*v * scale, decimals) : "-";
}

int run_simulate(const SimulateArgs& a) {
  if (!(a.mass_mg > 0)) throw Error(ErrorCode::out_of_range, "must be > 0 mg", "--mass-mg");
  const double mass_g = a.mass_mg * 1e-3;
  SimulatedChannel channel(SimulatedCell{a.preset, mass_g, a.seed});
  ParseResult parsed = load(a);
  if (parsed.ok()) {
    parsed.errors = validate(*parsed.protocol, {channel.driver().capabilities(0), channel.cell_info()});
  }
  if (!parsed.errors.empty()) {
    for (const auto& e : parsed.errors) std::cerr << "cyclerctl: " << (e.pointer.empty() ? "/" : e.pointer) << ": " << e.message << '\n';
    return kExitRefused;
  }
  const Protocol protocol = resolve(*parsed.protocol, channel.cell_info());

  std::cerr << "simulate: " << protocol.name << " on " << a.preset << " (" << a.mass_mg << " mg)...\n";
  CycleTable cycles(mass_g);
  RunTotals totals;
  Progress progress;
  channel.run(protocol, {&cycles, &totals, &progress});
  const auto rates = rate_table(cycles.rows());

  if (a.json) {
    nlohmann::json out = {{"cycles", nlohmann::json::array()}, {"rate_table", nlohmann::json::array()}};
    for (const auto& r : cycles.rows()) out["cycles"].push_back(to_json(r));
    for (const auto& r : rates) out["rate_table"].push_back(to_json(r));
    out["totals"] = totals.to_json();
    std::cout << out.dump(2) << '\n';
  } else {
    TextTable ct({"cycle", "A/g", "charge mAh/g", "discharge mAh/g", "CE %", "mean Vch", "mean Vdis", "hours"});
    for (const auto& r : cycles.rows()) {
      ct.add_row({std::to_string(r.cycle_index), or_dash(r.current_density_A_g, 2), fixed(r.charge_capacity_mAh_g, 1),
                  fixed(r.discharge_capacity_mAh_g, 1), or_dash(r.coulombic_efficiency, 1, 100),
                  or_dash(r.mean_charge_voltage_V, 3), or_dash(r.mean_discharge_voltage_V, 3),
                  fixed(r.duration_s / 3600, 2)});
    }
    ct.print(std::cout);
    std::cout << '\n';
    TextTable rt({"A/g", "cycles", "discharge mAh/g", "charge mAh/g", "retention"});
    for (const auto& r : rates) {
      rt.add_row({fixed(r.current_density_A_g, 2), std::to_string(r.cycles), fixed(r.mean_discharge_capacity_mAh_g, 1),
                  fixed(r.mean_charge_capacity_mAh_g, 1), fixed(100 * r.retention, 1) + " %"});
    }
    rt.print(std::cout);
    std::cout << "\nrun " << to_string(totals.state()) << ": " << totals.steps() << " steps, " << totals.cycles()
              << " cycles, " << totals.records() << " records, " << fixed(totals.duration_s() / 3600, 1)
              << " h simulated\n";
  }
  return totals.state() == RunState::completed ? kExitDone : kExitRefused;
}

}  // namespace

void add_simulate_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<SimulateArgs>();
  auto* cmd = app.add_subcommand("simulate",
                                 "Run a protocol through the channel runner on a simulated cell at full speed (no "
                                 "daemon) and print the cycle table, the rate table and the totals");
  cmd->add_option("--protocol", args->protocol, "A library protocol name or a protocol file")->required();
  cmd->add_option("--preset", args->preset, "Cell preset (see `cyclerctl presets`)")->capture_default_str();
  cmd->add_option("--mass-mg", args->mass_mg, "Active mass in mg")->capture_default_str();
  cmd->add_option("--param", args->params, "A parameter override, name=value (repeatable)");
  cmd->add_option("--seed", args->seed, "Seed of the measurement noise")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object {cycles, rate_table, totals}");
  cmd->callback([&action, args] { action = [args] { return run_simulate(*args); }; });
}

}  // namespace cyclerd::ctl

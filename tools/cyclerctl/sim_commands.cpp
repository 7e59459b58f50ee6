// Offline commands on the simulated cell: list presets, and drive a preset through a rate test.
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/quantity.hpp"
#include "drivers/sim/model/cell_params.hpp"
#include "drivers/sim/rate_test.hpp"
#include "tools/cyclerctl/commands.hpp"
#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {
namespace {

// The seed paper's rate ladders: sodium half-cells (0.1 to 20 A/g, then back to 0.1) and the full cell.
const std::vector<double> kHalfCellRates{0.1, 0.2, 0.5, 0.8, 1, 2, 5, 10, 20, 0.1};
const std::vector<double> kFullCellRates{0.05, 0.1, 0.2, 0.5, 0.8, 1, 2, 3};

struct RateTestArgs {
  std::string preset = "zns-znse";
  std::string mass = "1.0 mg";
  std::vector<std::string> rates;
  int cycles_per_rate = 5;
  std::string v_min, v_max;
  std::uint64_t seed = 1;
  bool json = false;
};

int run_presets(bool json) {
  const auto names = sim::preset_names();
  if (json) {
    nlohmann::json out = {{"presets", nlohmann::json::array()}};
    for (const auto& n : names) out["presets"].push_back(sim::to_json(sim::load_preset(n)));
    std::cout << out.dump(2) << '\n';
    return kExitDone;
  }
  TextTable table({"preset", "window", "first half", "bulk mAh/g", "D cm2/s"});
  for (const auto& n : names) {
    const auto p = sim::load_preset(n);
    table.add_row({n, fixed(p.v_min_V, 2) + "-" + fixed(p.v_max_V, 2) + " V",
                   p.discharge_first ? "discharge" : "charge", fixed(p.bulk_capacity_mAh_g, 0),
                   scientific(p.diffusion_coefficient_cm2_s, 2)});
  }
  table.print(std::cout);
  return kExitDone;
}

int run_rate_test_command(const RateTestArgs& a) {
  const sim::CellParams params = sim::load_preset(a.preset);
  const double mass_g = parse_value(a.mass, Dimension::mass, "--mass");
  if (!(mass_g > 0)) throw Error(ErrorCode::out_of_range, "must be > 0, got '" + a.mass + "'", "--mass");

  sim::RateTestOptions o;
  o.cycles_per_rate = a.cycles_per_rate;
  o.discharge_first = params.discharge_first;
  o.v_min_V = a.v_min.empty() ? params.v_min_V : parse_value(a.v_min, Dimension::voltage, "--v-min");
  o.v_max_V = a.v_max.empty() ? params.v_max_V : parse_value(a.v_max, Dimension::voltage, "--v-max");
  if (!(o.v_min_V < o.v_max_V)) {
    throw Error(ErrorCode::out_of_range, "the lower voltage limit must be below the upper one", "--v-min");
  }
  if (a.cycles_per_rate < 1) {
    throw Error(ErrorCode::out_of_range, "must be >= 1, got " + std::to_string(a.cycles_per_rate),
                "--cycles-per-rate");
  }
  if (a.rates.empty()) {
    o.rates_A_g = params.discharge_first ? kHalfCellRates : kFullCellRates;
  } else {
    for (const auto& r : a.rates) {
      const double rate = parse_value(r.find_first_not_of("0123456789.eE+-") == std::string::npos ? r + " A/g" : r,
                                      Dimension::specific_current, "--rates");
      if (!(rate > 0)) throw Error(ErrorCode::out_of_range, "a rate must be > 0, got '" + r + "'", "--rates");
      o.rates_A_g.push_back(rate);
    }
  }

  std::cerr << "driving " << a.preset << " (" << a.mass << ") through " << o.rates_A_g.size() << " rates x "
            << o.cycles_per_rate << " cycles...\n";
  const auto rows = sim::run_rate_test(params, mass_g, a.seed, o);

  if (a.json) {
    nlohmann::json out = {{"preset", a.preset}, {"active_mass_mg", mass_g * 1e3}, {"rate_table", nlohmann::json::array()}};
    for (const auto& r : rows) {
      out["rate_table"].push_back({{"current_density_A_g", r.current_density_A_g},
                                   {"cycles", r.cycles},
                                   {"mean_discharge_capacity_mAh_g", r.mean_discharge_capacity_mAh_g},
                                   {"mean_charge_capacity_mAh_g", r.mean_charge_capacity_mAh_g},
                                   {"retention", r.retention}});
    }
    std::cout << out.dump(2) << '\n';
    return kExitDone;
  }
  std::cout << "Rate test: " << a.preset << ", " << a.mass << " active mass, " << fixed(o.v_min_V, 2) << "-"
            << fixed(o.v_max_V, 2) << " V, " << o.cycles_per_rate << " cycles per rate (first cycle left out)\n";
  TextTable table({"A/g", "cycles", "discharge mAh/g", "charge mAh/g", "retention"});
  for (const auto& r : rows) {
    table.add_row({fixed(r.current_density_A_g, 2), std::to_string(r.cycles),
                   fixed(r.mean_discharge_capacity_mAh_g, 1), fixed(r.mean_charge_capacity_mAh_g, 1),
                   fixed(100.0 * r.retention, 1) + " %"});
  }
  table.print(std::cout);
  return kExitDone;
}

}  // namespace

void add_sim_commands(CLI::App& app, Action& action) {
  auto* presets = app.add_subcommand("presets", "List the simulated cell presets");
  auto presets_json = std::make_shared<bool>(false);
  presets->add_flag("--json", *presets_json, "Print one JSON object");
  presets->callback([&action, presets_json] { action = [presets_json] { return run_presets(*presets_json); }; });

  auto args = std::make_shared<RateTestArgs>();
  auto* rt = app.add_subcommand("sim-rate-test",
                                "Drive a simulated preset directly through a rate test (constant current "
                                "between the voltage limits) and print the rate table");
  rt->add_option("--preset", args->preset, "Cell preset (see `cyclerctl presets`)")->capture_default_str();
  rt->add_option("--mass", args->mass, "Active mass, e.g. '1.0 mg'")->capture_default_str();
  rt->add_option("--rates", args->rates, "Current densities in order, e.g. 0.1,0.2,1 (A/g); default: the paper's ladder")
      ->delimiter(',');
  rt->add_option("--cycles-per-rate", args->cycles_per_rate, "Cycles at each rate")->capture_default_str();
  rt->add_option("--v-min", args->v_min, "Lower voltage limit, e.g. '0.01 V' (default: the preset's)");
  rt->add_option("--v-max", args->v_max, "Upper voltage limit, e.g. '3.0 V' (default: the preset's)");
  rt->add_option("--seed", args->seed, "Seed of the measurement noise")->capture_default_str();
  rt->add_flag("--json", args->json, "Print one JSON object with the rate table");
  rt->callback([&action, args] { action = [args] { return run_rate_test_command(*args); }; });
}

}  // namespace cyclerd::ctl

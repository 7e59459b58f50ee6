// `cyclerctl analyze KIND (--file PATH | --db FILE --run N)`: the live analyzers, offline, on a file (our
// exports, BDF CSV, BioLogic text exports, a mapped CSV, or an impedance CSV for eis/drt) or on a run stored
// in a cyclerd database (its samples, or its impedance spectra for eis/drt); tables or --json.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/circuit_fit.hpp"
#include "analysis/drt.hpp"
#include "analysis/eis_analyzer.hpp"
#include "core/error.hpp"
#include "tools/cyclerctl/commands.hpp"
#include "tools/cyclerctl/offline_analysis.hpp"
#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {
namespace {

struct AnalyzeArgs {
  std::string kind;
  OfflineOptions offline;
  bool json = false;
};

std::string num(const nlohmann::json& v, int decimals, double scale = 1) {
  return v.is_number() ? fixed(v.get<double>() * scale, decimals) : "-";
}
std::string sci(const nlohmann::json& v) { return v.is_number() ? scientific(v.get<double>(), 3) : "-"; }
const nlohmann::json& table(const OfflineResult& r, const std::string& kind) {
  static const nlohmann::json empty = nlohmann::json::array();
  const auto it = r.tables.find(kind);
  return it == r.tables.end() ? empty : it->second;
}

int print_cycles(const OfflineResult& r, bool json) {
  if (json) {
    std::cout << nlohmann::json{{"cycles", table(r, "cycles")}, {"summary", r.final_results["summary"]}}.dump(2) << '\n';
    return kExitDone;
  }
  TextTable t({"cycle", "charge mAh", "discharge mAh", "CE %", "Wh/kg dis", "Vch", "Vdis", "gap V", "retention %"});
  for (const auto& c : table(r, "cycles")) {
    t.add_row({std::to_string(c["cycle_index"].get<int>()), num(c["charge_capacity_Ah"], 4, 1e3),
               num(c["discharge_capacity_Ah"], 4, 1e3), num(c["coulombic_efficiency"], 1, 100),
               num(c["discharge_energy_Wh_kg"], 1), num(c["mean_charge_voltage_V"], 3),
               num(c["mean_discharge_voltage_V"], 3), num(c["voltage_gap_V"], 3), num(c["retention"], 1, 100)});
  }
  t.print(std::cout);
  const auto& s = r.final_results["summary"];
  std::cout << "\nfirst-cycle efficiency " << num(s["first_cycle_efficiency"], 1, 100) << " %, decay per cycle "
            << num(s["decay_per_cycle"], 4, 100) << " %\n";
  return kExitDone;
}

int print_rate(const OfflineResult& r, bool json) {
  if (json) {
    std::cout << nlohmann::json{{"rate_table", table(r, "rate_table")}}.dump(2) << '\n';
    return kExitDone;
  }
  TextTable t({"A/g", "cycles", "discharge mAh/g", "charge mAh/g", "retention %", "recovery %"});
  for (const auto& row : table(r, "rate_table")) {
    t.add_row({num(row["current_density_A_g"], 3), std::to_string(row["cycles"].get<int>()),
               num(row["mean_discharge_capacity_mAh_g"], 1), num(row["mean_charge_capacity_mAh_g"], 1),
               num(row["retention"], 1, 100), num(row["recovery"], 1, 100)});
  }
  t.print(std::cout);
  return kExitDone;
}

int print_dqdv(const OfflineResult& r, bool json) {
  const auto& curves = r.final_results["dqdv"];
  if (json) {
    std::cout << nlohmann::json{{"dqdv", curves}}.dump(2) << '\n';
    return kExitDone;
  }
  TextTable t({"cycle", "half", "capacity mAh", "peak V", "peak dQ/dV mAh/V"});
  for (const auto& c : curves) {
    const auto& d = c["dqdv_Ah_per_V"];
    std::size_t best = 0;
    for (std::size_t k = 0; k < d.size(); ++k) if (d[k].get<double>() > d[best].get<double>()) best = k;
    t.add_row({std::to_string(c["cycle_index"].get<int>()), c["half"].get<std::string>(), num(c["capacity_Ah"], 4, 1e3),
               num(c["voltage_V"][best], 3), num(d[best], 3, 1e3)});
  }
  t.print(std::cout);
  return kExitDone;
}

int print_cv(const OfflineResult& r, bool json) {
  const auto& cv = r.final_results["cv"];
  if (json) {
    std::cout << nlohmann::json{{"cv_cycles", table(r, "cv_cycles")}, {"peak_tracks", cv["peak_tracks"]},
                                {"kinetics", cv["kinetics"]}}.dump(2) << '\n';
    return kExitDone;
  }
  TextTable t({"cycle", "mV/s", "direction", "potential V", "current mA", "separation V"});
  for (const auto& c : table(r, "cv_cycles")) {
    for (const auto& p : c["peaks"]) {
      t.add_row({std::to_string(c["cycle_index"].get<int>()), num(c["scan_rate_V_s"], 3, 1e3),
                 p["direction"].get<std::string>(), num(p["potential_V"], 3), num(p["current_A"], 4, 1e3),
                 num(c["separation_V"], 3)});
    }
  }
  t.print(std::cout);
  std::cout << '\n';
  TextTable b({"peak", "potential V", "b", "R^2"});
  for (const auto& v : cv["kinetics"]["b_values"]) {
    b.add_row({v["direction"].get<std::string>(), num(v["potential_V"], 3), num(v["b"], 3), num(v["r_squared"], 4)});
  }
  b.print(std::cout);
  std::cout << '\n';
  TextTable s({"mV/s", "capacitive %"});
  for (const auto& v : cv["kinetics"]["capacitive_share"]) {
    s.add_row({num(v["scan_rate_V_s"], 3, 1e3), num(v["capacitive_fraction"], 1, 100)});
  }
  s.print(std::cout);
  return kExitDone;
}

int print_gitt(const OfflineResult& r, bool json) {
  if (r.final_results.contains("gitt_error")) {
    throw Error(ErrorCode::invalid_input, r.final_results["gitt_error"].get<std::string>() +
                                              " (give --mass-mg, --molar-mass, --molar-volume and --area)",
                "gitt");
  }
  const auto& pulses = r.final_results["gitt"];
  if (json) {
    std::cout << nlohmann::json{{"gitt", pulses}}.dump(2) << '\n';
    return kExitDone;
  }
  TextTable t({"pulse", "direction", "tau s", "dEs mV", "dEt mV", "V", "SOC", "D cm2/s", "valid"});
  for (const auto& p : pulses) {
    t.add_row({std::to_string(p["pulse_index"].get<int>()), p["direction"].get<std::string>(), num(p["duration_s"], 0),
               num(p["delta_es_V"], 2, 1e3), num(p["delta_et_V"], 2, 1e3), num(p["voltage_V"], 3),
               num(p["state_of_charge"], 2), sci(p["diffusion_cm2_s"]),
               p["valid"].is_boolean() ? (p["valid"].get<bool>() ? "yes" : "no (tau > 0.1 L^2/D)") : "-"});
  }
  t.print(std::cout);
  return kExitDone;
}

int run_eis(const AnalyzeArgs& a) {
  const auto spectrum = load_spectrum(a.offline);
  analysis::EisOptions o;
  o.circuit = a.offline.circuit;
  o.run_drt = false;
  if (!a.offline.guess.empty()) o.initial_guess = parse_guess(a.offline.guess);
  analysis::EisAnalyzer eis(o);
  const auto& r = eis.add(0, spectrum);
  if (!r.fit) throw Error(ErrorCode::invalid_input, r.error, source_name(a.offline));
  if (a.json) {
    std::cout << analysis::to_json(*r.fit).dump(2) << '\n';
    return kExitDone;
  }
  TextTable t({"parameter", "value", "stderr"});
  for (const auto& p : r.fit->parameters) t.add_row({p.name, scientific(p.value, 4), scientific(p.stderr_, 2)});
  t.print(std::cout);
  std::cout << "\nrmse " << scientific(r.fit->rmse_ohm, 3) << " ohm, " << (r.fit->converged ? "converged" : "not converged")
            << " (" << r.fit->stop_reason << ")\n";
  return kExitDone;
}

int run_drt(const AnalyzeArgs& a) {
  const auto spectrum = load_spectrum(a.offline);
  analysis::DrtOptions o;
  o.lambda = a.offline.lambda;
  o.use_gcv = a.offline.gcv;
  o.penalty = a.offline.penalty == 2 ? analysis::DrtPenalty::second_derivative : analysis::DrtPenalty::first_derivative;
  const auto d = analysis::compute_drt(spectrum, o);
  if (a.json) {
    std::cout << analysis::to_json(d).dump(2) << '\n';
    return kExitDone;
  }
  TextTable t({"tau s", "f Hz", "R ohm"});
  for (const auto& p : d.peaks) t.add_row({scientific(p.tau_s, 3), scientific(1 / (2 * 3.141592653589793 * p.tau_s), 3), fixed(p.resistance_ohm, 4)});
  t.print(std::cout);
  std::cout << "\nR_inf " << fixed(d.r_inf_ohm, 4) << " ohm, polarisation " << fixed(d.polarisation_ohm, 4)
            << " ohm, lambda " << scientific(d.lambda, 2) << '\n';
  return kExitDone;
}

int run_analyze(const AnalyzeArgs& a) {
  if (a.kind == "eis") return run_eis(a);
  if (a.kind == "drt") return run_drt(a);
  const OfflineResult r = analyse_samples(a.offline, a.kind == "cv");
  if (a.kind == "cycles") return print_cycles(r, a.json);
  if (a.kind == "rate") return print_rate(r, a.json);
  if (a.kind == "dqdv") return print_dqdv(r, a.json);
  if (a.kind == "cv") return print_cv(r, a.json);
  return print_gitt(r, a.json);
}

}  // namespace

// Options shared with `plot`: the sample-file and analyzer settings.
void add_offline_options(CLI::App* cmd, OfflineOptions& o) {
  auto* file = cmd->add_option("--file", o.file, "Sample file (JSON/CSV export, BDF CSV, BioLogic text) or impedance CSV");
  auto* db = cmd->add_option("--db", o.db, "A cyclerd database file (with --run): the run's samples or spectra");
  cmd->add_option("--run", o.run, "With --db: the run id")->needs(db);
  file->excludes(db);
  cmd->add_option("--spectrum", o.spectrum, "With --db, eis/drt/nyquist: the run's Nth stored spectrum (default: the last)")
      ->needs(db);
  cmd->add_option("--map", o.map, "Column of a quantity in a CSV: time=COL, voltage=COL, current=COL, cycle=COL");
  cmd->add_option("--mass-mg", o.mass_mg, "Active mass in mg (per-gram figures; GITT; default with --db: the run's cell)");
  cmd->add_option("--v-min", o.v_min, "Lower end of the dQ/dV and CV grid, V (default: the file's)");
  cmd->add_option("--v-max", o.v_max, "Upper end of the dQ/dV and CV grid, V (default: the file's)");
  cmd->add_option("--bins", o.bins, "Bins of the dQ/dV and CV grid")->capture_default_str();
  cmd->add_option("--sigma", o.sigma_V, "dQ/dV Gaussian smoothing, V")->capture_default_str();
  cmd->add_option("--last", o.last, "dQ/dV: the last N half cycles")->capture_default_str();
  cmd->add_option("--reference-cycle", o.reference_cycle, "Retention against this cycle")->capture_default_str();
  cmd->add_option("--molar-mass", o.molar_mass, "GITT: molar mass, g/mol");
  cmd->add_option("--molar-volume", o.molar_volume, "GITT: molar volume, cm3/mol");
  cmd->add_option("--area", o.area, "GITT: electrode area, cm2");
  cmd->add_option("--circuit", o.circuit, "EIS: circuit in impedance.py syntax")->capture_default_str();
  cmd->add_option("--guess", o.guess, "EIS: initial guess, comma-separated (default: read off the spectrum)");
  cmd->add_option("--lambda", o.lambda, "DRT: regularisation weight")->capture_default_str();
  cmd->add_flag("--gcv", o.gcv, "DRT: choose lambda by generalised cross-validation");
  cmd->add_option("--penalty", o.penalty, "DRT: derivative penalised, 1 or 2")->check(CLI::IsMember({1, 2}))->capture_default_str();
}

void add_analyze_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<AnalyzeArgs>();
  auto* cmd = app.add_subcommand("analyze", "Run the live analyzers offline on a file and print tables or --json");
  cmd->add_option("kind", args->kind, "cycles, rate, dqdv, cv, gitt, eis or drt")
      ->required()
      ->check(CLI::IsMember({"cycles", "rate", "dqdv", "cv", "gitt", "eis", "drt"}));
  add_offline_options(cmd, args->offline);
  cmd->add_flag("--json", args->json, "Print one JSON object (DESIGN.md field names)");
  cmd->callback([&action, args] {
    require_one_input(args->offline);
    action = [args] { return run_analyze(*args); };
  });
}

}  // namespace cyclerd::ctl

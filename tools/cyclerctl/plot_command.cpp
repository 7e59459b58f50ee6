// `cyclerctl plot KIND (--file PATH | --db FILE --run N) -o OUT.svg`: the figures of a paper from a file or
// a stored run, as self-contained SVG.
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "analysis/circuit_fit.hpp"
#include "analysis/drt.hpp"
#include "analysis/eis_analyzer.hpp"
#include "core/error.hpp"
#include "tools/cyclerctl/commands.hpp"
#include "tools/cyclerctl/offline_analysis.hpp"
#include "tools/cyclerctl/svg/svg_figure.hpp"

namespace cyclerd::ctl {
namespace {

struct PlotArgs {
  std::string kind, out;
  OfflineOptions offline;
};

double get(const nlohmann::json& v, double scale = 1) { return v.is_number() ? v.get<double>() * scale : NAN; }

svg::Figure capacity(const OfflineResult& r, bool per_gram) {
  svg::Figure f("Capacity and coulombic efficiency", {"Cycle"}, {per_gram ? "Capacity (mAh/g)" : "Capacity (mAh)"});
  f.set_right_axis({"Coulombic efficiency (%)"});
  svg::Series dis{"discharge", {}, {}, true}, ch{"charge", {}, {}, true}, ce{"CE", {}, {}, true, true};
  for (const auto& c : r.tables.count("cycles") ? r.tables.at("cycles") : nlohmann::json::array()) {
    const double n = c["cycle_index"].get<double>();
    dis.x.push_back(n), ch.x.push_back(n), ce.x.push_back(n);
    dis.y.push_back(per_gram ? get(c["discharge_capacity_mAh_g"]) : get(c["discharge_capacity_Ah"], 1e3));
    ch.y.push_back(per_gram ? get(c["charge_capacity_mAh_g"]) : get(c["charge_capacity_Ah"], 1e3));
    ce.y.push_back(get(c["coulombic_efficiency"], 100));
  }
  f.add(dis), f.add(ch), f.add(ce);
  return f;
}

svg::Figure rate(const OfflineResult& r, bool per_gram) {
  svg::Figure f("Rate capability", {"Cycle"}, {per_gram ? "Discharge capacity (mAh/g)" : "Discharge capacity (mAh)"});
  std::map<double, svg::Series> by_rate;
  for (const auto& c : r.tables.count("cycles") ? r.tables.at("cycles") : nlohmann::json::array()) {
    const double rate_A_g = get(c["current_density_A_g"]);
    auto& s = by_rate[std::isfinite(rate_A_g) ? std::round(rate_A_g * 1000) / 1000 : -1];
    if (s.name.empty()) s.name = std::isfinite(rate_A_g) ? (std::to_string(rate_A_g).substr(0, 5) + " A/g") : "cycles";
    s.markers = true;
    s.x.push_back(c["cycle_index"].get<double>());
    s.y.push_back(per_gram ? get(c["discharge_capacity_mAh_g"]) : get(c["discharge_capacity_Ah"], 1e3));
  }
  for (auto& [k, s] : by_rate) f.add(s);
  return f;
}

// Voltage against the capacity passed in each half cycle, for a few cycles spread over the file.
svg::Figure voltage(const OfflineResult& r) {
  svg::Figure f("Voltage profiles", {"Capacity (mAh)"}, {"Voltage (V)"});
  const auto& recs = r.samples.records;
  const int last = recs.empty() ? 0 : recs.back().cycle_index;
  std::map<int, svg::Series> shown;
  for (int c : {1, 2, std::max(1, last / 2), last}) shown[c].name = "cycle " + std::to_string(c);
  double q = 0;
  int dir = 0;
  for (std::size_t k = 1; k < recs.size(); ++k) {
    const auto& s = recs[k].sample;
    const int d = s.current_A > 0 ? 1 : s.current_A < 0 ? -1 : 0;
    auto it = shown.find(recs[k].cycle_index);
    if (d != 0 && d != dir) {
      q = 0, dir = d;
      if (it != shown.end()) it->second.x.push_back(NAN), it->second.y.push_back(NAN);
    }
    q += std::abs(s.current_A) * (s.t_s - recs[k - 1].sample.t_s) / 3.6;
    if (it != shown.end() && d != 0) it->second.x.push_back(q), it->second.y.push_back(s.voltage_V);
  }
  for (auto& [c, s] : shown) f.add(s);
  return f;
}

svg::Figure dqdv(const OfflineResult& r) {
  svg::Figure f("Incremental capacity", {"Voltage (V)"}, {"dQ/dV (mAh/V)"});
  for (const auto& c : r.final_results["dqdv"]) {
    svg::Series s;
    s.name = "cycle " + std::to_string(c["cycle_index"].get<int>()) + " " + c["half"].get<std::string>();
    for (std::size_t k = 0; k < c["voltage_V"].size(); ++k) {
      s.x.push_back(c["voltage_V"][k].get<double>());
      // Discharge drawn below the axis, as papers do.
      s.y.push_back(c["dqdv_Ah_per_V"][k].get<double>() * 1e3 * (c["half"] == "charge" ? 1 : -1));
    }
    f.add(s);
  }
  return f;
}

svg::Figure cv(const OfflineResult& r) {
  svg::Figure f("Cyclic voltammetry", {"Potential (V)"}, {"Current (mA)"});
  std::map<int, svg::Series> cycles;
  for (const auto& rec : r.samples.records) {
    auto& s = cycles[rec.cycle_index];
    s.x.push_back(rec.sample.voltage_V), s.y.push_back(rec.sample.current_A * 1e3);
  }
  int shown = 0;
  for (auto it = cycles.begin(); it != cycles.end(); ++it) {
    // At most eight cycles: the first ones and the last.
    if (shown < 7 || std::next(it) == cycles.end()) {
      it->second.name = "cycle " + std::to_string(it->first);
      f.add(it->second), ++shown;
    }
  }
  return f;
}

svg::Figure gitt(const OfflineResult& r) {
  svg::Figure f("GITT diffusion coefficient", {"Voltage (V)"}, {"D (cm2/s)", true});
  auto markers = [](std::string name) {
    svg::Series s;
    s.name = std::move(name);
    s.markers = true;
    return s;
  };
  svg::Series dis = markers("discharge"), ch = markers("charge"), bad = markers("tau > 0.1 L^2/D");
  bad.colour = "#aaaaaa";
  for (const auto& p : r.final_results["gitt"]) {
    auto& s = p["valid"] == false ? bad : p["direction"] == "charge" ? ch : dis;
    s.x.push_back(get(p["voltage_V"])), s.y.push_back(get(p["diffusion_cm2_s"]));
  }
  f.add(dis), f.add(ch);
  if (!bad.x.empty()) f.add(bad);
  return f;
}

svg::Figure nyquist(const OfflineOptions& o) {
  const auto z = load_spectrum(o);
  svg::Figure f("Nyquist: " + o.circuit, {"Z' (ohm)"}, {"-Z'' (ohm)", false, true});
  svg::Series data{"measured", {}, {}, true}, fit{"fit " + o.circuit};
  for (const auto& p : z) data.x.push_back(p.z_ohm.real()), data.y.push_back(-p.z_ohm.imag());
  analysis::EisOptions eo;
  eo.circuit = o.circuit;
  eo.run_drt = false;
  if (!o.guess.empty()) eo.initial_guess = parse_guess(o.guess);
  analysis::EisAnalyzer eis(eo);
  const auto& res = eis.add(0, z);
  if (!res.fit) throw Error(ErrorCode::invalid_input, res.error, source_name(o));
  const auto circuit = analysis::Circuit::parse(o.circuit);
  const double f_hi = z.front().frequency_Hz, f_lo = z.back().frequency_Hz;
  for (int k = 0; k <= 200; ++k) {
    const double freq = f_hi * std::pow(f_lo / f_hi, k / 200.0);
    const auto zz = circuit.impedance(res.fit->values(), freq);
    fit.x.push_back(zz.real()), fit.y.push_back(-zz.imag());
  }
  f.add(data), f.add(fit);
  return f;
}

svg::Figure drt(const OfflineOptions& o) {
  analysis::DrtOptions d;
  d.lambda = o.lambda, d.use_gcv = o.gcv;
  d.penalty = o.penalty == 2 ? analysis::DrtPenalty::second_derivative : analysis::DrtPenalty::first_derivative;
  const auto r = analysis::compute_drt(load_spectrum(o), d);
  svg::Figure f("Distribution of relaxation times", {"tau (s)", true}, {"gamma (ohm)"});
  f.add(svg::Series("gamma, lambda " + std::to_string(r.lambda).substr(0, 7), r.tau_s, r.gamma_ohm));
  svg::Series peaks{"peaks", {}, {}, true};
  for (const auto& p : r.peaks) {
    std::size_t best = 0;
    for (std::size_t k = 0; k < r.tau_s.size(); ++k) {
      if (std::abs(std::log(r.tau_s[k] / p.tau_s)) < std::abs(std::log(r.tau_s[best] / p.tau_s))) best = k;
    }
    peaks.x.push_back(p.tau_s), peaks.y.push_back(r.gamma_ohm[best]);
  }
  f.add(peaks);
  return f;
}

int run_plot(const PlotArgs& a) {
  std::string svg_text;
  if (a.kind == "nyquist") {
    svg_text = nyquist(a.offline).render();
  } else if (a.kind == "drt") {
    svg_text = drt(a.offline).render();
  } else {
    const OfflineResult r = analyse_samples(a.offline, a.kind == "cv");
    const bool per_gram = r.active_mass_g > 0;
    if (a.kind == "capacity") svg_text = capacity(r, per_gram).render();
    else if (a.kind == "rate") svg_text = rate(r, per_gram).render();
    else if (a.kind == "voltage") svg_text = voltage(r).render();
    else if (a.kind == "dqdv") svg_text = dqdv(r).render();
    else if (a.kind == "cv") svg_text = cv(r).render();
    else svg_text = gitt(r).render();
  }
  svg::write_file(a.out, svg_text);
  std::cerr << "plot: wrote " << a.out << '\n';
  return kExitDone;
}

}  // namespace

void add_plot_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<PlotArgs>();
  auto* cmd = app.add_subcommand("plot", "Draw a figure of a file's analysis as a self-contained SVG");
  cmd->add_option("kind", args->kind, "capacity, voltage, rate, dqdv, cv, nyquist, drt or gitt")
      ->required()
      ->check(CLI::IsMember({"capacity", "voltage", "rate", "dqdv", "cv", "nyquist", "drt", "gitt"}));
  cmd->add_option("-o,--output", args->out, "The SVG file to write")->required();
  add_offline_options(cmd, args->offline);
  cmd->callback([&action, args] {
    require_one_input(args->offline);
    action = [args] { return run_plot(*args); };
  });
}

}  // namespace cyclerd::ctl

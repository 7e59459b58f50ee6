#include "tools/cyclerctl/offline_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "analysis/cycle_integrator.hpp"
#include "core/error.hpp"

namespace cyclerd::ctl {

analysis::ColumnMapping parse_mapping(const std::vector<std::string>& pairs) {
  analysis::ColumnMapping m;
  for (const auto& p : pairs) {
    const auto eq = p.find('=');
    const std::string key = p.substr(0, eq);
    if (eq == std::string::npos || (key != "time" && key != "voltage" && key != "current" && key != "cycle")) {
      throw Error(ErrorCode::invalid_input, "expected time=, voltage=, current= or cycle=COLUMN, got '" + p + "'", "--map");
    }
    m[key] = p.substr(eq + 1);
  }
  return m;
}

std::vector<double> parse_guess(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error(ErrorCode::invalid_input, "not a number: '" + item + "'", "--guess");
    }
  }
  return out;
}

namespace {

// Cycles of a CV file without cycle numbers: a new cycle each time the sweep turns back into the
// direction it started in (5 mV of hysteresis against noise).
class VertexCounter {
 public:
  int add(double v) {
    if (!extreme_) extreme_ = v;
    const int dir = v > *extreme_ + 0.005 ? 1 : v < *extreme_ - 0.005 ? -1 : 0;
    if (dir != 0 && dir != direction_) {
      if (!first_) first_ = dir;
      else if (dir == *first_) ++cycle_;
      direction_ = dir;
    }
    if (direction_ == 0 || (direction_ > 0 ? v > *extreme_ : v < *extreme_)) extreme_ = v;
    return cycle_;
  }

 private:
  std::optional<double> extreme_;
  std::optional<int> first_;
  int direction_ = 0, cycle_ = 1;
};

}  // namespace

OfflineResult analyse_samples(const OfflineOptions& o, bool cv) {
  OfflineResult out;
  out.samples = analysis::read_sample_file(o.file, parse_mapping(o.map));
  const auto& recs = out.samples.records;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& r : recs) lo = std::min(lo, r.sample.voltage_V), hi = std::max(hi, r.sample.voltage_V);
  const double mass_g = o.mass_mg * 1e-3;
  auto options = analysis::ChannelAnalysisOptions::for_cell(mass_g, o.v_min.value_or(lo), o.v_max.value_or(hi));
  if (!(options.dqdv.v_max_V > options.dqdv.v_min_V)) {
    throw Error(ErrorCode::invalid_input, "the voltage window is empty (the file's voltage never changes?)", o.file);
  }
  options.reference_cycle = o.reference_cycle;
  options.dqdv.bins = options.cv.bins = o.bins;
  options.dqdv.smoothing_V = o.sigma_V;
  options.dqdv.keep = std::max<std::size_t>(1, o.last);
  options.cv_all_records = cv;
  options.gitt.material.molar_mass_g_mol = o.molar_mass;
  options.gitt.material.molar_volume_cm3_mol = o.molar_volume;
  options.gitt.material.electrode_area_cm2 = o.area;
  if (mass_g > 0) options.gitt.material.active_mass_g = mass_g;

  analysis::ChannelAnalysis a(options, [&out](std::string_view kind, const nlohmann::json& row) {
    auto& t = out.tables[std::string(kind)];
    if (t.is_null()) t = nlohmann::json::array();
    t.push_back(row);
  });
  analysis::CycleIntegrator cycles(out.samples.has_cycle_numbers, options.dqdv.current_threshold_A);
  VertexCounter vertices;
  for (analysis::AnalysisRecord r : recs) {
    if (auto done = cycles.add(r)) a.on_cycle(*done);
    if (!out.samples.has_cycle_numbers) r.cycle_index = cv ? vertices.add(r.sample.voltage_V) : cycles.cycle_index();
    a.on_record(r);
  }
  if (auto done = cycles.finish()) a.on_cycle(*done);
  a.finish();
  out.final_results = a.results();
  return out;
}

}  // namespace cyclerd::ctl

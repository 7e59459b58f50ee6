#include "analysis/channel_analysis.hpp"

namespace cyclerd::analysis {
namespace {

GittOptions with_mass(GittOptions g, double mass_g) {
  if (!g.material.active_mass_g && mass_g > 0) g.material.active_mass_g = mass_g;
  return g;
}

}  // namespace

ChannelAnalysisOptions ChannelAnalysisOptions::for_cell(double mass_g, double v_min_V, double v_max_V) {
  ChannelAnalysisOptions o;
  o.active_mass_g = mass_g;
  o.dqdv.v_min_V = o.cv.v_min_V = v_min_V;
  o.dqdv.v_max_V = o.cv.v_max_V = v_max_V;
  o.dqdv.active_mass_g = mass_g;
  // Rest is below 0.1 mA/g: far under any programmed current, far over the instrument's noise.
  const double threshold = mass_g > 0 ? 1e-4 * mass_g : 1e-7;
  o.dqdv.current_threshold_A = o.gitt.current_threshold_A = threshold;
  return o;
}

ChannelAnalysis::ChannelAnalysis(ChannelAnalysisOptions o, ResultSink sink)
    : options_(o),
      sink_(std::move(sink)),
      stats_({o.active_mass_g, o.reference_cycle}),
      rates_(sink_),
      dqdv_(o.dqdv, sink_),
      cv_(o.cv, sink_),
      gitt_(with_mass(o.gitt, o.active_mass_g), sink_),
      eis_(o.eis, sink_) {}

void ChannelAnalysis::on_record(const AnalysisRecord& r, double scan_rate_V_s) {
  dqdv_.add(r);
  if (scan_rate_V_s > 0 || options_.cv_all_records) {
    cv_.add(r, scan_rate_V_s);
  } else {
    gitt_.add(r);  // sweeps are not titration pulses
  }
}

void ChannelAnalysis::on_cycle(const CycleRecord& c) {
  const CycleStatsRow row = stats_.add(c);
  if (sink_) sink_("cycles", to_json(row));
  rates_.add(row);
}

void ChannelAnalysis::on_spectrum(std::int64_t step_index, std::span<const ImpedancePoint> spectrum) {
  eis_.add(step_index, spectrum);
}

void ChannelAnalysis::finish() {
  rates_.finish();
  dqdv_.finish();
  cv_.finish();
  gitt_.finish();
  if (sink_) sink_("summary", stats_.summary());
}

nlohmann::json ChannelAnalysis::results() const {
  nlohmann::json j;
  j["summary"] = stats_.summary();
  j["last_cycle"] = stats_.last() ? to_json(*stats_.last()) : nlohmann::json();
  j["rate_table"] = nlohmann::json::array();
  for (const auto& r : rates_.rows()) j["rate_table"].push_back(to_json(r));
  j["dqdv"] = nlohmann::json::array();
  for (const auto& c : dqdv_.curves()) j["dqdv"].push_back(to_json(c, options_.active_mass_g));
  nlohmann::json tracks = nlohmann::json::array();
  const int latest = cv_.last_cycle() ? cv_.last_cycle()->cycle_index : 0;
  for (const auto& t : cv_.tracks()) tracks.push_back(to_json(t, latest));
  j["cv"] = {{"last_cycle", cv_.last_cycle() ? to_json(*cv_.last_cycle()) : nlohmann::json()},
             {"peak_tracks", tracks},
             {"kinetics", to_json(cv_.kinetics())}};
  j["gitt"] = nlohmann::json::array();
  for (const auto& p : gitt_.pulses()) j["gitt"].push_back(to_json(p));
  if (!gitt_.material_error().empty()) j["gitt_error"] = gitt_.material_error();
  j["eis"] = nlohmann::json::array();
  for (const auto& r : eis_.results()) j["eis"].push_back(to_json(r));
  return j;
}

std::size_t ChannelAnalysis::memory_bytes() const {
  return sizeof(*this) + stats_.memory_bytes() + rates_.memory_bytes() + dqdv_.memory_bytes() + cv_.memory_bytes() +
         gitt_.memory_bytes() + eis_.memory_bytes();
}

}  // namespace cyclerd::analysis

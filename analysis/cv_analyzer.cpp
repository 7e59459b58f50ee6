#include "analysis/cv_analyzer.hpp"

#include <algorithm>
#include <cmath>

namespace cyclerd::analysis {
namespace {

// Rates within 2 % are one rate: a programmed 0.2 mV/s and its estimate from noisy samples.
bool same_rate(double a, double b) { return std::abs(a - b) <= 0.02 * std::max(a, b); }

}  // namespace

CvAnalyzer::CvAnalyzer(CvOptions options, ResultSink sink)
    : options_(options),
      sink_(std::move(sink)),
      anodic_(options.v_min_V, options.v_max_V, options.bins),
      cathodic_(options.v_min_V, options.v_max_V, options.bins) {
  tracks_.reserve(options_.max_tracks);
  rates_.reserve(options_.max_scan_rates);
}

void CvAnalyzer::add(const AnalysisRecord& r, double scan_rate_V_s) {
  if (!std::isfinite(r.sample.voltage_V) || !std::isfinite(r.sample.current_A)) return;
  if (r.cycle_index != cycle_index_) {
    close_cycle();
    cycle_index_ = r.cycle_index;
    previous_.reset();
  }
  if (scan_rate_V_s > 0) programmed_rate_ = scan_rate_V_s;
  if (previous_ && previous_->step_index == r.step_index) {
    const double dv = r.sample.voltage_V - previous_->sample.voltage_V;
    const double dt = r.sample.t_s - previous_->sample.t_s;
    if (dt > 0) {
      sweep_dv_ += std::abs(dv);
      sweep_dt_ += dt;
      // The direction of the sweep at this sample; the midpoint potential is where its current belongs.
      const double v_mid = 0.5 * (r.sample.voltage_V + previous_->sample.voltage_V);
      const double i_mid = 0.5 * (r.sample.current_A + previous_->sample.current_A);
      if (dv > 0) anodic_.add(v_mid, i_mid);
      else if (dv < 0) cathodic_.add(v_mid, i_mid);
    }
  }
  previous_ = r;
}

void CvAnalyzer::close_cycle() {
  if (cycle_index_ < 0 || sweep_dt_ <= 0) {
    anodic_.clear(), cathodic_.clear();
    sweep_dv_ = sweep_dt_ = programmed_rate_ = 0;
    return;
  }
  CvCycle c;
  c.cycle_index = cycle_index_;
  c.scan_rate_V_s = programmed_rate_ > 0 ? programmed_rate_ : sweep_dv_ / sweep_dt_;
  const auto up = find_cv_peaks(anodic_, true), down = find_cv_peaks(cathodic_, false);
  c.peaks = up;
  c.peaks.insert(c.peaks.end(), down.begin(), down.end());
  if (!up.empty() && !down.empty()) c.separation_V = up.front().potential_V - down.front().potential_V;
  track(c);

  // The latest cycle at each scan rate is the one its kinetics use (the first ones still settle).
  RateCurve* slot = nullptr;
  for (auto& rc : rates_) {
    if (same_rate(rc.scan_rate_V_s, c.scan_rate_V_s)) slot = &rc;
  }
  if (!slot && rates_.size() < options_.max_scan_rates) slot = &rates_.emplace_back();
  if (slot) {
    slot->scan_rate_V_s = c.scan_rate_V_s;
    const auto a = anodic_.mean_current_A(), k = cathodic_.mean_current_A();
    slot->anodic_A.assign(a.begin(), a.end());
    slot->cathodic_A.assign(k.begin(), k.end());
    slot->peaks = c.peaks;
  }
  if (sink_) sink_("cv_cycles", to_json(c));
  last_ = std::move(c);
  anodic_.clear(), cathodic_.clear();
  sweep_dv_ = sweep_dt_ = programmed_rate_ = 0;
}

void CvAnalyzer::track(const CvCycle& c) {
  for (const auto& p : c.peaks) {
    CvPeakTrack* match = nullptr;
    for (auto& t : tracks_) {
      if (t.anodic == p.anodic && std::abs(t.potential_V - p.potential_V) <= options_.track_window_V &&
          t.last_cycle != c.cycle_index) {
        match = &t;
        break;
      }
    }
    if (!match) {
      if (tracks_.size() >= options_.max_tracks) continue;
      match = &tracks_.emplace_back();
      match->anodic = p.anodic;
      match->first_cycle = c.cycle_index;
      match->first_current_A = p.current_A;
    }
    match->potential_V = p.potential_V;
    match->last_cycle = c.cycle_index;
    match->last_current_A = p.current_A;
  }
}

void CvAnalyzer::finish() {
  close_cycle();
  cycle_index_ = -1;
  if (!sink_) return;
  for (const auto& t : tracks_) sink_("cv_peak_tracks", to_json(t, last_ ? last_->cycle_index : 0));
  if (rates_.size() >= 2) sink_("cv_kinetics", to_json(kinetics()));
}

CvKinetics CvAnalyzer::kinetics() const {
  CvKinetics k;
  std::vector<const RateCurve*> sorted;
  for (const auto& rc : rates_) sorted.push_back(&rc);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->scan_rate_V_s < b->scan_rate_V_s; });
  for (auto* rc : sorted) k.scan_rates_V_s.push_back(rc->scan_rate_V_s);
  if (sorted.size() < 2) return k;

  // b-values: each peak of the slowest rate, matched to the nearest same-direction peak at every rate
  // (peaks move apart as the rate rises, hence the wide window).
  for (const auto& p : sorted.front()->peaks) {
    std::vector<double> rates, currents;
    for (auto* rc : sorted) {
      const CvPeak* best = nullptr;
      for (const auto& q : rc->peaks) {
        if (q.anodic != p.anodic || std::abs(q.potential_V - p.potential_V) > 0.3) continue;
        if (!best || std::abs(q.potential_V - p.potential_V) < std::abs(best->potential_V - p.potential_V)) best = &q;
      }
      if (!best) break;
      rates.push_back(rc->scan_rate_V_s);
      currents.push_back(std::abs(best->current_A));
    }
    if (rates.size() == sorted.size()) k.b_values.push_back({p, fit_b_value(rates, currents)});
  }

  // Dunn per potential over both branches, where every rate filled the bin.
  std::vector<std::vector<double>> currents;
  const std::size_t bins = sorted.front()->anodic_A.size();
  for (int branch = 0; branch < 2; ++branch) {
    for (std::size_t b = 0; b < bins; ++b) {
      std::vector<double> row;
      for (auto* rc : sorted) {
        const double i = branch == 0 ? rc->anodic_A[b] : rc->cathodic_A[b];
        if (!std::isfinite(i)) break;
        row.push_back(i);
      }
      if (row.size() == sorted.size()) currents.push_back(std::move(row));
    }
  }
  if (!currents.empty()) k.capacitive_fraction = capacitive_fractions(k.scan_rates_V_s, currents);
  return k;
}

nlohmann::json CvAnalyzer::curves() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& rc : rates_) {
    std::vector<double> v(rc.anodic_A.size());
    for (std::size_t b = 0; b < v.size(); ++b) v[b] = anodic_.bin_centre_V(b);
    auto nulls = [](const std::vector<double>& x) {
      nlohmann::json a = nlohmann::json::array();
      for (double d : x) a.push_back(std::isfinite(d) ? nlohmann::json(d) : nlohmann::json());
      return a;
    };
    out.push_back({{"scan_rate_V_s", rc.scan_rate_V_s}, {"voltage_V", v}, {"anodic_A", nulls(rc.anodic_A)},
                   {"cathodic_A", nulls(rc.cathodic_A)}});
  }
  return out;
}

std::size_t CvAnalyzer::memory_bytes() const {
  std::size_t n = sizeof(*this) + anodic_.memory_bytes() + cathodic_.memory_bytes() + heap_bytes(tracks_) +
                  heap_bytes(rates_);
  for (const auto& rc : rates_) n += heap_bytes(rc.anodic_A) + heap_bytes(rc.cathodic_A) + heap_bytes(rc.peaks);
  if (last_) n += heap_bytes(last_->peaks);
  return n;
}

nlohmann::json to_json(const CvCycle& c) {
  nlohmann::json peaks = nlohmann::json::array();
  for (const auto& p : c.peaks) peaks.push_back(to_json(p));
  return {{"cycle_index", c.cycle_index},
          {"scan_rate_V_s", c.scan_rate_V_s},
          {"peaks", peaks},
          {"separation_V", c.separation_V ? nlohmann::json(*c.separation_V) : nlohmann::json()}};
}

nlohmann::json to_json(const CvPeakTrack& t, int latest_cycle) {
  // appearing: first seen after the first analysed cycle; gone: not in the latest; growing/fading by 10 %.
  const double ratio = t.first_current_A != 0 ? t.last_current_A / t.first_current_A : 1.0;
  std::string trend = ratio > 1.1 ? "growing" : ratio < 0.9 ? "fading" : "stable";
  if (t.last_cycle < latest_cycle) trend = "gone";
  return {{"direction", t.anodic ? "anodic" : "cathodic"}, {"potential_V", t.potential_V},
          {"first_cycle", t.first_cycle}, {"last_cycle", t.last_cycle}, {"first_current_A", t.first_current_A},
          {"last_current_A", t.last_current_A}, {"trend", trend}};
}

nlohmann::json to_json(const CvKinetics& k) {
  nlohmann::json b = nlohmann::json::array(), share = nlohmann::json::array();
  for (const auto& v : k.b_values) {
    nlohmann::json j = to_json(v.fit);
    j["direction"] = v.peak.anodic ? "anodic" : "cathodic";
    j["potential_V"] = v.peak.potential_V;
    b.push_back(j);
  }
  for (std::size_t r = 0; r < k.capacitive_fraction.size(); ++r) {
    share.push_back({{"scan_rate_V_s", k.scan_rates_V_s[r]}, {"capacitive_fraction", k.capacitive_fraction[r]}});
  }
  return {{"scan_rates_V_s", k.scan_rates_V_s}, {"b_values", b}, {"capacitive_share", share}};
}

}  // namespace cyclerd::analysis

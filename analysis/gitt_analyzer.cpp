#include "analysis/gitt_analyzer.hpp"

#include <cmath>

#include "core/error.hpp"

namespace cyclerd::analysis {

GittAnalyzer::GittAnalyzer(GittOptions options, ResultSink sink) : options_(options), sink_(std::move(sink)) {
  pulses_.reserve(std::min<std::size_t>(options_.max_pulses, 256));
}

void GittAnalyzer::add(const AnalysisRecord& r) {
  const Sample& s = r.sample;
  if (!std::isfinite(s.voltage_V) || !std::isfinite(s.current_A)) return;
  const bool rest = std::abs(s.current_A) <= options_.current_threshold_A;
  switch (phase_) {
    case Phase::start:
    case Phase::other:
      phase_ = rest ? Phase::resting : Phase::other;
      break;
    case Phase::resting:
    case Phase::relaxing:
      if (rest) break;
      if (phase_ == Phase::relaxing) end_relaxation();
      start_pulse(r);
      break;
    case Phase::pulsing:
      if (rest) {
        phase_ = Phase::relaxing;
        GittPulseResult p;
        p.charge = current_A_ > 0;
        p.start_t_s = t0_s_;
        p.pulse.duration_s = t_end_s_ - t0_s_;
        // V(t) = E0 + k sqrt(t) over the early samples: E0 is the voltage just after the IR jump.
        double e0 = early_v_[0];
        if (early_n_ >= 3) {
          double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
          for (std::size_t k = 0; k < early_n_; ++k) {
            if (early_t_[k] * early_t_[k] > 0.1 * p.pulse.duration_s) break;  // first tenth of the pulse only
            sx += early_t_[k], sy += early_v_[k], sxx += early_t_[k] * early_t_[k], sxy += early_t_[k] * early_v_[k];
            n += 1;
          }
          const double det = n * sxx - sx * sx;
          if (n >= 3 && det > 0) e0 = (sy * sxx - sx * sxy) / det;
        }
        p.ir_drop_V = e0 - v_before_V_;
        p.pulse.delta_et_V = v_end_V_ - e0;
        const int dir = p.charge ? 1 : 0;
        passed_Ah_[dir] += std::abs(pulse_Ah_);
        p.charge_passed_Ah = passed_Ah_[dir];
        pending_ = p;
        last_rest_V_ = s.voltage_V;
      } else if ((s.current_A > 0) != (current_A_ > 0)) {
        phase_ = Phase::other;  // reversed without a rest: not a titration pulse
      } else {
        pulse_Ah_ += 0.5 * (s.current_A + current_A_) * (s.t_s - prev_t_s_) / 3600.0;
        current_A_ = s.current_A;
        v_end_V_ = s.voltage_V;
        t_end_s_ = s.t_s;
        if (early_n_ < early_t_.size()) {
          early_t_[early_n_] = std::sqrt(s.t_s - t0_s_);
          early_v_[early_n_++] = s.voltage_V;
        }
      }
      break;
  }
  if (rest && phase_ != Phase::pulsing) last_rest_V_ = s.voltage_V;
  prev_t_s_ = s.t_s;
}

void GittAnalyzer::start_pulse(const AnalysisRecord& r) {
  phase_ = Phase::pulsing;
  t0_s_ = prev_t_s_;  // the setpoint was applied after the last rest sample
  v_before_V_ = last_rest_V_;
  current_A_ = r.sample.current_A;
  pulse_Ah_ = current_A_ * (r.sample.t_s - t0_s_) / 3600.0;
  v_end_V_ = r.sample.voltage_V;
  t_end_s_ = r.sample.t_s;
  early_t_[0] = std::sqrt(r.sample.t_s - t0_s_);
  early_v_[0] = r.sample.voltage_V;
  early_n_ = 1;
}

void GittAnalyzer::end_relaxation() {
  if (!pending_) return;
  GittPulseResult p = *pending_;
  pending_.reset();
  p.pulse.delta_es_V = last_rest_V_ - (v_before_V_);
  p.pulse.voltage_V = last_rest_V_;
  p.pulse_index = ++count_;
  try {
    if (p.pulse.delta_et_V != 0 && p.pulse.duration_s > 0) p.diffusion = weppner_huggins(p.pulse, options_.material);
  } catch (const Error& e) {
    if (material_error_.empty()) material_error_ = e.what();
  }
  if (pulses_.size() < options_.max_pulses) pulses_.push_back(p);
  if (sink_) sink_("gitt", to_json(p));
}

void GittAnalyzer::finish() {
  if (phase_ == Phase::relaxing) end_relaxation();
  phase_ = Phase::start;
  // State of charge along each direction's titration: the charge passed so far over the direction's
  // total; discharging an anode lowers it from 1, charging raises it from 0.
  for (auto& p : pulses_) {
    const double total = passed_Ah_[p.charge ? 1 : 0];
    if (!(total > 0)) continue;
    const double f = p.charge_passed_Ah / total;
    p.state_of_charge = p.charge ? f : 1.0 - f;
  }
}

nlohmann::json to_json(const GittPulseResult& p) {
  nlohmann::json j = {{"pulse_index", p.pulse_index},
                      {"direction", p.charge ? "charge" : "discharge"},
                      {"start_t_s", p.start_t_s},
                      {"duration_s", p.pulse.duration_s},
                      {"delta_es_V", p.pulse.delta_es_V},
                      {"delta_et_V", p.pulse.delta_et_V},
                      {"ir_drop_V", p.ir_drop_V},
                      {"voltage_V", p.pulse.voltage_V},
                      {"charge_passed_Ah", p.charge_passed_Ah},
                      {"state_of_charge", p.state_of_charge ? nlohmann::json(*p.state_of_charge) : nlohmann::json()},
                      {"diffusion_cm2_s", nullptr},
                      {"length_cm", nullptr},
                      {"diffusion_time_s", nullptr},
                      {"valid", nullptr}};
  if (p.diffusion) {
    j["diffusion_cm2_s"] = p.diffusion->diffusion_cm2_s;
    j["length_cm"] = p.diffusion->length_cm;
    j["diffusion_time_s"] = p.diffusion->diffusion_time_s;
    j["valid"] = p.diffusion->valid;
  }
  return j;
}

}  // namespace cyclerd::analysis

// GITT, streaming: finds each rest - current pulse - rest in the record stream and reads tau, dEs and dEt
// (IR drop removed by extrapolating the first seconds of the pulse to its start against sqrt(t)), then D by
// Weppner-Huggins with its validity flag, against the relaxed voltage and the state of charge.
// Memory: a fixed window of early pulse samples and at most `max_pulses` kept results.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/gitt.hpp"
#include "analysis/run_stream.hpp"

namespace cyclerd::analysis {

struct GittOptions {
  GittMaterial material;
  double current_threshold_A = 1e-7;  // |I| below this is a rest
  std::size_t max_pulses = 2000;
};

// One titration pulse and its diffusion coefficient (when the material is complete).
struct GittPulseResult {
  int pulse_index = 0;              // from 1, both directions together
  bool charge = false;              // current > 0
  double start_t_s = 0;
  GittPulse pulse;                  // tau, dEs, dEt, relaxed voltage after
  double ir_drop_V = 0;             // jump at the pulse start (R0 and fast kinetics)
  double charge_passed_Ah = 0;      // through the pulses of this direction so far, this one included
  std::optional<double> state_of_charge;  // 0..1 along this direction's titration, set by finish()
  std::optional<GittResult> diffusion;
};

class GittAnalyzer {
 public:
  GittAnalyzer(GittOptions options, ResultSink sink = {});

  void add(const AnalysisRecord& record);
  // Closes the last relaxation, sets the state of charge of the kept pulses and publishes the summary.
  void finish();

  const std::vector<GittPulseResult>& pulses() const { return pulses_; }
  // Why D could not be computed (a missing cell quantity), if so.
  const std::string& material_error() const { return material_error_; }
  std::size_t memory_bytes() const { return sizeof(*this) + heap_bytes(pulses_); }

 private:
  enum class Phase { start, other, resting, pulsing, relaxing };
  void start_pulse(const AnalysisRecord& r);
  void end_relaxation();

  GittOptions options_;
  ResultSink sink_;
  Phase phase_ = Phase::start;
  double last_rest_V_ = 0, prev_t_s_ = 0;
  // The pulse in progress.
  double t0_s_ = 0, v_before_V_ = 0, v_end_V_ = 0, t_end_s_ = 0, pulse_Ah_ = 0, current_A_ = 0;
  std::array<double, 32> early_t_{}, early_v_{};  // sqrt(t - t0) and V of the first samples
  std::size_t early_n_ = 0;
  std::optional<GittPulseResult> pending_;  // pulse awaiting the end of its relaxation
  double passed_Ah_[2] = {0, 0};            // per direction: discharge, charge
  int count_ = 0;
  std::string material_error_;
  std::vector<GittPulseResult> pulses_;
};

// {"pulse_index", "direction", "start_t_s", "duration_s", "delta_es_V", "delta_et_V", "ir_drop_V",
//  "voltage_V", "charge_passed_Ah", "state_of_charge", "diffusion_cm2_s", "length_cm", "diffusion_time_s", "valid"}.
nlohmann::json to_json(const GittPulseResult& p);

}  // namespace cyclerd::analysis

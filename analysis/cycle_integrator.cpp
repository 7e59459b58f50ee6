#include "analysis/cycle_integrator.hpp"

#include <cmath>
#include <initializer_list>

namespace cyclerd::analysis {

CycleIntegrator::CycleIntegrator(bool use_cycle_numbers, double current_threshold_A)
    : use_numbers_(use_cycle_numbers), threshold_A_(current_threshold_A) {
  cycle_.cycle_index = 1;
}

std::optional<CycleRecord> CycleIntegrator::add(const AnalysisRecord& r) {
  const Sample& s = r.sample;
  if (!std::isfinite(s.current_A) || !std::isfinite(s.voltage_V) || !std::isfinite(s.t_s)) return std::nullopt;
  std::optional<CycleRecord> done;
  const int dir = s.current_A > threshold_A_ ? 1 : s.current_A < -threshold_A_ ? -1 : 0;
  if (!last_) cycle_.start_t_s = s.t_s;
  if (dir != 0 && !discharge_first_) discharge_first_ = dir < 0;
  const bool first_dir = discharge_first_ && dir == (*discharge_first_ ? -1 : 1);

  bool boundary = false;
  if (use_numbers_) {
    boundary = last_ && r.cycle_index != file_cycle_;
  } else if (dir != 0 && discharge_first_) {
    // Back to the first direction after a second half: a new cycle begins.
    boundary = first_dir && in_second_half_;
    in_second_half_ = !first_dir;
  }
  if (boundary) {
    cycle_.end_t_s = last_->t_s;
    cycle_.discharge_first = discharge_first_.value_or(true);
    if (cycle_.charge_Ah > 0 || cycle_.discharge_Ah > 0) done = cycle_;
    const int next = cycle_.cycle_index + 1;
    cycle_ = CycleRecord{};
    cycle_.cycle_index = next;
    cycle_.start_t_s = last_->t_s;
  }
  if (use_numbers_) file_cycle_ = r.cycle_index;
  if (first_dir && cycle_.first_half_current_A == 0) cycle_.first_half_current_A = std::abs(s.current_A);
  if (last_) {
    // Trapezoids of I and I V; a sign change inside an interval splits by the ends' own signs.
    const double dt_h = (s.t_s - last_->t_s) / 3600.0;
    if (dt_h > 0) {
      for (const Sample* e : std::initializer_list<const Sample*>{&*last_, &s}) {
        const double q = 0.5 * e->current_A * dt_h, w = q * e->voltage_V;
        if (q > 0) cycle_.charge_Ah += q, cycle_.charge_Wh += w;
        else cycle_.discharge_Ah -= q, cycle_.discharge_Wh -= w;
      }
    }
  }
  last_ = s;
  return done;
}

std::optional<CycleRecord> CycleIntegrator::finish() {
  if (!last_ || !(cycle_.charge_Ah > 0 || cycle_.discharge_Ah > 0)) return std::nullopt;
  cycle_.end_t_s = last_->t_s;
  cycle_.discharge_first = discharge_first_.value_or(true);
  CycleRecord done = cycle_;
  cycle_ = CycleRecord{};
  last_.reset();
  return done;
}

}  // namespace cyclerd::analysis

#include "protocols/engine/end_conditions.hpp"

#include <algorithm>
#include <cmath>

namespace cyclerd {
namespace {

// Sample times are sums of periods: allow their rounding when a duration is compared.
constexpr double kTimeTolerance_s = 1e-9;

bool compare(double value, Comparison c, double threshold) {
  return c == Comparison::below ? value <= threshold : value >= threshold;
}

// A driver that lands on a stop limit reports exactly that limit; rounding must not miss it.
bool landed_on(const EndCondition& e, const StepMeasures& m) {
  if (!m.sample->has(sample_flag::limit_reached) || m.setpoint == nullptr) return false;
  const auto& limit = e.comparison == Comparison::below ? m.setpoint->stop_below_V : m.setpoint->stop_above_V;
  return limit && *limit == e.threshold;
}

bool met(const EndCondition& e, const StepMeasures& m) {
  switch (e.measure) {
    case Measure::time: return m.elapsed_s + kTimeTolerance_s >= e.threshold;
    case Measure::voltage: return compare(m.sample->voltage_V, e.comparison, e.threshold) || landed_on(e, m);
    case Measure::current: return compare(std::abs(m.sample->current_A), e.comparison, e.threshold);
    case Measure::charge: return compare(std::abs(m.charge_Ah), e.comparison, e.threshold);
    case Measure::energy: return compare(std::abs(m.energy_Wh), e.comparison, e.threshold);
    case Measure::voltage_slope: return m.slope_valid && compare(std::abs(m.slope_V_s), e.comparison, e.threshold);
  }
  return false;
}

}  // namespace

const EndCondition* first_met(std::span<const EndCondition> until, const StepMeasures& m) {
  for (const auto& e : until) {
    if (met(e, m)) return &e;
  }
  return nullptr;
}

void update_slope(StepProgress& step, const Sample& sample) {
  if (step.samples <= 1) {
    step.slope_anchor_t_s = sample.t_s;
    step.slope_anchor_V = sample.voltage_V;
    step.slope_valid = false;
    return;
  }
  const double span = sample.t_s - step.slope_anchor_t_s;
  if (span + kTimeTolerance_s >= kSlopeWindow_s) {
    step.slope_V_s = (sample.voltage_V - step.slope_anchor_V) / span;
    step.slope_valid = true;
    step.slope_anchor_t_s = sample.t_s;
    step.slope_anchor_V = sample.voltage_V;
  }
}

void put_stop_limits(std::span<const EndCondition> until, Setpoint& setpoint) {
  for (const auto& e : until) {
    if (e.measure != Measure::voltage) continue;
    auto& limit = e.comparison == Comparison::below ? setpoint.stop_below_V : setpoint.stop_above_V;
    // The first limit the voltage meets wins: the highest "below", the lowest "above".
    if (!limit) {
      limit = e.threshold;
    } else {
      limit = e.comparison == Comparison::below ? std::max(*limit, e.threshold) : std::min(*limit, e.threshold);
    }
  }
}

}  // namespace cyclerd

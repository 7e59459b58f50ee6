#include "protocols/engine/record_policy.hpp"

#include <cmath>

namespace cyclerd {
namespace {
constexpr double kDefaultEvery_s = 1.0;       // DESIGN.md: one record per second by default
constexpr double kTimeTolerance_s = 1e-9;     // sample times are sums of periods
}  // namespace

bool should_record(const RecordConditions& c, const LastRecord& last, const Sample& s, double throughput_Ah) {
  if (!last.valid) return true;
  const double every = c.empty() ? kDefaultEvery_s : c.every_s.value_or(0);
  if (every > 0 && s.t_s - last.t_s + kTimeTolerance_s >= every) return true;
  if (c.dV_V && std::abs(s.voltage_V - last.voltage_V) >= *c.dV_V) return true;
  if (c.dI && std::abs(s.current_A - last.current_A) >= std::abs(c.dI->value)) return true;
  if (c.dQ_Ah && std::abs(throughput_Ah - last.throughput_Ah) >= *c.dQ_Ah) return true;
  return false;
}

void remember_record(LastRecord& last, const Sample& s, double throughput_Ah) {
  last.valid = true;
  last.t_s = s.t_s;
  last.voltage_V = s.voltage_V;
  last.current_A = s.current_A;
  last.throughput_Ah = throughput_Ah;
}

}  // namespace cyclerd

#include "protocols/engine/sweep_programme.hpp"

#include <cmath>

namespace cyclerd {
namespace {

// Duration of one pass from `from_V` through every vertex.
double pass_s(const SweepParams& s, double from_V) {
  double total = 0, pos = from_V;
  for (const double v : s.vertices_V) total += std::abs(v - pos) / s.scan_rate_V_s, pos = v;
  return total;
}

// Direction at `t_s` into a pass from `from_V`, or 0 past its end.
int pass_direction(const SweepParams& s, double from_V, double t_s) {
  double elapsed = 0, pos = from_V;
  for (const double v : s.vertices_V) {
    const double seg = std::abs(v - pos) / s.scan_rate_V_s;
    if (t_s < elapsed + seg) return v >= pos ? 1 : -1;
    elapsed += seg;
    pos = v;
  }
  return 0;
}

}  // namespace

double sweep_duration_s(const SweepParams& s) {
  if (s.vertices_V.empty() || !(s.scan_rate_V_s > 0)) return 0;
  const int later = s.cycles > 1 ? s.cycles - 1 : 0;
  return pass_s(s, s.start_V) + later * pass_s(s, s.vertices_V.back());
}

int sweep_direction(const SweepParams& s, double t_s) {
  if (s.vertices_V.empty() || !(s.scan_rate_V_s > 0) || t_s < 0) return 0;
  const double first = pass_s(s, s.start_V);
  if (t_s < first) return pass_direction(s, s.start_V, t_s);
  const double later = pass_s(s, s.vertices_V.back());
  if (later <= 0 || t_s >= sweep_duration_s(s)) return 0;
  return pass_direction(s, s.vertices_V.back(), std::fmod(t_s - first, later));
}

}  // namespace cyclerd

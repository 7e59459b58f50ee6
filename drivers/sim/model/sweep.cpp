// The potential program of a sweep setpoint: start -> vertices..., then each further cycle from the last
// vertex through the vertices again. Evaluated in O(vertices), whatever the number of cycles.
#include <algorithm>
#include <cmath>
#include <limits>

#include "drivers/sim/model/cell_model.hpp"

namespace cyclerd::sim {

namespace {
struct Position {
  double voltage_V;        // potential at the queried time
  double next_vertex_s;    // setpoint time of the next vertex (or the end)
};

Position locate(const SweepParams& s, double t) {
  const auto& v = s.vertices_V;
  const double rate = s.scan_rate_V_s;
  auto walk = [&](double from_V, double t_local, double offset, bool& inside) -> Position {
    double pos = from_V, elapsed = 0;
    for (const double vertex : v) {
      const double seg = std::abs(vertex - pos) / rate;
      if (t_local < elapsed + seg) {
        inside = true;
        const double dir = vertex >= pos ? 1.0 : -1.0;
        return {pos + dir * rate * (t_local - elapsed), offset + elapsed + seg};
      }
      elapsed += seg;
      pos = vertex;
    }
    inside = false;
    return {pos, offset + elapsed};
  };
  bool inside = false;
  Position p = walk(s.start_V, t, 0, inside);
  if (inside) return p;
  const double first = p.next_vertex_s;
  double later = 0, pos = v.back();
  for (const double vertex : v) later += std::abs(vertex - pos) / rate, pos = vertex;
  if (s.cycles <= 1 || later <= 0) return {v.back(), first};
  const double since = t - first;
  const double k = std::min(std::floor(since / later), static_cast<double>(s.cycles - 2));
  p = walk(v.back(), since - k * later, first + k * later, inside);
  if (inside) return p;
  return {v.back(), first + (s.cycles - 1) * later};
}
}  // namespace

double CellModel::sweep_voltage_at(double t) const { return locate(setpoint_.sweep, t).voltage_V; }

double CellModel::next_sweep_vertex_time(double t) const {
  // Nudge past a vertex we are sitting on so the next one is returned.
  const double eps = 1e-12 * std::max(1.0, t);
  return locate(setpoint_.sweep, t + eps).next_vertex_s;
}

double CellModel::sweep_total_time() const {
  return locate(setpoint_.sweep, std::numeric_limits<double>::infinity()).next_vertex_s;
}

void CellModel::finish_sweep() {
  sweep_finished_ = true;
  hold_direction_ = 0;
  setpoint_.mode = Mode::voltage;
  setpoint_.value = setpoint_.sweep.vertices_V.back();
}

}  // namespace cyclerd::sim

#include "drivers/scpi-smu/sweep_segment.hpp"

#include <algorithm>
#include <cmath>

namespace cyclerd {

double sweep_voltage(const SweepParams& sweep, double elapsed_s) {
  double remaining_V = std::max(0.0, elapsed_s) * sweep.scan_rate_V_s;
  double v = sweep.start_V;
  for (int cycle = 0; cycle < sweep.cycles; ++cycle) {
    for (double vertex : sweep.vertices_V) {
      double leg = std::abs(vertex - v);
      if (remaining_V <= leg) return v + std::copysign(remaining_V, vertex - v);
      remaining_V -= leg;
      v = vertex;
    }
  }
  return v;
}

double sweep_length_s(const SweepParams& sweep) {
  if (!(sweep.scan_rate_V_s > 0)) return 0;
  double total_V = 0, v = sweep.start_V;
  for (int cycle = 0; cycle < sweep.cycles; ++cycle) {
    for (double vertex : sweep.vertices_V) {
      total_V += std::abs(vertex - v);
      v = vertex;
    }
  }
  return total_V / sweep.scan_rate_V_s;
}

SweepSegment plan_segment(const ListSweep& list, const SweepParams& sweep, double done_s, double sample_period_s,
                          double max_step_V, double max_duration_s) {
  SweepSegment seg;
  const double length_s = sweep_length_s(sweep);
  if (!(sweep.scan_rate_V_s > 0) || done_s >= length_s * (1 - 1e-12)) return seg;
  // The reading must integrate the whole point (a shorter aperture misses the step's charging spike), so
  // no point is longer than the model's longest aperture.
  double point_s = std::min({sample_period_s, max_step_V / sweep.scan_rate_V_s, list.max_aperture_s});
  point_s = std::max(point_s, 1e-3);
  const double left = std::ceil((length_s - done_s) / point_s - 1e-9);
  const double by_time = std::floor(max_duration_s / point_s + 1e-9) - 1;
  const int n = static_cast<int>(std::max(1.0, std::min({left, static_cast<double>(list.max_points - 1), by_time})));
  seg.point_s = point_s;
  seg.aperture_s = point_s;
  seg.timing_s = list.timing_is_period ? point_s : 0.0;
  seg.levels_V.reserve(static_cast<std::size_t>(n) + 1);
  seg.levels_V.push_back(sweep_voltage(sweep, done_s));
  for (int k = 1; k <= n; ++k) seg.levels_V.push_back(sweep_voltage(sweep, std::min(done_s + k * point_s, length_s)));
  return seg;
}

std::vector<std::string> segment_commands(const ListSweep& list, const SweepSegment& segment) {
  std::vector<std::string> cmds;
  for (auto c : list.before_segment) cmds.emplace_back(c);
  const auto per = static_cast<std::size_t>(std::max(1, list.levels_per_command));
  for (std::size_t at = 0; at < segment.levels_V.size(); at += per) {
    std::vector<double> chunk(segment.levels_V.begin() + static_cast<std::ptrdiff_t>(at),
                              segment.levels_V.begin() + static_cast<std::ptrdiff_t>(std::min(at + per, segment.levels_V.size())));
    cmds.push_back(scpi_list_command(at == 0 ? list.levels : list.append, chunk));
  }
  if (!list.count.empty()) cmds.push_back(scpi_count_command(list.count, static_cast<long>(segment.levels_V.size())));
  cmds.push_back(scpi_command(list.aperture, segment.aperture_s / list.aperture_unit_s));
  // The 2450 builds its trigger model from the list when the timing is set, so the timing comes last.
  cmds.push_back(scpi_command(list.timing, segment.timing_s));
  return cmds;
}

std::string segment_run_query(const ListSweep& list, const SweepSegment& segment) {
  std::string fetch = scpi_count_command(list.fetch, static_cast<long>(segment.levels_V.size()));
  return list.start.empty() ? fetch : std::string(list.start) + ";" + fetch;
}

}  // namespace cyclerd

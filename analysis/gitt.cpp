#include "analysis/gitt.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace cyclerd::analysis {
namespace {

double need(const std::optional<double>& v, const char* field) {
  if (!v) {
    throw Error(ErrorCode::invalid_input,
                std::string("GITT diffusion needs the cell's ") + field + "; set it on the cell (cells.create)", field);
  }
  if (!(*v > 0) || !std::isfinite(*v)) {
    throw Error(ErrorCode::out_of_range, std::string(field) + " must be a positive number", field);
  }
  return *v;
}

}  // namespace

GittResult weppner_huggins(const GittPulse& pulse, const GittMaterial& m) {
  const double mass = need(m.active_mass_g, "active_mass_g");
  const double molar_mass = need(m.molar_mass_g_mol, "molar_mass_g_mol");
  const double molar_volume = need(m.molar_volume_cm3_mol, "molar_volume_cm3_mol");
  const double area = need(m.electrode_area_cm2, "electrode_area_cm2");
  if (!(pulse.duration_s > 0)) throw Error(ErrorCode::invalid_input, "pulse duration must be > 0", "duration_s");
  if (pulse.delta_et_V == 0) throw Error(ErrorCode::invalid_input, "dEt is zero: no transient", "delta_et_V");
  constexpr double pi = 3.14159265358979323846;
  GittResult r;
  r.length_cm = mass * molar_volume / (molar_mass * area);
  const double ratio = pulse.delta_es_V / pulse.delta_et_V;
  r.diffusion_cm2_s = 4.0 / (pi * pulse.duration_s) * r.length_cm * r.length_cm * ratio * ratio;
  r.diffusion_time_s = r.diffusion_cm2_s > 0 ? r.length_cm * r.length_cm / r.diffusion_cm2_s : INFINITY;
  // The short-time solution behind the formula assumes the diffusion front has not crossed the particle.
  r.valid = pulse.duration_s <= 0.1 * r.diffusion_time_s;
  r.voltage_V = pulse.voltage_V;
  return r;
}

GittPulse read_gitt_pulse(std::span<const Sample> s, double threshold) {
  std::size_t start = 0;
  while (start < s.size() && std::abs(s[start].current_A) <= threshold) ++start;
  std::size_t end = start;
  while (end < s.size() && std::abs(s[end].current_A) > threshold) ++end;
  if (start == 0 || start >= s.size() || end - start < 2 || end >= s.size()) {
    throw Error(ErrorCode::invalid_input, "the samples hold no rest - pulse - rest sequence", "samples");
  }
  GittPulse p;
  p.duration_s = s[end - 1].t_s - s[start - 1].t_s;
  p.delta_es_V = s.back().voltage_V - s[start - 1].voltage_V;
  p.delta_et_V = s[end - 1].voltage_V - s[start].voltage_V;
  p.voltage_V = s.back().voltage_V;
  return p;
}

nlohmann::json to_json(const GittResult& r) {
  return {{"diffusion_cm2_s", r.diffusion_cm2_s}, {"length_cm", r.length_cm},
          {"diffusion_time_s", r.diffusion_time_s}, {"valid", r.valid}, {"voltage_V", r.voltage_V}};
}

}  // namespace cyclerd::analysis

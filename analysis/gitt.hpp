// GITT: Weppner-Huggins chemical diffusion coefficient per current pulse.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <vector>

#include "core/sample.hpp"

namespace cyclerd::analysis {

// What the Weppner-Huggins formula needs about the electrode; each is optional so that a missing one can be
// named in the error (cells carry them as optional fields).
struct GittMaterial {
  std::optional<double> active_mass_g;
  std::optional<double> molar_mass_g_mol;
  std::optional<double> molar_volume_cm3_mol;
  std::optional<double> electrode_area_cm2;
};

// The voltages of one pulse as a GITT analysis reads them.
struct GittPulse {
  double duration_s = 0;       // tau: the current pulse length
  double delta_es_V = 0;       // dEs: change of the relaxed (steady-state) voltage over the whole titration step
  double delta_et_V = 0;       // dEt: voltage change during the pulse, IR drop removed
  double voltage_V = 0;        // relaxed voltage after the pulse, where D is reported
};

struct GittResult {
  double diffusion_cm2_s = 0;
  double length_cm = 0;           // L = m Vm / (M S)
  double diffusion_time_s = 0;    // L^2 / D
  bool valid = false;             // tau << L^2/D holds (tau <= 0.1 L^2/D, the usual margin)
  double voltage_V = 0;
};

// D = 4/(pi tau) (m Vm/(M S))^2 (dEs/dEt)^2. Throws cyclerd::Error (invalid_input, where names the field)
// if the material lacks a quantity, and for tau <= 0 or dEt == 0.
GittResult weppner_huggins(const GittPulse& pulse, const GittMaterial& material);

// Reads one titration step from samples: a rest, a constant-current pulse, a rest. dEs is the relaxed voltage
// at the end minus the relaxed voltage before the pulse; dEt is the voltage at the pulse end minus the
// voltage just after the IR jump (the second sample of the pulse). Throws if the samples hold no pulse.
GittPulse read_gitt_pulse(std::span<const Sample> samples, double current_threshold_A = 1e-9);

// {"diffusion_cm2_s", "length_cm", "diffusion_time_s", "valid", "voltage_V"}.
nlohmann::json to_json(const GittResult& r);

}  // namespace cyclerd::analysis

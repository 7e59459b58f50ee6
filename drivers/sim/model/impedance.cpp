// Small-signal impedance of the same model: R0 in series with the surface capacitance in parallel with
// (Rct + finite-length Warburg of the bulk geometry). Every element is a derivative of the large-signal
// model at the present state, so EIS and time-domain runs agree.
#include <cmath>
#include <limits>
#include <numbers>

#include "drivers/sim/model/cell_model.hpp"
#include "drivers/sim/model/constants.hpp"

namespace cyclerd::sim {

using namespace constants;

std::complex<double> CellModel::impedance(double f_Hz) const {
  using cd = std::complex<double>;
  const double w = 2 * std::numbers::pi * f_Hz;
  const double T = temperature_C_ + kelvin_offset;
  const double f = faraday_C_mol / (gas_J_mol_K * T);
  const double arrhenius = (1 / T - 1 / reference_K) / gas_J_mol_K;
  double dq = 0;
  const double c_F = surface_.enabled()
                         ? (surface_.charge_Ah(phi_V_, hysteresis_, capacity_factor_, dq), dq * seconds_per_hour)
                         : 0.0;
  const cd jw(0, w);
  cd z_faradaic(std::numeric_limits<double>::infinity(), 0);
  if (bulk_capacity_C_ > 0) {
    const double i0 = i0_ref_A_ * std::exp(-params_.kinetics_activation_energy_J_mol * arrhenius);
    const double a = faradaic_A_ / (2 * i0);
    const double rct = 1 / (f * i0 * std::sqrt(1 + a * a));
    const double L = params_.diffusion_length_um * 1e-6;
    const double D = params_.diffusion_coefficient_cm2_s * 1e-4 *
                     std::exp(-params_.diffusion_activation_energy_J_mol * arrhenius);
    const double tau = L * L / D;
    double dU = 0;
    ocv_.potential_V(surface_soc(), hysteresis_, dU);
    const cd s = std::sqrt(jw * tau);
    // Surface stoichiometry per unit faradaic current, reflecting inner boundary (slab back wall or
    // sphere centre): slab coth(s)/s, sphere tanh(s)/(3 (s - tanh s)), both in units of tau / Q.
    cd shape;
    if (std::abs(s) < 1e-3) {
      shape = params_.geometry == Geometry::slab ? 1.0 / (s * s) + 1.0 / 3.0 : 1.0 / (s * s) + 1.0 / 15.0;
    } else if (params_.geometry == Geometry::slab) {
      shape = 1.0 / (std::tanh(s) * s);
    } else {
      const cd t = std::tanh(s);
      shape = t / (3.0 * (s - t));
    }
    z_faradaic = rct + dU * tau / bulk_capacity_C_ * shape;
  }
  cd z_interface;
  if (bulk_capacity_C_ > 0 && c_F > 0) z_interface = 1.0 / (jw * c_F + 1.0 / z_faradaic);
  else if (bulk_capacity_C_ > 0) z_interface = z_faradaic;
  else z_interface = 1.0 / (jw * c_F);
  return r0_ohm_ + z_interface;
}

std::vector<ImpedancePoint> CellModel::impedance_spectrum(const EisParams& p) {
  std::vector<ImpedancePoint> out;
  if (!(p.f_start_Hz > 0 && p.f_end_Hz > 0 && p.points_per_decade > 0)) return out;
  const double decades = std::log10(p.f_end_Hz / p.f_start_Hz);
  const int n = static_cast<int>(std::lround(std::abs(decades) * p.points_per_decade)) + 1;
  const double sign = decades >= 0 ? 1.0 : -1.0;
  for (int i = 0; i < n; ++i) {
    const double f = p.f_start_Hz * std::pow(10.0, sign * i / p.points_per_decade);
    std::complex<double> z = impedance(f);
    if (params_.noise_impedance_fraction > 0) {
      const double re = gaussian(), im = gaussian();
      z += std::abs(z) * params_.noise_impedance_fraction * std::complex<double>(re, im);
    }
    out.push_back({f, z});
  }
  return out;
}

}  // namespace cyclerd::sim

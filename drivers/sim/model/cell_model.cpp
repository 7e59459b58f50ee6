#include "drivers/sim/model/cell_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "drivers/sim/model/constants.hpp"

namespace cyclerd::sim {

using namespace constants;

CellModel::CellModel(const CellParams& params, double active_mass_g, std::uint64_t seed)
    : params_(params), mass_g_(active_mass_g), rng_(seed) {
  if (!(std::isfinite(active_mass_g) && active_mass_g > 0))
    throw Error(ErrorCode::out_of_range, "must be > 0, got " + nlohmann::json(active_mass_g).dump(),
                "active_mass_g");
  validate(params_, params_.name.empty() ? std::string("params") : params_.name);
  build();
  // A fresh cell: uniform bulk, surface in equilibrium with it, hysteresis on the branch the first half
  // will not use yet (a pristine anode has never been reduced).
  diffusion_.fill(params_.initial_soc);
  hysteresis_ = params_.discharge_first ? 1.0 : -1.0;
  temperature_C_ = params_.ambient_temperature_C;
  double d = 0;
  phi_V_ = bulk_capacity_C_ > 0 ? ocv_.potential_V(params_.initial_soc, hysteresis_, d)
                                : 0.5 * (params_.v_min_V + params_.v_max_V);
  voltage_V_ = phi_V_;
  q_surface_Ah_ = surface_.enabled() ? surface_.charge_Ah(phi_V_, hysteresis_, 1.0, d) : 0.0;
  side_extreme_V_ = phi_V_;
}

void CellModel::build() {
  bulk_capacity_C_ = params_.bulk_capacity_mAh_g * 1e-3 * mass_g_ * seconds_per_hour;
  r0_ohm_ = params_.ohmic_resistance_ohm_g / mass_g_;
  i0_ref_A_ = params_.exchange_current_A_g * mass_g_;
  ocv_.configure(params_);
  surface_.configure(params_, mass_g_);
  diffusion_.configure(params_.geometry, params_.finite_volumes, params_.grid_ratio);
}

double CellModel::stored_charge_Ah() const {
  return bulk_capacity_C_ * diffusion_.mean() / seconds_per_hour + q_surface_Ah_ + q_side_Ah_;
}

double CellModel::mean_soc() const { return diffusion_.mean(); }

CellModel::StepResult CellModel::solve_step(double dt_s, double target_V, bool voltage_control,
                                            double current_A) {
  const double T = temperature_C_ + kelvin_offset;
  const double f = faraday_C_mol / (gas_J_mol_K * T);
  const double arrhenius = (1 / T - 1 / reference_K) / gas_J_mol_K;
  const double i0 = i0_ref_A_ * std::exp(-params_.kinetics_activation_energy_J_mol * arrhenius);
  const bool bulk = bulk_capacity_C_ > 0;
  const double h = hysteresis_, m = capacity_factor_;
  const double to_A = seconds_per_hour / dt_s;  // Ah over this step -> A
  double s0 = 0, s1 = 0;
  if (bulk) {
    const double L = params_.diffusion_length_um * 1e-6;
    const double D = params_.diffusion_coefficient_cm2_s * 1e-4 *
                     std::exp(-params_.diffusion_activation_energy_J_mol * arrhenius);
    diffusion_.prepare(D / (L * L), dt_s, bulk_capacity_C_);
    s0 = diffusion_.surface0();
    s1 = diffusion_.surface1();
  }
  StepResult r;
  // g(u) is increasing in the unknown u (faradaic current, or phi when there is no bulk): a bracketed
  // Newton iteration cannot miss the root.
  auto eval = [&](double u, double& dg) {
    double phi = u, dphi = 1, i_f = 0, eta = 0;
    if (bulk) {
      double dU = 0;
      const double U = ocv_.potential_V(s0 + s1 * u, h, dU);
      const double a = u / (2 * i0);
      const double root = std::sqrt(1 + a * a);
      eta = (2 / f) * std::asinh(a);
      phi = U + eta;
      dphi = dU * s1 + 1 / (f * i0 * root);
      i_f = u;
    }
    double dqs = 0, dside = 0, extreme = side_extreme_V_;
    const double qs = surface_.enabled() ? surface_.charge_Ah(phi, h, m, dqs) : 0.0;
    const double side = surface_.side_charge_change_Ah(phi, side_extreme_V_, dside, extreme);
    const double total = i_f + (qs - q_surface_Ah_ + side) * to_A;
    const double dtotal = (bulk ? 1.0 : 0.0) + (dqs + dside) * to_A * dphi;
    r = {phi, total, i_f, phi + r0_ohm_ * total, eta, qs, side, extreme};
    if (voltage_control) {
      dg = dphi + r0_ohm_ * dtotal;
      return r.voltage_V - target_V;
    }
    dg = dtotal;
    return total - current_A;
  };
  constexpr double inf = std::numeric_limits<double>::infinity();
  double lo = -inf, hi = inf, u = phi_V_, scale = 1.0;
  if (bulk) {
    lo = (0 - s0) / s1;
    hi = (1 - s0) / s1;
    // Warm start from the last step; near a wall the root sits within a hair of the bracket's end, so
    // only a guess outside the bracket is moved.
    u = faradaic_A_ > lo && faradaic_A_ < hi ? faradaic_A_ : 0.5 * (lo + hi);
    scale = i0 + std::abs(current_A);
  }
  for (int it = 0; it < 200; ++it) {
    double dg = 0;
    const double g = eval(u, dg);
    // Converged when the residual is negligible: 1e-13 V, or 1e-13 of the currents involved, which keeps
    // the charge balance far inside 1e-9.
    const double tol = voltage_control ? 1e-13 : 1e-13 * (std::abs(current_A) + std::abs(r.faradaic_A)) + 1e-18;
    if (std::abs(g) <= tol) break;
    if (g < 0 || std::isnan(g)) lo = std::max(lo, u); else hi = std::min(hi, u);
    double next = u - g / dg;
    if (!(next > lo && next < hi)) {
      // Outside the bracket (or NaN next to a wall): bisect, or step outward on an open bracket.
      if (std::isfinite(lo) && std::isfinite(hi)) next = 0.5 * (lo + hi);
      else next = std::isfinite(lo) ? lo + std::max(1.0, std::abs(lo)) : hi - std::max(1.0, std::abs(hi));
    }
    const double change = std::abs(next - u);
    u = next;
    if (change <= 1e-15 * (std::abs(u) + scale) || (hi - lo) <= 1e-16 * (std::abs(u) + scale)) {
      eval(u, dg);
      break;
    }
  }
  if (!voltage_control) {
    // Report the imposed current; the residual left by Newton is below 1e-13 of it.
    r.current_A = current_A;
    r.voltage_V = r.phi_V + r0_ohm_ * current_A;
  }
  return r;
}

void CellModel::commit(const StepResult& r, double dt_s) {
  if (bulk_capacity_C_ > 0) diffusion_.commit(r.faradaic_A);
  q_surface_Ah_ = r.q_surface_Ah;
  q_side_Ah_ += r.side_change_Ah;
  side_extreme_V_ = r.side_extreme_V;
  phi_V_ = r.phi_V;
  voltage_V_ = r.voltage_V;
  current_A_ = r.current_A;
  faradaic_A_ = r.faradaic_A;
  // Hysteresis and activation/fade follow the charge passed, exactly for a constant current in the step.
  const double passed_Ah_g = std::abs(r.current_A) * dt_s / seconds_per_hour / mass_g_;
  // The branch follows the direction the instrument drives (not the sign of the response current):
  // driven by the response, a large hysteretic surface peak would feed back on itself and chatter.
  const double direction = drive_direction(dt_s);
  if (passed_Ah_g > 0 && direction != 0) {
    const double target = direction;
    hysteresis_ = target + (hysteresis_ - target) *
                               std::exp(-passed_Ah_g * 1e3 / params_.hysteresis_throughput_mAh_g);
  }
  if (passed_Ah_g > 0) {
    throughput_Ah_g_ += passed_Ah_g;
    capacity_factor_ = 1 + params_.capacity_rise_fraction *
                               (1 - std::exp(-throughput_Ah_g_ * 1e3 / params_.capacity_rise_throughput_mAh_g)) -
                       params_.capacity_fade_per_Ah_g * throughput_Ah_g_;
    capacity_factor_ = std::max(capacity_factor_, 0.05);
  }
  // Lumped temperature: Joule heat in R0 plus the charge-transfer loss, exact exponential relaxation.
  const double heat_W = r.current_A * r.current_A * r0_ohm_ + std::abs(r.faradaic_A * r.overpotential_V);
  const double k = params_.heat_transfer_W_K;
  const double steady = params_.ambient_temperature_C + heat_W / k;
  temperature_C_ = steady + (temperature_C_ - steady) * std::exp(-dt_s * k / params_.heat_capacity_J_K);
  time_s_ += dt_s;
  setpoint_time_s_ += dt_s;
}

double CellModel::drive_direction(double dt_s) const {
  switch (setpoint_.mode) {
    case Mode::current: return setpoint_.value > 0 ? 1.0 : (setpoint_.value < 0 ? -1.0 : 0.0);
    case Mode::sweep: {
      if (sweep_finished_) return 0;
      const double dv = sweep_voltage_at(setpoint_time_s_ + dt_s) - sweep_voltage_at(setpoint_time_s_);
      return dv > 0 ? 1.0 : (dv < 0 ? -1.0 : 0.0);
    }
    case Mode::voltage: return hold_direction_;
    default: return 0;
  }
}

double CellModel::drive_current_A() const {
  return setpoint_.mode == Mode::current ? setpoint_.value : 0.0;
}

CellModel::StepResult CellModel::trial(double dt_s) {
  switch (setpoint_.mode) {
    case Mode::voltage: return solve_step(dt_s, setpoint_.value, true, 0);
    case Mode::sweep: return solve_step(dt_s, sweep_voltage_at(setpoint_time_s_ + dt_s), true, 0);
    default: return solve_step(dt_s, 0, false, drive_current_A());
  }
}

void CellModel::step(double dt_s) { commit(trial(dt_s), dt_s); }

void CellModel::apply(const Setpoint& sp) {
  if (sp.mode == Mode::eis)
    throw Error(ErrorCode::invalid_state, "the cell model measures EIS through impedance_spectrum()", "mode");
  if (!std::isfinite(sp.value)) throw Error(ErrorCode::out_of_range, "must be finite", "value");
  if (sp.mode == Mode::sweep) {
    if (!(sp.sweep.scan_rate_V_s > 0))
      throw Error(ErrorCode::out_of_range,
                  "must be > 0, got " + nlohmann::json(sp.sweep.scan_rate_V_s).dump(), "sweep/scan_rate_V_s");
    if (sp.sweep.vertices_V.empty())
      throw Error(ErrorCode::invalid_input, "needs at least one vertex", "sweep/vertices_V");
    if (sp.sweep.cycles < 1)
      throw Error(ErrorCode::out_of_range, "must be >= 1, got " + std::to_string(sp.sweep.cycles),
                  "sweep/cycles");
  }
  setpoint_ = sp;
  setpoint_time_s_ = 0;
  sweep_finished_ = false;
  hold_direction_ = sp.mode != Mode::voltage || sp.value == voltage_V_ ? 0.0 : (sp.value > voltage_V_ ? 1.0 : -1.0);
  setpoint_fresh_ = true;
}

Sample CellModel::advance(double dt_s) {
  if (!(dt_s >= 0 && std::isfinite(dt_s)))
    throw Error(ErrorCode::out_of_range, "must be >= 0, got " + nlohmann::json(dt_s).dump(), "dt_s");
  const double max_step = params_.max_step_s;
  const double t_end = time_s_ + dt_s;
  double remaining = dt_s;
  const bool limited = setpoint_.mode == Mode::current || setpoint_.mode == Mode::rest;
  while (remaining > 0) {
    // Steps end on a grid fixed to the setpoint's start, so the sample period does not change them.
    const double grid_end = (std::floor(setpoint_time_s_ / max_step + 1e-9) + 1) * max_step;
    double h = std::min(remaining, grid_end - setpoint_time_s_);
    if (setpoint_.mode == Mode::sweep && !sweep_finished_)
      h = std::min(h, next_sweep_vertex_time(setpoint_time_s_) - setpoint_time_s_);
    if (remaining - h < 1e-9 * max_step) h = remaining;
    if (h <= 0) h = remaining;  // a vertex exactly now: take the rest of the period
    const StepResult r = trial(h);
    if (limited) {
      if (setpoint_.stop_below_V && r.voltage_V < *setpoint_.stop_below_V)
        return land_on_limit(h, *setpoint_.stop_below_V, -1);
      if (setpoint_.stop_above_V && r.voltage_V > *setpoint_.stop_above_V)
        return land_on_limit(h, *setpoint_.stop_above_V, +1);
    }
    commit(r, h);
    remaining -= h;
    if (setpoint_.mode == Mode::sweep && !sweep_finished_ &&
        setpoint_time_s_ >= sweep_total_time() * (1 - 1e-12))
      finish_sweep();
  }
  time_s_ = t_end;
  return make_sample(0);
}

Sample CellModel::land_on_limit(double h_s, double limit_V, double sign) {
  // Find the step length that ends exactly on the limit: Illinois regula falsi on f(h) = V(h) - limit,
  // each evaluation a full implicit step from the same saved state.
  auto excess = [&](const StepResult& r) { return (r.voltage_V - limit_V) * sign; };  // > 0 beyond
  StepResult ra = trial(h_s * 1e-9);
  double a = h_s * 1e-9, fa = excess(ra);
  if (fa >= 0) {  // already on or beyond the limit when the setpoint starts
    commit(ra, a);
    voltage_V_ = limit_V;
  } else {
    double b = h_s, fb = excess(trial(h_s));
    StepResult rc = ra;
    double c = a;
    int side = 0;
    for (int it = 0; it < 100; ++it) {
      c = (a * fb - b * fa) / (fb - fa);
      if (!(c > a && c < b)) c = 0.5 * (a + b);
      rc = trial(c);
      const double fc = excess(rc);
      if (std::abs(fc) < 1e-11 || (b - a) < 1e-14 * h_s) break;
      if (fc > 0) {
        b = c, fb = fc;
        if (side == -1) fa *= 0.5;
        side = -1;
      } else {
        a = c, fa = fc;
        if (side == 1) fb *= 0.5;
        side = 1;
      }
    }
    commit(rc, c);
    voltage_V_ = limit_V;
  }
  Sample s = make_sample(sample_flag::limit_reached);
  s.voltage_V = limit_V;
  Setpoint rest;
  rest.sample_period_s = setpoint_.sample_period_s;
  setpoint_ = rest;
  setpoint_time_s_ = 0;
  setpoint_fresh_ = false;
  return s;
}

double CellModel::surface_soc() const {
  if (bulk_capacity_C_ <= 0) return 0;
  const double L = params_.diffusion_length_um * 1e-6;
  const double T = temperature_C_ + kelvin_offset;
  const double D = params_.diffusion_coefficient_cm2_s * 1e-4 *
                   std::exp(-params_.diffusion_activation_energy_J_mol * (1 / T - 1 / reference_K) /
                            gas_J_mol_K);
  return diffusion_.surface(faradaic_A_, D / (L * L), bulk_capacity_C_);
}

}  // namespace cyclerd::sim

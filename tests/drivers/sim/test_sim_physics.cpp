// The cell model against analytic results: each test builds a cell where one textbook formula holds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <complex>
#include <numbers>
#include <vector>

#include "drivers/sim/model/cell_model.hpp"
#include "tests/drivers/sim/test_cells.hpp"

namespace cyclerd::sim {
namespace {

using test::thermal_V;

Setpoint current_setpoint(double amps) {
  Setpoint sp;
  sp.mode = Mode::current;
  sp.value = amps;
  return sp;
}

Setpoint sweep_setpoint(double start_V, double end_V, double rate_V_s) {
  Setpoint sp;
  sp.mode = Mode::sweep;
  sp.sweep.start_V = start_V;
  sp.sweep.vertices_V = {end_V};
  sp.sweep.scan_rate_V_s = rate_V_s;
  return sp;
}

TEST(SimPhysics, CurrentStepOnOhmicRcCellJumpsByIR0AndRelaxesWithRctCdl) {
  const double mass = 2e-3, r0_ohm_g = 0.01, i0_A_g = 0.5, cdl_F_g = 20;
  CellParams p = test::ohmic_rc_cell(r0_ohm_g, i0_A_g, cdl_F_g);
  const double r0 = r0_ohm_g / mass, rct = thermal_V / (i0_A_g * mass), cdl = cdl_F_g * mass;
  const double tau = rct * cdl;
  p.max_step_s = tau / 400;
  CellModel cell(p, mass, 1);
  cell.apply(Setpoint{});
  const double v_rest = cell.advance(tau).voltage_V;
  const double amps = 1e-3 * i0_A_g * mass;  // small signal: Butler-Volmer is linear here
  cell.apply(current_setpoint(amps));
  const double v_jump = cell.advance(1e-7 * tau).voltage_V;
  EXPECT_NEAR((v_jump - v_rest) / (amps * r0), 1.0, 0.01);
  // Three equally spaced points give tau without knowing the final voltage.
  cell.advance(tau - 1e-7 * tau);
  const double v1 = cell.voltage_V();
  const double v2 = cell.advance(tau).voltage_V;
  const double v3 = cell.advance(tau).voltage_V;
  const double tau_measured = tau / std::log((v2 - v1) / (v3 - v2));
  EXPECT_NEAR(tau_measured / tau, 1.0, 0.01);
  std::printf("jump/(I R0) = %.5f, tau/(Rct Cdl) = %.5f\n", (v_jump - v_rest) / (amps * r0), tau_measured / tau);
  const double v_final = cell.advance(20 * tau).voltage_V;
  EXPECT_NEAR((v_final - v_rest) / (amps * (r0 + rct)), 1.0, 0.01);
}

TEST(SimPhysics, GittPulseOnDiffusionSlabGivesDByWeppnerHuggins) {
  const double D_cm2_s = 1e-10, L_um = 1.0, mass = 1e-3;
  CellParams p = test::diffusion_slab_cell(D_cm2_s, L_um, 1.0);
  const double L_cm = L_um * 1e-4;
  const double tau_diff = L_cm * L_cm / D_cm2_s;  // 100 s
  const double pulse = 0.05 * tau_diff;
  p.max_step_s = pulse / 2000;
  CellModel cell(p, mass, 1);
  cell.apply(Setpoint{});
  const double e0 = cell.advance(1).voltage_V;
  const double amps = 0.02 * mass;  // 20 mA/g: a small step in x
  cell.apply(current_setpoint(amps));
  const double e_start = cell.advance(1e-6 * pulse).voltage_V;
  const double e_end = cell.advance(pulse - 1e-6 * pulse).voltage_V;
  cell.apply(Setpoint{});
  const double e_relaxed = cell.advance(10 * tau_diff).voltage_V;
  const double dEs = e_relaxed - e0, dEt = e_end - e_start;
  // Weppner-Huggins for a slab of thickness L: D = 4/(pi tau) L^2 (dEs/dEt)^2.
  const double D_wh = 4 / (std::numbers::pi * pulse) * L_cm * L_cm * (dEs / dEt) * (dEs / dEt);
  EXPECT_NEAR(D_wh / D_cm2_s, 1.0, 0.10) << "D_WH = " << D_wh;
  std::printf("D_WH / D = %.4f\n", D_wh / D_cm2_s);
}

double middle_current(CellModel& cell, double rate_V_s) {
  cell.apply(sweep_setpoint(1.0, 2.0, rate_V_s));
  cell.advance(0.5 / rate_V_s);
  return cell.current_A();
}

TEST(SimPhysics, SweepOnCapacitiveCellGivesCurrentCTimesScanRate) {
  const double mass = 1e-3, cdl_F_g = 100;
  CellParams p = test::capacitive_cell(cdl_F_g, 1e-6);
  p.max_step_s = 0.01;
  std::vector<double> rates = {1e-3, 1e-2, 1e-1}, currents;
  for (const double v : rates) {
    CellModel cell(p, mass, 1);
    currents.push_back(middle_current(cell, v));
    EXPECT_NEAR(currents.back() / (cdl_F_g * mass * v), 1.0, 0.01);
  }
  const double b = std::log(currents.back() / currents.front()) / std::log(rates.back() / rates.front());
  EXPECT_NEAR(b, 1.0, 0.02);
  std::printf("capacitive b = %.5f\n", b);
}

// Peak current of an oxidation sweep on a Nernstian, diffusion-limited slab far from its back wall.
double diffusion_peak_current(double rate_V_s) {
  CellParams p = test::diffusion_slab_cell(1e-10, 10.0, 0);
  p.ocv = {{0, 1.0}, {1, 1.0}};
  p.ocv_nernst_V = thermal_V;
  p.finite_volumes = 20;
  p.grid_ratio = 0.7;
  const double start = 1.0 - 0.15;
  p.initial_soc = 1 / (1 + std::exp(0.15 / thermal_V));
  const double sample = 0.5e-3 / rate_V_s;  // every 0.5 mV
  p.max_step_s = sample;
  CellModel cell(p, 1e-3, 1);
  cell.apply(sweep_setpoint(start, 1.3, rate_V_s));
  double peak = 0;
  for (int k = 0; k < 900; ++k) peak = std::max(peak, cell.advance(sample).current_A);
  return peak;
}

TEST(SimPhysics, SweepOnDiffusionLimitedCellGivesPeakCurrentAsSqrtScanRate) {
  const std::vector<double> rates = {2e-3, 5e-3, 1e-2, 2e-2};
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const double v : rates) {
    const double x = std::log(v), y = std::log(diffusion_peak_current(v));
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double n = static_cast<double>(rates.size());
  const double b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  EXPECT_NEAR(b, 0.5, 0.05);
  std::printf("diffusion-limited b = %.4f\n", b);
}

TEST(SimPhysics, ImpedanceIsR0AtHighFrequencyAndRandlesWarburgBelow) {
  const double mass = 1e-3, r0_ohm_g = 0.005, i0_A_g = 0.2, cdl_F_g = 5, slope = 0.5;
  CellParams p = test::diffusion_slab_cell(1e-11, 0.5, slope);
  p.exchange_current_A_g = i0_A_g;
  p.ohmic_resistance_ohm_g = r0_ohm_g;
  p.double_layer_F_g = cdl_F_g;
  CellModel cell(p, mass, 1);
  const double r0 = r0_ohm_g / mass, rct = thermal_V / (i0_A_g * mass), c = cdl_F_g * mass;
  EXPECT_NEAR(cell.impedance(1e8).real() / r0, 1.0, 1e-3);
  EXPECT_LT(std::abs(cell.impedance(1e8).imag()), 1e-3 * r0);
  // Randles with a reflective finite-length Warburg: Zw = dU/dx * tau/Q * coth(s)/s, s = sqrt(j w tau).
  const double tau = std::pow(0.5e-4, 2) / 1e-11;
  const double q_C = 300 * 3.6 * mass;
  for (const double f : {1e3, 10.0, 0.1, 1e-3, 1e-5}) {
    const std::complex<double> jw(0, 2 * std::numbers::pi * f);
    const std::complex<double> s = std::sqrt(jw * tau);
    const std::complex<double> zw = slope * tau / q_C / (std::tanh(s) * s);
    const std::complex<double> expected = r0 + 1.0 / (jw * c + 1.0 / (rct + zw));
    const std::complex<double> z = cell.impedance(f);
    EXPECT_LT(std::abs(z - expected) / std::abs(expected), 1e-3) << "f = " << f;
  }
  // Warburg region (no double layer to mix in): 45 degrees above the finite-length bend, a vertical
  // capacitive line below it, and the bend's real part R0 + Rct + dU/dx tau / (3 Q).
  p.double_layer_F_g = 0;
  CellModel faradaic(p, mass, 1);
  const std::complex<double> zw_mid = faradaic.impedance(30 / tau) - r0 - rct;
  EXPECT_NEAR(std::arg(zw_mid) * 180 / std::numbers::pi, -45, 2);
  const std::complex<double> z_low = faradaic.impedance(1e-4 / tau);
  EXPECT_NEAR(z_low.real() / (r0 + rct + slope * tau / (3 * q_C)), 1.0, 1e-3);
  EXPECT_NEAR(std::arg(z_low - z_low.real()) * 180 / std::numbers::pi, -90, 1e-6);
}

TEST(SimPhysics, TimeDomainResponseMatchesImpedance) {
  // A small sinusoidal current through the stepped model gives the impedance the formula predicts.
  const double mass = 1e-3, slope = 0.5;
  CellParams p = test::diffusion_slab_cell(1e-11, 0.5, slope);
  p.exchange_current_A_g = 0.2;
  p.ohmic_resistance_ohm_g = 0.005;
  p.double_layer_F_g = 5;
  const double f = 0.01, period = 1 / f;
  const int per_period = 400;
  p.max_step_s = period / per_period;
  CellModel cell(p, mass, 1);
  const double amp = 1e-3 * mass;
  std::complex<double> v_sum, i_sum;
  const int periods = 12;
  for (int k = 0; k < periods * per_period; ++k) {
    const double t = (k + 0.5) * p.max_step_s;
    const double i = amp * std::sin(2 * std::numbers::pi * f * t);
    Setpoint sp = current_setpoint(i);
    cell.apply(sp);
    const double v = cell.advance(p.max_step_s).voltage_V;
    if (k >= (periods - 4) * per_period) {  // lock-in over the last four periods
      const std::complex<double> ref = std::exp(std::complex<double>(0, -2 * std::numbers::pi * f * t));
      v_sum += v * ref;
      i_sum += i * ref;
    }
  }
  const std::complex<double> z_td = v_sum / i_sum, z = cell.impedance(f);
  EXPECT_NEAR(std::abs(z_td) / std::abs(z), 1.0, 0.03);
  EXPECT_NEAR(std::arg(z_td), std::arg(z), 0.03);
}

}  // namespace
}  // namespace cyclerd::sim

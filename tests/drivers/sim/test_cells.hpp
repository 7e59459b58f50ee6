// Test-only cells built from CellParams with branches switched off, so each analytic result applies.
#pragma once

#include "drivers/sim/model/cell_params.hpp"

namespace cyclerd::sim::test {

// Physical constants as the tests know them (independent of the model's own copy).
inline constexpr double thermal_V = 8.314462618 * 298.15 / 96485.33212;  // RT/F at 25 degC

// Temperature held constant (huge heat capacity), no noise, no capacity evolution, no side reaction.
inline CellParams quiet_cell() {
  CellParams p;
  p.name = "test";
  p.v_min_V = -10;
  p.v_max_V = 10;
  p.heat_capacity_J_K = 1e12;
  p.kinetics_activation_energy_J_mol = 0;
  p.diffusion_activation_energy_J_mol = 0;
  p.surface_peaks.clear();
  p.side_reaction_capacity_mAh_g = 0;
  p.hysteresis_V = 0;
  return p;
}

// R0 + (Rct || Cdl): a flat OCV and a bulk so large and fast that it never moves.
inline CellParams ohmic_rc_cell(double r0_ohm_g, double i0_A_g, double cdl_F_g) {
  CellParams p = quiet_cell();
  p.bulk_capacity_mAh_g = 1e9;
  p.ocv = {{0, 1.0}, {1, 1.0}};
  p.initial_soc = 0.5;
  p.diffusion_coefficient_cm2_s = 1;
  p.diffusion_length_um = 0.01;
  p.geometry = Geometry::slab;
  p.exchange_current_A_g = i0_A_g;
  p.ohmic_resistance_ohm_g = r0_ohm_g;
  p.double_layer_F_g = cdl_F_g;
  return p;
}

// Diffusion only: slab, fast kinetics, no R0, no surface branch; OCV linear with slope dU/dx.
inline CellParams diffusion_slab_cell(double D_cm2_s, double L_um, double slope_V) {
  CellParams p = quiet_cell();
  p.bulk_capacity_mAh_g = 300;
  p.ocv = {{0, 1.0}, {1, 1.0 + slope_V}};
  p.initial_soc = 0.5;
  p.diffusion_coefficient_cm2_s = D_cm2_s;
  p.diffusion_length_um = L_um;
  p.geometry = Geometry::slab;
  p.finite_volumes = 40;
  p.grid_ratio = 0.9;
  p.exchange_current_A_g = 1e6;
  p.ohmic_resistance_ohm_g = 0;
  p.double_layer_F_g = 0;
  return p;
}

// Capacitive only: the bulk switched off, a constant capacitance behind R0.
inline CellParams capacitive_cell(double cdl_F_g, double r0_ohm_g) {
  CellParams p = quiet_cell();
  p.bulk_capacity_mAh_g = 0;
  p.ocv.clear();
  p.double_layer_F_g = cdl_F_g;
  p.ohmic_resistance_ohm_g = r0_ohm_g;
  p.initial_soc = 0.5;
  return p;
}

}  // namespace cyclerd::sim::test

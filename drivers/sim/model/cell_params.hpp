// Every parameter of the simulated cell, in SI or lab units with the unit in the name.
//
// Capacity-like, current-like and conductance-like quantities are per gram of active mass (mAh/g, A/g,
// F/g); resistances are area-specific in the same sense, ohm times gram (R = R_ohm_g / mass_g), so one
// preset describes the material and the model scales it to the mass of the cell it simulates.
// A branch whose capacity is zero is switched off (test cells: ohmic + RC, diffusion only, capacitive only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cyclerd::sim {

// One point of the equilibrium potential of the bulk, versus its state of charge x (0 empty, 1 full).
struct OcvPoint {
  double x = 0;
  double voltage_V = 0;
};

// A pseudocapacitive redox couple of the surface branch: a peaked capacitance whose centre sits at the
// reduction potential while the cell discharges and at the oxidation potential while it charges.
struct SurfacePeak {
  double reduction_V = 0;
  double oxidation_V = 0;
  double width_V = 0.05;          // logistic width: the peak's half-width at half-height is ~1.76 width
  double capacity_mAh_g = 0;
};

enum class Geometry { slab, sphere };

struct CellParams {
  std::string name;                    // preset name, for messages
  // Operating window and order of the halves (used by the rate test and by the driver's capabilities).
  double v_min_V = 0.01;
  double v_max_V = 3.0;
  bool discharge_first = true;         // an anode half-cell starts with a discharge, a full cell with a charge

  // Bulk (faradaic) storage: OCV table plus hysteresis, finite-volume solid-state diffusion.
  double bulk_capacity_mAh_g = 0;      // 0 switches the faradaic branch off
  std::vector<OcvPoint> ocv;           // mean of the charge and discharge branches, x strictly increasing
  double ocv_nernst_V = 0;             // ideal-solution term a*ln(x/(1-x)) added to the table (RT/F = Nernstian)
  double hysteresis_V = 0;             // gap between the charge and discharge OCV branches
  double hysteresis_throughput_mAh_g = 10;  // charge after which the branch has switched by 1 - 1/e
  double initial_soc = 1.0;            // starting x of the bulk (pristine anode: 1, full cell: 0)
  double diffusion_coefficient_cm2_s = 1e-10;
  double diffusion_length_um = 1.0;    // slab thickness or particle radius
  Geometry geometry = Geometry::sphere;
  int finite_volumes = 20;             // >= 20 in presets; the grid is refined toward the surface
  double grid_ratio = 1.0;             // width ratio of neighbouring volumes (< 1 refines toward the surface)
  double exchange_current_A_g = 1.0;   // Butler-Volmer i0 (symmetric, alpha = 0.5) at the reference temperature

  // Surface branch in parallel with the faradaic one.
  double double_layer_F_g = 0;         // constant capacitance
  std::vector<SurfacePeak> surface_peaks;

  // First-cycle irreversible loss: a one-way side reaction (SEI) that forms when the interface potential
  // first passes side_reaction_V in the direction of the first half.
  double side_reaction_capacity_mAh_g = 0;
  double side_reaction_V = 0.8;
  double side_reaction_width_V = 0.1;

  // Ohmic resistance (electrolyte, contacts).
  double ohmic_resistance_ohm_g = 0;

  // Capacity over cycles: multiplier 1 + rise*(1 - exp(-Q/Q_rise)) - fade*Q, Q = throughput per gram.
  double capacity_rise_fraction = 0;
  double capacity_rise_throughput_mAh_g = 1000;
  double capacity_fade_per_Ah_g = 0;

  // Lumped temperature: heat capacity and loss of the whole cell (can included), so not per gram.
  double ambient_temperature_C = 25;
  double heat_capacity_J_K = 2.0;
  double heat_transfer_W_K = 0.05;
  double kinetics_activation_energy_J_mol = 30000;
  double diffusion_activation_energy_J_mol = 30000;

  // Seeded measurement noise (standard deviations); the state itself is noise-free.
  double noise_voltage_V = 0;
  double noise_current_A = 0;
  double noise_temperature_C = 0;
  double noise_impedance_fraction = 0;

  // Numerics: longest internal step; shorter steps are taken to land on limits and sweep vertices.
  double max_step_s = 1.0;
};

// Parses a preset object; every key is a field name of CellParams (plus "description"). A value is a number
// in the unit of the field's name or a string "<number> <unit>" in a unit convertible to it.
// Throws Error(invalid_input / out_of_range / unit_mismatch) "where/field: must be > 0, got -3".
CellParams parse_preset(const nlohmann::json& j, std::string_view where);
// Checks every field (also used by CellModel's constructor); throws Error naming the field and value.
void validate(const CellParams& p, const std::string& where);
// The JSON form of a parameter set (numbers in the fields' units); parse_preset(to_json(p)) == p.
nlohmann::json to_json(const CellParams& p);
// A built-in preset by name; unknown -> Error(not_found) listing the known ones.
CellParams load_preset(std::string_view name);
// Names of the built-in presets, sorted.
std::vector<std::string> preset_names();

}  // namespace cyclerd::sim

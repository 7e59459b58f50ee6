// The simulated cell: a physics model advanced on its own virtual clock.
//
// Changes to the agreed API (all additions): CellParams lives in cell_params.hpp (included here) with
// to_json(); CellModel adds step() (one internal step, for the benchmark), noise-free state accessors,
// sweep_finished(), and a default-constructible-free design (always built from params). EIS does not
// advance the clock: impedance_spectrum() only draws measurement noise. Resistances in CellParams are
// per gram in the sense R = R_ohm_g / mass_g.
//
// State: bulk stoichiometry on a finite-volume grid, surface-branch charge, side-reaction progress,
// hysteresis, capacity multiplier, temperature, the setpoint being executed, the clock and the RNG.
// Each internal step is backward Euler; the only nonlinear unknown is the faradaic current, found by a
// safeguarded 1-D Newton (the interface potential is explicit in it through the asinh form of
// Butler-Volmer), so the step is unconditionally stable.
#pragma once

#include <complex>
#include <cstdint>
#include "drivers/sim/model/random.hpp"
#include <vector>

#include <nlohmann/json.hpp>

#include "core/impedance.hpp"
#include "core/sample.hpp"
#include "core/setpoint.hpp"
#include "drivers/sim/model/cell_params.hpp"
#include "drivers/sim/model/diffusion.hpp"
#include "drivers/sim/model/ocv.hpp"
#include "drivers/sim/model/surface_branch.hpp"

namespace cyclerd::sim {

class CellModel {
 public:
  // Builds a fresh cell of the given active mass; throws Error for bad mass or parameters.
  CellModel(const CellParams& params, double active_mass_g, std::uint64_t seed);

  // Starts executing a setpoint (rest, current, voltage, sweep); eis is refused (use impedance_spectrum).
  void apply(const Setpoint& sp);
  // Advances the virtual clock by dt_s (sub-stepped); stops early, exactly on a crossed stop limit,
  // flags that sample limit_reached and switches to rest.
  Sample advance(double dt_s);
  // One internal backward-Euler step of length dt_s without limit checks or noise (benchmark unit).
  void step(double dt_s);

  // Small-signal spectrum at the present state, with measurement noise; does not advance the clock.
  std::vector<ImpedancePoint> impedance_spectrum(const EisParams& p);
  // Noise-free small-signal impedance (Randles with finite-length Warburg) at the present state.
  std::complex<double> impedance(double f_Hz) const;

  double time_s() const { return time_s_; }
  // All charge stored in the cell (bulk + surface + side reaction), Ah, relative to an arbitrary origin.
  double stored_charge_Ah() const;
  // Noise-free terminal voltage, current and temperature after the last step.
  double voltage_V() const { return voltage_V_; }
  double current_A() const { return current_A_; }
  double temperature_C() const { return temperature_C_; }
  // Interface potential (terminal voltage minus the ohmic drop) and surface stoichiometry of the bulk.
  double interface_potential_V() const { return phi_V_; }
  double surface_soc() const;
  // Mean bulk state of charge.
  double mean_soc() const;
  // Capacity multiplier from activation and fade (1 at the start).
  double capacity_factor() const { return capacity_factor_; }
  // True once a sweep setpoint has run all its cycles (the cell then holds the last potential).
  bool sweep_finished() const { return sweep_finished_; }
  const CellParams& params() const { return params_; }
  double active_mass_g() const { return mass_g_; }

  // The exact state, including setpoint, clock and RNG; restore() continues bit-identically.
  nlohmann::json snapshot() const;
  // Restores a snapshot (of a model of any parameters: they are part of the snapshot).
  void restore(const nlohmann::json& state);

 private:
  struct StepResult {  // the state a trial step would reach; committed only if accepted
    double phi_V = 0, current_A = 0, faradaic_A = 0, voltage_V = 0, overpotential_V = 0;
    double q_surface_Ah = 0, side_change_Ah = 0, side_extreme_V = 0;
  };
  void build();  // derived constants and work arrays from params_ and mass_g_
  StepResult solve_step(double dt_s, double target_V, bool voltage_control, double current_A);
  void commit(const StepResult& r, double dt_s);
  StepResult trial(double dt_s);  // the step the present setpoint asks for, not yet committed
  Sample land_on_limit(double h_s, double limit_V, double sign);
  double sweep_voltage_at(double t_in_setpoint_s) const;
  double next_sweep_vertex_time(double t_in_setpoint_s) const;
  double sweep_total_time() const;
  void finish_sweep();  // holds the last vertex potential
  double drive_current_A() const;
  double drive_direction(double dt_s) const;  // +1 charging, -1 discharging, 0 neither
  Sample make_sample(std::uint32_t flags);
  double gaussian();

  CellParams params_;
  double mass_g_ = 0;
  // Derived constants (SI, absolute for this mass).
  double bulk_capacity_C_ = 0, r0_ohm_ = 0, i0_ref_A_ = 0, side_capacity_Ah_ = 0;
  Ocv ocv_;
  SurfaceBranch surface_;
  Diffusion diffusion_;
  // State.
  double time_s_ = 0, setpoint_time_s_ = 0;
  double phi_V_ = 0, voltage_V_ = 0, current_A_ = 0, faradaic_A_ = 0;
  double q_surface_Ah_ = 0, q_side_Ah_ = 0, side_extreme_V_ = 0;
  double hysteresis_ = 0;  // -1 discharge branch .. +1 charge branch
  double throughput_Ah_g_ = 0, capacity_factor_ = 1, temperature_C_ = 25;
  Setpoint setpoint_;
  bool sweep_finished_ = false;
  bool setpoint_fresh_ = false;
  double hold_direction_ = 0;  // a voltage hold's direction, fixed when it is applied  // the next sample is the first of the setpoint
  Random rng_;
};

}  // namespace cyclerd::sim

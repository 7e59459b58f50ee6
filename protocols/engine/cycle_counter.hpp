// Cycle counting and coulombic efficiency by DESIGN.md's conventions: the run's first current sets the
// order (unless the cell declares it); a cycle is one first half plus one second half in that order; a
// cycle ends when the next first half begins, or when the run ends after its second half.
#pragma once

#include <optional>

#include "protocols/engine/engine_state.hpp"

namespace cyclerd {

// A finished cycle, as the engine reports it (the runner turns it into a CycleSummary with mAh/g).
struct CycleEnd {
  int cycle_index = 0;                // from 1
  bool discharge_first = true;
  double first_half_current_A = 0;    // |setpoint| of the first half (0 for a sweep)
  double charge_Ah = 0, discharge_Ah = 0, charge_Wh = 0, discharge_Wh = 0;
  double start_t_s = 0, end_t_s = 0;

  // Second-half charge over first-half charge (DESIGN.md); nullopt when the first half passed none.
  std::optional<double> coulombic_efficiency() const;
  bool operator==(const CycleEnd&) const = default;
};

// The direction the programme drives an interval: -1 discharge, +1 charge, 0 neither (rest, EIS, hold).
// Called before the interval's charge is added; returns the cycle that the new direction finished.
// `setpoint_A` is the programmed |current| (0 when not a current step), `t_s` the interval's start.
std::optional<CycleEnd> observe_direction(CycleProgress& cycle, std::vector<CycleCharges>& finished, int direction,
                                          double setpoint_A, double t_s);

// Adds one interval's charge and energy (signed: I > 0 charges) to the cycle.
void add_to_cycle(CycleProgress& cycle, double charge_Ah, double energy_Wh);

// At the end of the run: the cycle in progress if it has reached its second half.
std::optional<CycleEnd> close_cycle(CycleProgress& cycle, std::vector<CycleCharges>& finished, double t_s);

}  // namespace cyclerd

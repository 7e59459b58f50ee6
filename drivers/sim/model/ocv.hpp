// Equilibrium (open-circuit) potential of the bulk versus its state of charge, with hysteresis.
#pragma once

#include <vector>

#include "drivers/sim/model/cell_params.hpp"

namespace cyclerd::sim {

class Ocv {
 public:
  // Takes the table (monotone cubic through the points), the Nernst term and the hysteresis gap.
  void configure(const CellParams& p);
  // Potential at stoichiometry x in (0, 1) on hysteresis state h in [-1, 1]; writes dU/dx.
  // Logarithmic walls near x = 0 and x = 1 keep every solution inside (0, 1).
  double potential_V(double x, double h, double& dU_dx) const;

 private:
  std::vector<double> x_, v_, slope_;  // knots and PCHIP slopes
  double nernst_V_ = 0;
  double half_gap_V_ = 0;
};

}  // namespace cyclerd::sim

// Solid-state diffusion in the bulk by finite volumes, stepped by backward Euler.
//
// Coordinates are normalised by the diffusion length L (xi = r/L in [0, 1], surface at 1); the state is
// the stoichiometry x of each volume. With the flux at the surface set by the faradaic current I_f, an
// implicit step is linear in I_f: x_new = y0 + I_f * y1. prepare() solves both tridiagonal systems
// (Thomas, one factorisation, no allocation); the surface value is then s0 + s1 * I_f.
#pragma once

#include <vector>

#include "drivers/sim/model/cell_params.hpp"

namespace cyclerd::sim {

class Diffusion {
 public:
  // Builds the grid: n volumes, each `ratio` times as wide as its inner neighbour.
  void configure(Geometry geometry, int n, double ratio);
  // Sets every volume to x0.
  void fill(double x0);
  // Prepares a step of dt_s with D/L^2 = rate_1_s; charge per unit x is capacity_C.
  void prepare(double rate_1_s, double dt_s, double capacity_C);
  // Surface stoichiometry at the end of the prepared step is surface0() + surface1() * I_f.
  double surface0() const { return s0_; }
  double surface1() const { return s1_; }
  // Accepts the prepared step with faradaic current I_f (A).
  void commit(double faradaic_A);
  // Volume-weighted mean stoichiometry.
  double mean() const;
  // Stoichiometry at the surface for the present state and a steady flux I_f (the grid's extrapolation).
  double surface(double faradaic_A, double rate_1_s, double capacity_C) const;
  // Dimensionless surface area per unit volume (1 slab, 3 sphere).
  double area_factor() const { return area_; }

  std::vector<double>& values() { return x_; }
  const std::vector<double>& values() const { return x_; }

 private:
  std::vector<double> weight_;   // volume fractions, sum 1
  std::vector<double> face_g_;   // face conductance (area / centre distance), n - 1 faces
  std::vector<double> x_, y0_, y1_, cprime_;
  double area_ = 1, edge_ = 0;   // surface area factor; distance from the last centre to the surface
  double s0_ = 0, s1_ = 0;
};

}  // namespace cyclerd::sim

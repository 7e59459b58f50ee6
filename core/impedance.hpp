// One point of an impedance spectrum.
#pragma once

#include <complex>

namespace cyclerd {

struct ImpedancePoint {
  double frequency_Hz = 0;
  std::complex<double> z_ohm;  // Z = Re + j Im; a capacitive cell has Im < 0
};

}  // namespace cyclerd

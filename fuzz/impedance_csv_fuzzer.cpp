// `cyclerctl analyze eis|drt`'s impedance CSV reader (analysis/impedance_csv). Bad input is refused only
// with cyclerd::Error naming file:line; an accepted spectrum has at least two points, positive finite and
// strictly descending frequencies (sorted, no duplicates) and finite impedances.
#include <cmath>

#include "analysis/impedance_csv.hpp"
#include "core/error.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace cyclerd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return -1;
  const auto text = fuzz::text_of(data, size);
  try {
    const auto points = analysis::parse_impedance_csv(text, "fuzz.csv");
    if (points.size() < 2) fuzz::finding("accepted fewer than two points", text);
    for (std::size_t i = 0; i < points.size(); ++i) {
      const auto& p = points[i];
      if (!(std::isfinite(p.frequency_Hz) && p.frequency_Hz > 0)) fuzz::finding("accepted a bad frequency", text);
      if (!std::isfinite(p.z_ohm.real()) || !std::isfinite(p.z_ohm.imag())) fuzz::finding("accepted a non-finite impedance", text);
      if (i > 0 && !(p.frequency_Hz < points[i - 1].frequency_Hz)) {
        fuzz::finding("frequencies not strictly descending", text);
      }
    }
  } catch (const Error& e) {
    if (e.where().empty()) fuzz::finding("a refusal that names no place", e.what());
  } catch (const std::exception& e) {
    fuzz::finding("an exception other than cyclerd::Error escaped parse_impedance_csv", e.what());
  }
  return 0;
}

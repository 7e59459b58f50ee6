// The quantity parser (core/quantity): "0.05 A/g", "C/10", "80 %". Properties beyond "no crash":
// a parsed value is finite, and formatting it then parsing the text again gives the same quantity back.
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/quantity.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace cyclerd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256) return -1;  // quantities are short; longer inputs only slow the search
  const std::string text(fuzz::text_of(data, size));
  try {
    const Quantity q = parse_quantity(text, "fuzz");
    if (!std::isfinite(q.value)) fuzz::finding("a non-finite quantity was accepted", text);
    const std::string again = format_quantity(q);
    Quantity back;
    try {
      back = parse_quantity(again, "fuzz");
    } catch (const Error& e) {
      fuzz::finding("format_quantity wrote text parse_quantity refuses", again + " <- " + text + ": " + e.what());
    }
    if (back.dimension != q.dimension) fuzz::finding("the dimension changed over format and parse", again);
    // A fraction is written in percent (x100, /100): allow a few ulps there, exact everywhere else.
    const double tolerance = q.dimension == Dimension::fraction ? 4 * std::abs(q.value) * 2.3e-16 : 0.0;
    if (std::abs(back.value - q.value) > tolerance) fuzz::finding("the value changed over format and parse", again);
  } catch (const Error&) {
    // refused with a named error: what bad input must get
  } catch (const std::exception& e) {
    fuzz::finding("an exception other than cyclerd::Error escaped parse_quantity", e.what());
  }
  // The dimension-checked overloads, as protocol fields use them.
  try {
    (void)parse_value(text, Dimension::current, "fuzz");
  } catch (const Error&) {
  } catch (const std::exception& e) {
    fuzz::finding("an exception other than cyclerd::Error escaped parse_value", e.what());
  }
  try {
    (void)parse_quantity(text, {Dimension::current, Dimension::specific_current, Dimension::c_rate}, "fuzz");
  } catch (const Error&) {
  } catch (const std::exception& e) {
    fuzz::finding("an exception other than cyclerd::Error escaped parse_quantity(expected)", e.what());
  }
  return 0;
}

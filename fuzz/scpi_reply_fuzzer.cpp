// The scpi-smu driver's reply parsers (drivers/scpi-smu/reading): one reading line by every known model's
// layouts, and one error-queue entry. Refusals are cyclerd::Error only; an accepted reading is finite and
// within 1.5x the model's ranges, as the parser promises.
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "drivers/scpi-smu/reading.hpp"
#include "drivers/scpi-smu/smu_models.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace cyclerd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return -1;
  const auto line = fuzz::text_of(data, size);
  for (const auto& model : smu_models()) {
    for (const ReadingLayout* layout : {&model.current_source_layout, &model.voltage_source_layout}) {
      try {
        const SmuReading r = parse_reading(line, *layout, model);
        if (!std::isfinite(r.voltage_V) || !std::isfinite(r.current_A) || (r.time_s && !std::isfinite(*r.time_s))) {
          fuzz::finding("a reading with a non-finite value was accepted", line);
        }
        if (std::abs(r.voltage_V) > 1.5 * model.v_range_V || std::abs(r.current_A) > 1.5 * model.i_range_A) {
          fuzz::finding("a reading beyond 1.5x the model's range was accepted", line);
        }
      } catch (const Error&) {
      } catch (const std::exception& e) {
        fuzz::finding("an exception other than cyclerd::Error escaped parse_reading", e.what());
      }
    }
  }
  try {
    (void)parse_error_entry(line);
  } catch (const Error&) {
  } catch (const std::exception& e) {
    fuzz::finding("an exception other than cyclerd::Error escaped parse_error_entry", e.what());
  }
  return 0;
}

// `cyclerctl analyze`'s sample-file reader (analysis/sample_file): our JSON and CSV/BDF exports, BioLogic
// text and mapped CSV, format found from the content. Bad input is refused only with cyclerd::Error naming
// file:line; an accepted file has at least two records, finite numbers and time that never goes backwards.
#include <cmath>
#include <string>

#include "analysis/cycle_integrator.hpp"
#include "analysis/sample_file.hpp"
#include "core/error.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace cyclerd;

namespace {

void check(const analysis::SampleFile& file, std::string_view text) {
  if (file.records.size() < 2) fuzz::finding("accepted a file with fewer than two samples", text);
  for (std::size_t i = 0; i < file.records.size(); ++i) {
    const auto& r = file.records[i];
    if (!std::isfinite(r.sample.t_s) || !std::isfinite(r.sample.voltage_V) || !std::isfinite(r.sample.current_A)) {
      fuzz::finding("accepted a non-finite number", text);
    }
    if (i > 0 && r.sample.t_s < file.records[i - 1].sample.t_s) fuzz::finding("accepted time going backwards", text);
  }
  // What `cyclerctl analyze cycles` does next: the cycle table from the samples.
  analysis::CycleIntegrator cycles(file.has_cycle_numbers, 1e-9);
  for (const auto& r : file.records) {
    if (const auto c = cycles.add(r); c && (!std::isfinite(c->charge_Ah) || !std::isfinite(c->discharge_Ah))) {
      fuzz::finding("a cycle with a non-finite capacity", text);
    }
  }
  (void)cycles.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return -1;
  const auto text = fuzz::text_of(data, size);
  // The first byte picks a column mapping sometimes, as `--map time=t,voltage=U,current=I` would.
  static const analysis::ColumnMapping mapped = {{"time", "t"}, {"voltage", "U"}, {"current", "I"}, {"cycle", "n"}};
  const bool use_mapping = size > 0 && (data[0] & 1) && text.substr(0, 1) != "{";
  try {
    check(analysis::parse_sample_text(text, "fuzz.csv", use_mapping ? mapped : analysis::ColumnMapping{}), text);
  } catch (const Error& e) {
    if (e.where().empty()) fuzz::finding("a refusal that names no place", e.what());
  } catch (const std::exception& e) {
    fuzz::finding("an exception other than cyclerd::Error escaped parse_sample_text", e.what());
  }
  return 0;
}

// `cyclerctl analyze`'s BioLogic EC-Lab text import (analysis/biologic_import): header block, ';' or tab
// separated columns, decimal commas, dates. Bad input is refused only with cyclerd::Error naming file:line;
// what is accepted gives per-cycle capacities without a crash.
#include "analysis/biologic_import.hpp"
#include "core/error.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace cyclerd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return -1;
  const auto text = fuzz::text_of(data, size);
  try {
    const auto file = analysis::parse_biologic_text(text, "fuzz.mpt");
    (void)analysis::biologic_cycle_capacities(file);
  } catch (const Error& e) {
    if (e.where().empty()) fuzz::finding("a refusal that names no place", e.what());
  } catch (const std::exception& e) {
    fuzz::finding("an exception other than cyclerd::Error escaped parse_biologic_text", e.what());
  }
  return 0;
}

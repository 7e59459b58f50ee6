// The protocol parser and validator (protocols/): JSON text in, a Protocol or every problem with its
// JSON pointer out; "never throws for bad input". Properties: no exception of any kind escapes, a
// refused protocol has at least one error and each error's pointer is a JSON pointer (empty or '/'...),
// an accepted one resolves against a cell with mass and capacity.
#include <string>

#include "core/error.hpp"
#include "fuzz/fuzz_support.hpp"
#include "protocols/resolve.hpp"
#include "protocols/validate.hpp"

using namespace cyclerd;

namespace {

// A sim-like channel: every mode, -5..5 V, 100 mA, 1 ms.
ValidationContext context() {
  ValidationContext c;
  Capabilities caps;
  caps.modes = {Mode::rest, Mode::current, Mode::voltage, Mode::sweep, Mode::eis};
  caps.v_min_V = -5;
  caps.v_max_V = 5;
  caps.i_max_A = 0.1;
  caps.min_sample_period_s = 1e-3;
  caps.can_snapshot = true;
  caps.lands_on_limits = true;
  c.channel = caps;
  c.cell = CellInfo{1e-3, 1e-3};
  return c;
}

void check(const ParseResult& result, std::string_view text) {
  if (result.ok() != result.errors.empty()) fuzz::finding("ok() disagrees with the error list", text);
  for (const auto& e : result.errors) {
    if (!e.pointer.empty() && e.pointer.front() != '/') fuzz::finding("an error pointer is not a JSON pointer", e.pointer);
    if (e.message.empty()) fuzz::finding("an error without a message", e.pointer);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return -1;
  const auto text = fuzz::text_of(data, size);
  static const ValidationContext ctx = context();
  ParseResult full;
  try {
    check(check_protocol(text), text);  // no channel, no cell: protocols.validate's simplest form
    full = check_protocol(text, {"cycles=3", "rate=0.1 A/g"}, ctx);
    check(full, text);
  } catch (const std::exception& e) {
    fuzz::finding("an exception escaped the protocol parser/validator", e.what());
  }
  if (!full.ok()) return 0;
  try {
    (void)resolve(*full.protocol, *ctx.cell);
  } catch (const Error&) {
    // resolve() may refuse what validate() accepted only with a named error
  } catch (const std::exception& e) {
    fuzz::finding("an exception other than cyclerd::Error escaped resolve", e.what());
  }
  return 0;
}

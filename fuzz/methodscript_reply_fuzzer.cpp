// The methodscript driver's reply parsers (drivers/methodscript): every line of device output is classified
// (never throws), `!XXXX` errors are parsed, `P...` data packages are decoded to SI values. Refusals are
// cyclerd::Error only; a decoded value is finite or the device's NaN, and a line classified as an error
// carries a parsed DeviceError.
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "drivers/methodscript/device_reply.hpp"
#include "drivers/methodscript/package.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace cyclerd;
using namespace cyclerd::methodscript;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return -1;
  const auto input = fuzz::text_of(data, size);
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const auto line = input.substr(start, end - start);
    start = end + 1;
    DeviceError error;
    LineKind kind{};
    try {
      kind = classify(line, &error);
      (void)parse_device_error(line);
    } catch (const std::exception& e) {
      fuzz::finding("classify/parse_device_error threw", e.what());
    }
    if (kind == LineKind::error) (void)error.describe();
    if (kind != LineKind::package) continue;
    try {
      const Package p = parse_package(line);
      for (const auto& v : p.variables) {
        if (std::isinf(v.value)) fuzz::finding("a package value is infinite", line);
        (void)encode_variable(v.type, v.value);
      }
    } catch (const Error&) {
    } catch (const std::exception& e) {
      fuzz::finding("an exception other than cyclerd::Error escaped parse_package", e.what());
    }
  }
  return 0;
}

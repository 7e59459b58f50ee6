// Running library protocols on simulated cells for the runner's tests.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/library.hpp"
#include "protocols/resolve.hpp"
#include "protocols/runner/cycle_summary.hpp"
#include "protocols/runner/run_totals.hpp"
#include "protocols/runner/simulated_channel.hpp"
#include "protocols/validate.hpp"

namespace cyclerd::test {

// A library protocol with shortened parameters, what it runs on, and what it must come to.
struct LibraryCase {
  std::string name;
  std::vector<std::string> overrides;
  std::string preset;
  std::int64_t steps;
  int cycles;
};

// The default suite shortens the long protocols; ctest -L long runs them in full.
inline std::vector<LibraryCase> library_cases(bool full) {
  return {
      {"activation", {}, "zns-znse", 5, 2},
      {"rate-capability", {"cycles_per_rate=1"}, "zns-znse", 20, 10},
      {"long-cycling", {full ? "cycles=1800" : "cycles=3"}, "zns-znse", full ? 3604 : 10, full ? 1802 : 5},
      {"gitt", {}, "zns-znse", 7, 3},
      {"cv", {full ? "cycles=100" : "cycles=3"}, "zns-znse", 2, full ? 100 : 3},
      {"cv-scan-rates", {full ? "cycles_per_rate=3" : "cycles_per_rate=1"}, "zns-znse", 6, full ? 18 : 6},
      {"eis", {}, "zns-znse", 17, 1},
      {"fullcell-rate", {"cycles_per_rate=1"}, "nfm-zns-znse", 16, 8},
      {"fullcell-cycling", {full ? "cycles=600" : "cycles=3"}, "nfm-zns-znse", full ? 1200 : 6, full ? 600 : 3},
  };
}

// Parses, validates against the simulated channel and resolves for the cell; fails the test on errors.
inline Protocol library_protocol(const LibraryCase& c, SimulatedChannel& channel) {
  ParseResult parsed = load_library_protocol(c.name, c.overrides);
  std::string errors;
  for (const auto& e : parsed.errors) errors += e.pointer + ": " + e.message + "\n";
  EXPECT_TRUE(parsed.ok()) << errors;
  if (!parsed.ok()) return {};
  const auto problems = validate(*parsed.protocol, {channel.driver().capabilities(0), channel.cell_info()});
  for (const auto& e : problems) errors += e.pointer + ": " + e.message + "\n";
  EXPECT_TRUE(problems.empty()) << errors;
  return resolve(*parsed.protocol, channel.cell_info());
}

}  // namespace cyclerd::test

// Running protocols on simulated cells with the analysis feed attached, for the live-analysis tests.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/sim/model/cell_params.hpp"
#include "protocols/parser.hpp"
#include "protocols/runner/analysis_feed.hpp"
#include "tests/protocols/runner/runner_test_support.hpp"

namespace cyclerd::test {

inline constexpr double kMass_g = 1e-3;

// Parses a protocol (library name or JSON text), validates and resolves it for the channel's cell.
inline Protocol prepare(SimulatedChannel& channel, const std::string& library_or_json,
                        const std::vector<std::string>& overrides = {}) {
  ParseResult parsed = library_or_json.front() == '{' ? parse_protocol(library_or_json, overrides)
                                                      : load_library_protocol(library_or_json, overrides);
  std::string errors;
  for (const auto& e : parsed.errors) errors += e.pointer + ": " + e.message + "\n";
  EXPECT_TRUE(parsed.ok()) << errors;
  if (!parsed.ok()) return {};
  const auto problems = validate(*parsed.protocol, {channel.driver().capabilities(0), channel.cell_info()});
  for (const auto& e : problems) errors += e.pointer + ": " + e.message + "\n";
  EXPECT_TRUE(problems.empty()) << errors;
  return resolve(*parsed.protocol, channel.cell_info());
}

// Puts a cell of `params` (scaled to kMass_g) into the channel instead of its preset.
inline void hold(SimulatedChannel& channel, const sim::CellParams& params) {
  channel.driver().load_cell(0, params, kMass_g);
}

}  // namespace cyclerd::test

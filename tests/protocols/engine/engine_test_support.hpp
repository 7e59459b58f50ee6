// Hand-made protocols and samples for the engine's unit tests, in virtual time.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "protocols/engine/engine.hpp"
#include "protocols/parser.hpp"
#include "protocols/resolve.hpp"

namespace cyclerd::test {

// Parses and resolves a protocol for a 1 mg cell; fails the test on any error.
inline Protocol protocol_from(const std::string& json) {
  ParseResult parsed = parse_protocol(json);
  std::string errors;
  for (const auto& e : parsed.errors) errors += e.pointer + ": " + e.message + "\n";
  EXPECT_TRUE(parsed.ok()) << errors;
  if (!parsed.ok()) return {};
  return resolve(*parsed.protocol, CellInfo{1e-3, 0.5e-3});
}

inline Sample sample_at(double t_s, double voltage_V, double current_A, std::uint32_t flags = 0) {
  Sample s;
  s.t_s = t_s;
  s.voltage_V = voltage_V;
  s.current_A = current_A;
  s.flags = flags;
  return s;
}

// Feeds one linear half: `n` one-second samples at `current_A` from v0 to v1, starting after `t`.
// Returns every decision; `t` is advanced.
inline std::vector<Decision> feed_half(Engine& engine, double& t, int n, double v0, double v1, double current_A) {
  std::vector<Decision> out;
  for (int i = 1; i <= n; ++i) {
    t += 1.0;
    out.push_back(engine.on_sample(sample_at(t, v0 + (v1 - v0) * i / n, current_A)));
  }
  return out;
}

}  // namespace cyclerd::test

// The rate table (DESIGN.md field names) of a whole cycle table: consecutive cycles at one current density,
// averaged; the run's first cycle (formation) is left out. analysis::RateAnalyzer computes it (the same
// code as the live rate table); this is its batch form for a finished run's rows.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/rate_analyzer.hpp"
#include "protocols/runner/cycle_summary.hpp"

namespace cyclerd {

// A row; `recovery` is set when the rate was run before (not part of DESIGN.md's table, see to_json).
struct RateRow : analysis::RateTableRow {};

// Rows in the order the rates were run; a rate run again later (back at 0.1 A/g) is a row of its own.
// Cycles without a current density (sweeps) are left out; setpoints within 1 % are one rate.
std::vector<RateRow> rate_table(const std::vector<CycleSummary>& cycles);
// DESIGN.md's rate-table fields only.
nlohmann::json to_json(const RateRow& row);

}  // namespace cyclerd

// Exports of a run's samples: CSV with our column names, BDF CSV, and JSON column arrays (runs.samples).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "schema/reader.hpp"

namespace cyclerd::store {

enum class ExportFormat { csv, bdf, json };

// Parses "csv", "bdf" or "json"; throws invalid_input naming the choices.
ExportFormat parse_export_format(std::string_view name);

// Writes every sample of a run; throws not_found for an unknown run.
void export_run(Reader& reader, std::int64_t run_id, ExportFormat format, std::ostream& out);

// DESIGN.md's runs.samples shape: {"decimated": b, "columns": {"index": [...], "test_time_s": [...], ...}},
// a missing temperature as null.
nlohmann::json samples_to_json(const SampleSeries& series);

// The shortest text that reads back as exactly `value` (so exports round-trip to the bit).
std::string format_number(double value);

}  // namespace cyclerd::store

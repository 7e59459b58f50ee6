// Sample files from our exports and other cyclers, read into analysis records: our JSON column arrays
// (runs.samples / runs.export json), our CSV and BDF CSV exports, BioLogic EC-Lab text exports, and any
// CSV whose columns are named by a mapping.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/run_stream.hpp"

namespace cyclerd::analysis {

// Which column holds each quantity: keys "time", "voltage", "current", "cycle" (optional).
// An empty mapping means: find our own or BDF's column names.
using ColumnMapping = std::map<std::string, std::string>;

struct SampleFile {
  std::vector<AnalysisRecord> records;
  bool has_cycle_numbers = false;  // the file numbers its cycles
  std::string format;              // "json", "csv", "biologic"
};

// Reads a sample file (format from its content). Throws cyclerd::Error (invalid_input, where = "file:line")
// for an empty file, fewer than two samples, a value that is not a finite number, time going backwards,
// and a mapped or required column the file does not have (naming it and listing the columns it has).
SampleFile read_sample_file(const std::filesystem::path& file, const ColumnMapping& mapping = {});

// The same from text in memory; `source` names it in errors.
SampleFile parse_sample_text(std::string_view text, std::string_view source, const ColumnMapping& mapping = {});

}  // namespace cyclerd::analysis

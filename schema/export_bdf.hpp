// The Battery Data Format (Battery Data Alliance) CSV: its standard column labels, written and read back.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "schema/records.hpp"

namespace cyclerd::store {

class Reader;

// Writes a run's samples as BDF CSV: one header line of BDF labels, then one row per sample.
void write_bdf(Reader& reader, std::int64_t run_id, std::ostream& out);

// Reads BDF CSV back into samples (index = row number, run_id = `run_id`). Test Time, Voltage and Current
// are required; the other known labels are optional; unknown columns are ignored. Throws invalid_input
// naming `source` and the line for anything unreadable.
std::vector<SampleRow> read_bdf(std::istream& in, const std::string& source, std::int64_t run_id = 0);

}  // namespace cyclerd::store

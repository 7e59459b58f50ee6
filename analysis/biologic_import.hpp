// BioLogic EC-Lab text exports (';' or tab separated, latin-1): samples and per-cycle capacities.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cyclerd::analysis {

// One row of the export, converted to SI-ish units at the edge; NaN where the file leaves a cell empty.
struct BiologicRow {
  double time_s = 0;                 // from the first row (dates such as "05/05/2021 15:36:22.757" are converted)
  double voltage_V = 0;              // Ecell/V, or Ewe/V when there is no Ecell
  double current_A = 0;              // I/mA or <I>/mA, scaled 1e-3
  double charge_capacity_Ah = 0;     // Q charge/mA.h, cumulative within a cycle, scaled 1e-3
  double discharge_capacity_Ah = 0;  // Q discharge/mA.h, scaled 1e-3
  int cycle_number = 0;              // the file's own numbering (EC-Lab counts from 0)
};

struct BiologicExport {
  std::vector<std::string> columns;  // every column name, as written (latin-1 bytes kept)
  std::vector<BiologicRow> rows;
};

// Reads an export: an optional "EC-Lab ASCII FILE" header block ("Nb header lines : N"), a column-name line,
// then data. Needs time/s, Ecell/V (or Ewe/V), I/mA (or <I>/mA), cycle number, Q charge/mA.h and
// Q discharge/mA.h. Throws cyclerd::Error (where = "file:line") for a missing column or an unreadable number.
BiologicExport read_biologic_text(const std::filesystem::path& file);

// The same from text already in memory; `source` names it in errors.
BiologicExport parse_biologic_text(std::string_view text, std::string_view source);

// Charge and discharge capacity of one cycle of the file.
struct BiologicCycle {
  int cycle_number = 0;
  double charge_capacity_Ah = 0;
  double discharge_capacity_Ah = 0;
  double coulombic_efficiency = 0;  // discharge / charge, as BEEP reports it (charge-first cells); 0 if no charge
};

// Per-cycle maximum of the cumulative Q charge and Q discharge columns (BEEP's structured summary), in the
// order the cycles appear.
std::vector<BiologicCycle> biologic_cycle_capacities(const BiologicExport& data);

}  // namespace cyclerd::analysis

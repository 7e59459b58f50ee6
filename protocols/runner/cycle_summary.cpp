#include "protocols/runner/cycle_summary.hpp"

namespace cyclerd {

analysis::CycleRecord to_cycle_record(const CycleEnd& c) {
  return {c.cycle_index, c.discharge_first, c.first_half_current_A, c.charge_Ah, c.discharge_Ah,
          c.charge_Wh,   c.discharge_Wh,    c.start_t_s,            c.end_t_s};
}

CycleSummary summarize(const CycleEnd& c, double mass_g) {
  return CycleSummary{analysis::summarize_cycle(to_cycle_record(c), mass_g)};
}

nlohmann::json to_json(const CycleSummary& row) { return analysis::cycle_table_json(row); }

}  // namespace cyclerd

#include "protocols/runner/rate_table.hpp"

namespace cyclerd {

std::vector<RateRow> rate_table(const std::vector<CycleSummary>& cycles) {
  // Room for one row and one rate per cycle: the analyzer's bounds only matter for endless live runs.
  const std::size_t room = cycles.size() + 1;
  analysis::RateAnalyzer rates({}, room, room);
  for (const auto& c : cycles) rates.add(c);
  rates.finish();
  std::vector<RateRow> rows;
  rows.reserve(rates.rows().size());
  for (const auto& r : rates.rows()) rows.push_back(RateRow{r});
  return rows;
}

nlohmann::json to_json(const RateRow& row) { return analysis::rate_table_json(row); }

}  // namespace cyclerd

#include "analysis/rate_analyzer.hpp"

#include <cmath>

namespace cyclerd::analysis {
namespace {

// Two setpoints are the same rate within 1 %: the table groups by programmed density, not by noise.
bool same_rate(double a, double b) { return std::abs(a - b) <= 0.01 * std::max(std::abs(a), std::abs(b)); }

}  // namespace

RateAnalyzer::RateAnalyzer(ResultSink sink, std::size_t max_rows, std::size_t max_rates)
    : sink_(std::move(sink)), max_rows_(max_rows), max_rates_(max_rates) {
  rows_.reserve(max_rows_);
  visits_.reserve(max_rates_);
}

void RateAnalyzer::add(const CycleStatsRow& c) {
  if (!skipped_formation_) {
    skipped_formation_ = true;
    return;
  }
  if (!c.current_density_A_g) return;  // sweeps have no rate
  const double rate = *c.current_density_A_g;
  if (group_ && !same_rate(group_->rate_A_g, rate)) close_group();
  if (!group_) group_ = Group{rate, 0, 0, 0};
  ++group_->cycles;
  group_->discharge_sum += c.discharge_capacity_mAh_g;
  group_->charge_sum += c.charge_capacity_mAh_g;
}

void RateAnalyzer::finish() {
  if (group_) close_group();
}

void RateAnalyzer::close_group() {
  RateTableRow row;
  row.current_density_A_g = group_->rate_A_g;
  row.cycles = group_->cycles;
  row.mean_discharge_capacity_mAh_g = group_->discharge_sum / group_->cycles;
  row.mean_charge_capacity_mAh_g = group_->charge_sum / group_->cycles;
  if (!first_rate_discharge_) first_rate_discharge_ = row.mean_discharge_capacity_mAh_g;
  row.retention = *first_rate_discharge_ > 0 ? row.mean_discharge_capacity_mAh_g / *first_rate_discharge_ : 0;
  bool seen = false;
  for (const auto& v : visits_) {
    if (same_rate(v.rate_A_g, row.current_density_A_g)) {
      seen = true;
      if (v.discharge_mAh_g > 0) row.recovery = row.mean_discharge_capacity_mAh_g / v.discharge_mAh_g;
      break;
    }
  }
  if (!seen && visits_.size() < max_rates_) visits_.push_back({row.current_density_A_g, row.mean_discharge_capacity_mAh_g});
  if (rows_.size() < max_rows_) rows_.push_back(row);
  if (sink_) sink_("rate_table", to_json(row));
  group_.reset();
}

std::size_t RateAnalyzer::memory_bytes() const { return sizeof(*this) + heap_bytes(rows_) + heap_bytes(visits_); }

nlohmann::json rate_table_json(const RateTableRow& r) {
  return {{"current_density_A_g", r.current_density_A_g},
          {"cycles", r.cycles},
          {"mean_discharge_capacity_mAh_g", r.mean_discharge_capacity_mAh_g},
          {"mean_charge_capacity_mAh_g", r.mean_charge_capacity_mAh_g},
          {"retention", r.retention}};
}

nlohmann::json to_json(const RateTableRow& r) {
  nlohmann::json j = rate_table_json(r);
  j["recovery"] = r.recovery ? nlohmann::json(*r.recovery) : nlohmann::json();
  return j;
}

}  // namespace cyclerd::analysis

#include "protocols/runner/run_totals.hpp"

namespace cyclerd {

void RunTotals::on_record(const RunRecord& r) {
  ++records_;
  if (!started_) first_t_s_ = r.sample.t_s, started_ = true;
  last_t_s_ = r.sample.t_s;
  if (r.sample.has(sample_flag::limit_reached)) ++limit_hits_;
}

void RunTotals::on_step_end(const StepEnd& s) {
  ++steps_;
  (s.charge_Ah > 0 ? charge_Ah_ : discharge_Ah_) += s.charge_Ah > 0 ? s.charge_Ah : -s.charge_Ah;
  last_t_s_ = std::max(last_t_s_, s.end_t_s);
}

void RunTotals::on_event(const RunEvent& e) {
  if (e.kind == "safety_trip" || e.kind == "run_failed") failure_ = e.message;
}

nlohmann::json RunTotals::to_json() const {
  return {{"state", std::string(cyclerd::to_string(state_))},
          {"steps", steps_},
          {"cycles", cycles_},
          {"records", records_},
          {"duration_s", duration_s()},
          {"charge_Ah", charge_Ah_},
          {"discharge_Ah", discharge_Ah_},
          {"limit_hits", limit_hits_},
          {"failure", failure_.empty() ? nlohmann::json(nullptr) : nlohmann::json(failure_)}};
}

}  // namespace cyclerd

#include "schema/record_statements.hpp"

#include "schema/sample_summary.hpp"

#include <nlohmann/json.hpp>

namespace cyclerd::store {

RecordStatements::RecordStatements(Connection& db)
    : sample_(db.prepare("INSERT INTO samples (run_id, sample_index, test_time_s, unix_time_s, voltage_V, "
                         "current_A, temperature_C, cycle_index, step_index, step_id, step_capacity_Ah, "
                         "step_energy_Wh) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")),
      step_(db.prepare("INSERT OR REPLACE INTO step_summaries (run_id, step_index, step_id, cycle_index, kind, "
                       "start_time_s, end_time_s, first_sample_index, last_sample_index, capacity_Ah, energy_Wh, "
                       "end_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")),
      cycle_(db.prepare("INSERT OR REPLACE INTO cycle_summaries (run_id, cycle_index, current_density_A_g, "
                        "charge_capacity_Ah, discharge_capacity_Ah, charge_capacity_mAh_g, "
                        "discharge_capacity_mAh_g, coulombic_efficiency, charge_energy_Wh, discharge_energy_Wh, "
                        "mean_charge_voltage_V, mean_discharge_voltage_V, duration_s) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")),
      event_(db.prepare("INSERT INTO events (run_id, unix_time_s, kind, text, who, data_json) "
                        "VALUES (?,?,?,?,?,?)")),
      spectrum_(db.prepare("INSERT INTO eis_spectra (run_id, step_index, cycle_index, unix_time_s, points_json) "
                           "VALUES (?,?,?,?,?)")),
      // The latest result per key replaces the earlier one in place (its id, hence its order, is kept).
      analysis_(db.prepare("INSERT INTO analysis_results (run_id, kind, key, unix_time_s, result_json) "
                           "VALUES (?,?,?,?,?) ON CONFLICT (run_id, kind, key) DO UPDATE SET "
                           "unix_time_s=excluded.unix_time_s, result_json=excluded.result_json")),
      checkpoint_(db.prepare("UPDATE runs SET checkpoint_engine_state=?, checkpoint_driver_snapshot=?, "
                             "checkpoint_sample_count=?, checkpoint_unix_s=? WHERE id=?")),
      state_(db.prepare("UPDATE runs SET state=?, "
                        "started_unix_s=CASE WHEN ?2='running' AND started_unix_s IS NULL THEN ?3 "
                        "ELSE started_unix_s END, "
                        "ended_unix_s=CASE WHEN ?2 IN ('completed','stopped','cancelled','failed') THEN ?3 "
                        "ELSE ended_unix_s END WHERE id=?4")),
      summary_(prepare_summary_upsert(db)) {}

void RecordStatements::insert(const SampleRow& s) {
  sample_.bind(1, s.run_id).bind(2, s.index).bind(3, s.test_time_s).bind(4, s.unix_time_s);
  sample_.bind(5, s.voltage_V).bind(6, s.current_A).bind(7, s.temperature_C).bind(8, s.cycle_index);
  sample_.bind(9, s.step_index).bind(10, s.step_id).bind(11, s.step_capacity_Ah).bind(12, s.step_energy_Wh);
  sample_.run();
}

void RecordStatements::insert(const StepSummaryRow& s) {
  step_.bind(1, s.run_id).bind(2, s.step_index).bind(3, s.step_id).bind(4, s.cycle_index).bind(5, s.kind);
  step_.bind(6, s.start_time_s).bind(7, s.end_time_s).bind(8, s.first_sample_index);
  step_.bind(9, s.last_sample_index).bind(10, s.capacity_Ah).bind(11, s.energy_Wh).bind(12, s.end_reason);
  step_.run();
}

void RecordStatements::insert(const CycleSummaryRow& c) {
  cycle_.bind(1, c.run_id).bind(2, c.cycle_index).bind(3, c.current_density_A_g).bind(4, c.charge_capacity_Ah);
  cycle_.bind(5, c.discharge_capacity_Ah).bind(6, c.charge_capacity_mAh_g).bind(7, c.discharge_capacity_mAh_g);
  cycle_.bind(8, c.coulombic_efficiency).bind(9, c.charge_energy_Wh).bind(10, c.discharge_energy_Wh);
  cycle_.bind(11, c.mean_charge_voltage_V).bind(12, c.mean_discharge_voltage_V).bind(13, c.duration_s);
  cycle_.run();
}

void RecordStatements::insert(const EventRow& e) {
  if (e.run_id) {
    event_.bind(1, *e.run_id);
  } else {
    event_.bind_null(1);
  }
  event_.bind(2, e.unix_time_s).bind(3, e.kind).bind(4, e.text).bind(5, e.who).bind(6, e.data_json);
  event_.run();
}

void RecordStatements::insert(const SpectrumRow& s) {
  spectrum_.bind(1, s.run_id).bind(2, s.step_index).bind(3, s.cycle_index).bind(4, s.unix_time_s);
  spectrum_.bind(5, s.points_json);
  spectrum_.run();
}

void RecordStatements::insert(const AnalysisRow& a) {
  analysis_.bind(1, a.run_id).bind(2, a.kind).bind(3, a.key).bind(4, a.unix_time_s);
  if (a.result) analysis_.bind(5, a.result->dump());
  else analysis_.bind(5, a.result_json);
  analysis_.run();
}

void RecordStatements::checkpoint(const CheckpointRow& c, std::int64_t sample_count) {
  checkpoint_.bind(1, c.engine_state).bind(2, c.driver_snapshot).bind(3, sample_count).bind(4, c.unix_time_s);
  checkpoint_.bind(5, c.run_id);
  checkpoint_.run();
}

void RecordStatements::state(const RunStateRow& s) {
  state_.bind(1, s.state).bind(2, s.state).bind(3, s.unix_time_s).bind(4, s.run_id);
  state_.run();
}

}  // namespace cyclerd::store

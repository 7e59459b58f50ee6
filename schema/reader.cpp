#include "schema/reader.hpp"

#include <sqlite3.h>

#include <algorithm>

namespace cyclerd::store {

ReadTransaction::ReadTransaction(Connection& db) : db_(db) { db_.exec("BEGIN"); }
ReadTransaction::~ReadTransaction() { sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr); }

SampleRow read_sample(const Statement& q) {
  SampleRow s;
  s.run_id = q.column_int(0);
  s.index = q.column_int(1);
  s.test_time_s = q.column_double(2);
  s.unix_time_s = q.column_double(3);
  s.voltage_V = q.column_double(4);
  s.current_A = q.column_double(5);
  s.temperature_C = q.column_optional_double(6);
  s.cycle_index = q.column_int(7);
  s.step_index = q.column_int(8);
  s.step_id = q.column_int(9);
  s.step_capacity_Ah = q.column_double(10);
  s.step_energy_Wh = q.column_double(11);
  return s;
}

Reader::Reader(std::string path) : db_(std::move(path), OpenMode::read_only) {}

namespace {
constexpr const char* kRunSelect =
    "SELECT r.id, r.channel_id, r.cell_name, r.protocol_id, p.name, r.params_json, r.tags_json, r.state, "
    "r.created_unix_s, r.checkpoint_engine_state, r.checkpoint_driver_snapshot, r.checkpoint_sample_count, "
    "(SELECT coalesce(max(sample_index) + 1, 0) FROM samples s WHERE s.run_id = r.id) "
    "FROM runs r JOIN protocols p ON p.id = r.protocol_id";

RunInfo read_run(const Statement& q) {
  RunInfo r;
  r.id = q.column_int(0);
  r.channel_id = q.column_text(1);
  r.cell_name = q.column_text(2);
  r.protocol_id = q.column_int(3);
  r.protocol_name = q.column_text(4);
  r.params_json = q.column_text(5);
  r.tags_json = q.column_text(6);
  r.state = q.column_text(7);
  r.created_unix_s = q.column_double(8);
  r.checkpoint_engine_state = q.column_optional_text(9);
  r.checkpoint_driver_snapshot = q.column_optional_text(10);
  if (!q.column_is_null(11)) r.checkpoint_sample_count = q.column_int(11);
  r.sample_count = q.column_int(12);
  return r;
}
}  // namespace

std::vector<RunInfo> Reader::runs() {
  ReadTransaction txn(db_);
  auto q = db_.prepare(std::string(kRunSelect) + " ORDER BY r.id");
  std::vector<RunInfo> out;
  while (q.step()) out.push_back(read_run(q));
  return out;
}

std::optional<RunInfo> Reader::run(std::int64_t run_id) {
  ReadTransaction txn(db_);
  auto q = db_.prepare(std::string(kRunSelect) + " WHERE r.id = ?");
  q.bind(1, run_id);
  if (!q.step()) return std::nullopt;
  return read_run(q);
}

std::vector<CycleSummaryRow> Reader::cycles(std::int64_t run_id) {
  ReadTransaction txn(db_);
  auto q = db_.prepare(
      "SELECT run_id, cycle_index, current_density_A_g, charge_capacity_Ah, discharge_capacity_Ah, "
      "charge_capacity_mAh_g, discharge_capacity_mAh_g, coulombic_efficiency, charge_energy_Wh, "
      "discharge_energy_Wh, mean_charge_voltage_V, mean_discharge_voltage_V, duration_s "
      "FROM cycle_summaries WHERE run_id = ? ORDER BY cycle_index");
  q.bind(1, run_id);
  std::vector<CycleSummaryRow> out;
  while (q.step()) {
    CycleSummaryRow c;
    c.run_id = q.column_int(0);
    c.cycle_index = q.column_int(1);
    c.current_density_A_g = q.column_optional_double(2);
    c.charge_capacity_Ah = q.column_double(3);
    c.discharge_capacity_Ah = q.column_double(4);
    c.charge_capacity_mAh_g = q.column_optional_double(5);
    c.discharge_capacity_mAh_g = q.column_optional_double(6);
    c.coulombic_efficiency = q.column_optional_double(7);
    c.charge_energy_Wh = q.column_double(8);
    c.discharge_energy_Wh = q.column_double(9);
    c.mean_charge_voltage_V = q.column_optional_double(10);
    c.mean_discharge_voltage_V = q.column_optional_double(11);
    c.duration_s = q.column_double(12);
    out.push_back(c);
  }
  return out;
}

std::vector<StepSummaryRow> Reader::steps(std::int64_t run_id) {
  ReadTransaction txn(db_);
  auto q = db_.prepare(
      "SELECT run_id, step_index, step_id, cycle_index, kind, start_time_s, end_time_s, first_sample_index, "
      "last_sample_index, capacity_Ah, energy_Wh, end_reason FROM step_summaries WHERE run_id = ? "
      "ORDER BY step_index");
  q.bind(1, run_id);
  std::vector<StepSummaryRow> out;
  while (q.step()) {
    StepSummaryRow s;
    s.run_id = q.column_int(0);
    s.step_index = q.column_int(1);
    s.step_id = q.column_int(2);
    s.cycle_index = q.column_int(3);
    s.kind = q.column_text(4);
    s.start_time_s = q.column_double(5);
    s.end_time_s = q.column_double(6);
    s.first_sample_index = q.column_int(7);
    s.last_sample_index = q.column_int(8);
    s.capacity_Ah = q.column_double(9);
    s.energy_Wh = q.column_double(10);
    s.end_reason = q.column_text(11);
    out.push_back(s);
  }
  return out;
}

std::vector<AnalysisRow> Reader::analyses(std::int64_t run_id, const std::vector<std::string>& kinds) {
  ReadTransaction txn(db_);
  // The id keeps first-store order: an upsert replaces a result in place.
  auto q = db_.prepare(
      "SELECT run_id, kind, key, unix_time_s, result_json FROM analysis_results WHERE run_id = ? ORDER BY id");
  q.bind(1, run_id);
  std::vector<AnalysisRow> out;
  while (q.step()) {
    AnalysisRow a;
    a.run_id = q.column_int(0);
    a.kind = q.column_text(1);
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), a.kind) == kinds.end()) continue;
    a.key = q.column_text(2);
    a.unix_time_s = q.column_double(3);
    a.result_json = q.column_text(4);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<EventRow> Reader::events(std::optional<std::int64_t> run_id) {
  ReadTransaction txn(db_);
  auto q = db_.prepare(run_id ? "SELECT run_id, unix_time_s, kind, text, who, data_json FROM events "
                                "WHERE run_id = ? ORDER BY id"
                              : "SELECT run_id, unix_time_s, kind, text, who, data_json FROM events ORDER BY id");
  if (run_id) q.bind(1, *run_id);
  std::vector<EventRow> out;
  while (q.step()) {
    EventRow e;
    if (!q.column_is_null(0)) e.run_id = q.column_int(0);
    e.unix_time_s = q.column_double(1);
    e.kind = q.column_text(2);
    e.text = q.column_text(3);
    e.who = q.column_text(4);
    e.data_json = q.column_text(5);
    out.push_back(e);
  }
  return out;
}

}  // namespace cyclerd::store

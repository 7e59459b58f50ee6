// The rows the storage layer accepts and returns. They are its own types, so schema/ depends on core/ only;
// the daemon maps the channel runner's records onto them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cyclerd::store {

// One stored sample; `index` counts 0, 1, 2, ... per run with no gap or repeat (the writer refuses either).
struct SampleRow {
  std::int64_t run_id = 0;
  std::int64_t index = 0;
  double test_time_s = 0;                    // since the run started; never decreases within a run
  double unix_time_s = 0;
  double voltage_V = 0;
  double current_A = 0;                      // > 0 charges the cell
  std::optional<double> temperature_C;       // missing when not measured
  std::int64_t cycle_index = 0;
  std::int64_t step_index = 0;               // the running step count (BDF's Step Count)
  std::int64_t step_id = 0;                  // the step's place in the protocol (BDF's Step Index)
  double step_capacity_Ah = 0;
  double step_energy_Wh = 0;
};

// A finished step.
struct StepSummaryRow {
  std::int64_t run_id = 0;
  std::int64_t step_index = 0;
  std::int64_t step_id = 0;
  std::int64_t cycle_index = 0;
  std::string kind;                          // rest, cc, cv, cccv, sweep, pulse, eis
  double start_time_s = 0;
  double end_time_s = 0;
  std::int64_t first_sample_index = 0;
  std::int64_t last_sample_index = 0;
  double capacity_Ah = 0;
  double energy_Wh = 0;
  std::string end_reason;
};

// A finished cycle, with DESIGN.md's cycle-table field names; a missing value is stored as NULL.
struct CycleSummaryRow {
  std::int64_t run_id = 0;
  std::int64_t cycle_index = 0;              // from 1
  std::optional<double> current_density_A_g;
  double charge_capacity_Ah = 0;
  double discharge_capacity_Ah = 0;
  std::optional<double> charge_capacity_mAh_g;
  std::optional<double> discharge_capacity_mAh_g;
  std::optional<double> coulombic_efficiency;  // a fraction
  double charge_energy_Wh = 0;
  double discharge_energy_Wh = 0;
  std::optional<double> mean_charge_voltage_V;
  std::optional<double> mean_discharge_voltage_V;
  double duration_s = 0;
};

// A state change, safety trip, fault, note or storage condition; run_id is empty for storage-wide events.
struct EventRow {
  std::optional<std::int64_t> run_id;
  double unix_time_s = 0;
  std::string kind;                          // e.g. "state", "safety_trip", "fault", "note", "storage_warning"
  std::string text;                          // the reason or the note, for people
  std::string who;                           // the token name, or "cyclerd"
  std::string data_json = "{}";              // details for programs
};

// A run's restart point: opaque JSON texts from the engine and the driver (e.g. the simulated cell and its
// random-number state). The writer adds how many samples were stored when it was taken.
struct CheckpointRow {
  std::int64_t run_id = 0;
  std::string engine_state;
  std::string driver_snapshot;
  double unix_time_s = 0;
};

// A run's new state (DESIGN.md's run states); pair it with an event that says why.
struct RunStateRow {
  std::int64_t run_id = 0;
  std::string state;
  double unix_time_s = 0;
};

// One impedance spectrum as column arrays {"frequency_Hz": [...], "z_real_ohm": [...], "z_imag_ohm": [...]}.
struct SpectrumRow {
  std::int64_t run_id = 0;
  std::int64_t step_index = 0;
  std::int64_t cycle_index = 0;
  double unix_time_s = 0;
  std::string points_json;
};

// One analyzer result (a cycle's statistics, a rate-table row, a dQ/dV curve, a GITT pulse, a fitted
// spectrum...) as JSON. The writer keeps the latest per (run_id, kind, key): storing the same key again
// replaces the row, so a live analyzer can re-publish a result as it improves.
struct AnalysisRow {
  std::int64_t run_id = 0;
  std::string kind;                          // the analyzer's table: "cycles", "rate_table", "gitt", ...
  std::string key;                           // the result within its kind ("12", "3/charge"); '' if one per run
  double unix_time_s = 0;
  std::string result_json;
  // Or the result itself, serialized by the writer on its own thread: a producer whose thread is the
  // bottleneck (an accelerated run's) hands large results over as they are. `result_bytes` estimates
  // their text for the queue's bounds.
  std::shared_ptr<const nlohmann::json> result;
  std::size_t result_bytes = 0;
};

// What a producer hands the writer in one submission; it is stored in one transaction, all or nothing.
struct RecordBatch {
  std::vector<SampleRow> samples;
  std::vector<StepSummaryRow> steps;
  std::vector<CycleSummaryRow> cycles;
  std::vector<EventRow> events;
  std::vector<CheckpointRow> checkpoints;    // written after the samples of the same batch
  std::vector<RunStateRow> states;
  std::vector<SpectrumRow> spectra;
  std::vector<AnalysisRow> analyses;

  // Rows counted against the writer's queue limit.
  std::size_t row_count() const {
    return samples.size() + steps.size() + cycles.size() + events.size() + checkpoints.size() + states.size() +
           spectra.size() + analyses.size();
  }
  // Bytes counted against the writer's queue limit: each row's fixed part and its texts (what the rows
  // hold, not what the allocator adds around them).
  std::size_t byte_size() const {
    std::size_t n = samples.size() * sizeof(SampleRow) + cycles.size() * sizeof(CycleSummaryRow);
    for (const auto& r : steps) n += sizeof r + r.kind.size() + r.end_reason.size();
    for (const auto& r : events) n += sizeof r + r.kind.size() + r.text.size() + r.who.size() + r.data_json.size();
    for (const auto& r : checkpoints) n += sizeof r + r.engine_state.size() + r.driver_snapshot.size();
    for (const auto& r : states) n += sizeof r + r.state.size();
    for (const auto& r : spectra) n += sizeof r + r.points_json.size();
    for (const auto& r : analyses) n += sizeof r + r.kind.size() + r.key.size() + r.result_json.size() + r.result_bytes;
    return n;
  }
};

// A cell under test: every field of DESIGN.md's `cells.create`.
struct CellRow {
  std::string name;
  double active_mass_mg = 0;
  std::optional<double> nominal_capacity_mAh;
  std::optional<double> electrode_area_cm2;
  std::optional<double> molar_mass_g_mol;
  std::optional<double> molar_volume_cm3_mol;
  std::optional<std::string> first_half;     // "discharge" or "charge"
  std::optional<std::string> sim_preset;
  std::optional<std::string> notes;
};

// A hardware or simulated channel as configured.
struct ChannelRow {
  std::string id;
  std::string driver;
  std::string uri;
  std::string config_json = "{}";
};

// A run as submitted; `protocol_text` is the exact protocol that runs (stored once per distinct text).
struct RunRow {
  std::string channel_id;
  std::string cell_name;
  std::string protocol_name;
  std::string protocol_text;
  std::string params_json = "{}";
  std::string tags_json = "[]";
  std::string state = "queued";
};

// A run as read back, with its latest checkpoint.
struct RunInfo {
  std::int64_t id = 0;
  std::string channel_id;
  std::string cell_name;
  std::int64_t protocol_id = 0;
  std::string protocol_name;
  std::string params_json;
  std::string tags_json;
  std::string state;
  double created_unix_s = 0;
  std::optional<std::string> checkpoint_engine_state;
  std::optional<std::string> checkpoint_driver_snapshot;
  std::optional<std::int64_t> checkpoint_sample_count;
  std::int64_t sample_count = 0;
};

}  // namespace cyclerd::store

#include "daemon/lab/storage_consumer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "daemon/push/record_topics.hpp"
#include "protocols/runner/cycle_summary.hpp"
#include "schema/reader.hpp"

namespace cyclerd::lab {
namespace {

// A batch closes at this many samples or after this much wall time: big enough for cheap transactions at
// speed "max", short enough that a crash loses little and readers see data within a fraction of a second.
constexpr std::size_t kBatchSamples = 4000;
constexpr auto kBatchPeriod = std::chrono::milliseconds(200);

double wall_unix_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The engine's finished cycle as it was before it was stored: the cycle table keeps capacities, energies,
// the first half's current density and the duration, which is all the cycle-level analyzers read.
CycleEnd stored_cycle_end(const store::CycleSummaryRow& row, double mass_g) {
  CycleEnd c;
  c.cycle_index = static_cast<int>(row.cycle_index);
  c.first_half_current_A = row.current_density_A_g && mass_g > 0 ? *row.current_density_A_g * mass_g : 0.0;
  c.charge_Ah = row.charge_capacity_Ah;
  c.discharge_Ah = row.discharge_capacity_Ah;
  c.charge_Wh = row.charge_energy_Wh;
  c.discharge_Wh = row.discharge_energy_Wh;
  c.end_t_s = row.duration_s;
  // Which half came first is not a column, but the stored efficiency (second half over first) says it:
  // take the order that gives it back (either order gives none when the first half passed nothing).
  if (row.coulombic_efficiency) {
    const auto mismatch = [&](bool discharge_first) {
      c.discharge_first = discharge_first;
      const auto ce = analysis::coulombic_efficiency(to_cycle_record(c));
      return ce ? std::abs(*ce - *row.coulombic_efficiency) : std::numeric_limits<double>::infinity();
    };
    const bool discharge_first = mismatch(true) <= mismatch(false);
    c.discharge_first = discharge_first;
  } else {
    c.discharge_first = !(row.discharge_capacity_Ah > 0);
  }
  return c;
}

}  // namespace

analysis::ChannelAnalysisOptions analysis_options(const Protocol& protocol, const StoredRun& run,
                                                  const analysis::GittMaterial& material) {
  // dQ/dV and CV accumulate on a fixed voltage grid: the protocol's safety window, else 0..5 V (every
  // chemistry the lab cycles fits in it; the grid is only coarser).
  const double lo = protocol.safety.v_min_V.value_or(0.0);
  double hi = protocol.safety.v_max_V.value_or(5.0);
  if (!(hi > lo)) hi = lo + 5.0;
  auto o = analysis::ChannelAnalysisOptions::for_cell(run.active_mass_g, lo, hi);
  o.gitt.material = material;
  return o;
}

StepNumbers::StepNumbers(const Protocol& protocol) { add(protocol.steps); }

void StepNumbers::add(const std::vector<Step>& steps) {
  for (const auto& s : steps) {
    const auto id = static_cast<std::int64_t>(steps_.size()) + 1;
    steps_.emplace(s.pointer, std::make_pair(id, std::string(to_string(s.kind()))));
    if (const auto* loop = std::get_if<Loop>(&s.body)) add(loop->steps);
  }
}

std::int64_t StepNumbers::id(std::string_view pointer) const {
  const auto it = steps_.find(pointer);
  return it == steps_.end() ? 0 : it->second.first;
}

std::string StepNumbers::kind(std::string_view pointer) const {
  const auto it = steps_.find(pointer);
  return it == steps_.end() ? "" : it->second.second;
}

StorageConsumer::StorageConsumer(store::Writer& writer, ChannelRunner& runner, const Protocol& protocol, StoredRun run,
                                 Refused refused, const analysis::GittMaterial& material)
    : writer_(writer),
      runner_(runner),
      steps_(protocol),
      run_(run),
      refused_(std::move(refused)),
      analysis_(protocol, analysis_options(protocol, run, material),
                [this](std::string_view kind, const nlohmann::json& row) { store_result(kind, row); }) {
  rebuild_from_storage();
  if (run_.wait_for_storage) {
    runner_.set_sample_gate([this](ChannelRunner::GatePoint point, std::function<void()> go_on) {
      return room_for_batch(point, std::move(go_on));
    });
  }
}

void StorageConsumer::rebuild_from_storage() {
  // Stored cycles went into the same batches as the checkpoint the run resumes from, so they are exactly
  // the cycles before it: replayed in order, the cycle table's running figures (retention, decay,
  // first-cycle efficiency), the rate table's groups and the summary continue where they stopped.
  store::Reader reader(writer_.path());
  // Stamps go on from the last stored sample's, even when the wall clock stepped back while the daemon was
  // down: an accelerated run's stamps never decrease, and a real-time run's start (unix = start + test
  // time) is never earlier than the one its stored samples were stamped with.
  auto last = reader.connection().prepare(
      "SELECT test_time_s, unix_time_s FROM samples WHERE run_id = ? ORDER BY sample_index DESC LIMIT 1");
  last.bind(1, run_.run_id);
  if (last.step()) {
    const double test_time_s = last.column_double(0), unix_s = last.column_double(1);
    last_unix_s_ = std::max(last_unix_s_, unix_s);
    if (!run_.wall_clock_time) run_.start_unix_s = std::max(run_.start_unix_s, unix_s - test_time_s);
  }
  const auto cycles = reader.cycles(run_.run_id);
  replaying_ = true;
  for (const auto& row : cycles) {
    analysis_.on_cycle_end(stored_cycle_end(row, run_.active_mass_g));
  }
  replaying_ = false;
  // The GITT analyzer cannot be rebuilt from stored pulses (it needs the samples of the pulse under way):
  // it starts again, and its pulses are numbered on after the stored ones instead of replacing them.
  for (const auto& a : reader.analyses(run_.run_id, {"gitt"})) {
    const auto pulse = nlohmann::json::parse(a.result_json, nullptr, false);
    if (pulse.is_object() && pulse.contains("pulse_index") && pulse["pulse_index"].is_number_integer()) {
      gitt_pulse_offset_ = std::max(gitt_pulse_offset_, pulse["pulse_index"].get<int>());
    }
  }
}

void StorageConsumer::store_result(std::string_view kind, const nlohmann::json& row) {
  auto count = result_counts_.find(kind);
  if (count == result_counts_.end()) count = result_counts_.emplace(std::string(kind), 0).first;
  const std::int64_t ordinal = count->second++;
  if (replaying_) return;  // stored before the restart, with this very key
  store::AnalysisRow a;
  a.run_id = run_.run_id;
  a.kind = std::string(kind);
  if (kind == "gitt") {
    nlohmann::json pulse = row;
    if (gitt_pulse_offset_ > 0 && pulse.contains("pulse_index")) {
      pulse["pulse_index"] = pulse["pulse_index"].get<int>() + gitt_pulse_offset_;
    }
    // Without the cell's material there is no D: the row says why (which quantity is missing).
    const auto& why = analysis_.analysis().gitt().material_error();
    if (pulse.value("diffusion_cm2_s", nlohmann::json()).is_null() && !why.empty()) pulse["diffusion_error"] = why;
    a.key = analysis_key(kind, pulse, ordinal);
    a.result_json = pulse.dump();
  } else {
    a.key = analysis_key(kind, row, ordinal);
    // Handed over unserialized: the writer's thread turns it into text (a half cycle's dQ/dV curve, 600
    // numbers, took 15 % of an accelerated run's thread to serialize here).
    a.result_bytes = text_size_estimate(row);
    a.result = std::make_shared<const nlohmann::json>(row);
  }
  a.unix_time_s = unix_of(runner_.engine().state().last_t_s);
  // Only the latest result per key goes to storage: a batch never carries a result twice.
  for (auto& pending : batch_.analyses) {
    if (pending.kind == a.kind && pending.key == a.key) {
      pending = std::move(a);
      return;
    }
  }
  batch_.analyses.push_back(std::move(a));
}

double StorageConsumer::unix_of(double channel_t_s) {
  if (!run_.wall_clock_time) return run_.start_unix_s + (channel_t_s - runner_.engine().state().run_start_t_s);
  // The system clock may step back (NTP); the stamps of one run do not.
  last_unix_s_ = std::max(last_unix_s_, wall_unix_s());
  return last_unix_s_;
}

void StorageConsumer::on_record(const RunRecord& r) {
  analysis_.on_record(r);
  const auto& st = runner_.engine().state();
  store::SampleRow row;
  row.run_id = run_.run_id;
  row.index = r.index;
  row.test_time_s = r.sample.t_s - st.run_start_t_s;
  row.unix_time_s = unix_of(r.sample.t_s);
  row.voltage_V = r.sample.voltage_V;
  row.current_A = r.sample.current_A;
  if (r.sample.has_temperature()) row.temperature_C = r.sample.temperature_C;
  row.cycle_index = r.cycle_index;
  row.step_index = r.step_index;
  row.step_id = steps_.id(r.step_id);
  // The engine has taken the sample in: while the step goes on, its progress includes it.
  if (st.step.step_index == r.step_index) {
    row.step_capacity_Ah = st.step.charge_Ah;
    row.step_energy_Wh = st.step.energy_Wh;
  }
  if (step_first_index_ < 0) step_first_index_ = r.index;
  last_index_ = r.index;
  if (run_.push) push::publish(*run_.push, row);
  batch_.samples.push_back(row);
  maybe_submit();
}

void StorageConsumer::on_step_end(const StepEnd& s) {
  store::StepSummaryRow row;
  row.run_id = run_.run_id;
  row.step_index = s.step_index;
  row.step_id = steps_.id(s.step_id);
  row.cycle_index = runner_.engine().state().cycle.index;
  row.kind = steps_.kind(s.step_id);
  row.start_time_s = s.start_t_s - runner_.engine().state().run_start_t_s;
  row.end_time_s = s.end_t_s - runner_.engine().state().run_start_t_s;
  row.first_sample_index = step_first_index_ < 0 ? last_index_ + 1 : step_first_index_;
  row.last_sample_index = last_index_;
  row.capacity_Ah = s.charge_Ah;
  row.energy_Wh = s.energy_Wh;
  row.end_reason = s.reason;
  batch_.steps.push_back(std::move(row));
  step_first_index_ = -1;
}

void StorageConsumer::on_cycle_end(const CycleEnd& c) {
  analysis_.on_cycle_end(c);
  // The run's summary (retention, decay per cycle) changes with every cycle: one row, replaced.
  store_result("summary", analysis_.analysis().cycle_stats().summary());
  const CycleSummary s = summarize(c, run_.active_mass_g);
  store::CycleSummaryRow row;
  row.run_id = run_.run_id;
  row.cycle_index = s.cycle_index;
  row.current_density_A_g = s.current_density_A_g;
  row.charge_capacity_Ah = s.charge_capacity_Ah;
  row.discharge_capacity_Ah = s.discharge_capacity_Ah;
  row.charge_capacity_mAh_g = s.charge_capacity_mAh_g;
  row.discharge_capacity_mAh_g = s.discharge_capacity_mAh_g;
  row.coulombic_efficiency = s.coulombic_efficiency;
  row.charge_energy_Wh = s.charge_energy_Wh;
  row.discharge_energy_Wh = s.discharge_energy_Wh;
  row.mean_charge_voltage_V = s.mean_charge_voltage_V;
  row.mean_discharge_voltage_V = s.mean_discharge_voltage_V;
  row.duration_s = s.duration_s;
  if (run_.push) push::publish(*run_.push, row);
  batch_.cycles.push_back(row);
}

void StorageConsumer::on_event(const RunEvent& e) {
  // Step starts are in the step summaries already; the rest is what people look for in a run's history.
  if (e.kind == "step_started") return;
  store::EventRow row;
  row.run_id = run_.run_id;
  row.unix_time_s = unix_of(e.t_s);
  row.kind = e.kind;
  row.text = e.message;
  row.who = "cyclerd";
  row.data_json = nlohmann::json{{"test_time_s", e.t_s - runner_.engine().state().run_start_t_s}}.dump();
  if (run_.push) push::publish(*run_.push, row);
  batch_.events.push_back(std::move(row));
}

void StorageConsumer::on_spectrum(std::int64_t step_index, const std::vector<ImpedancePoint>& spectrum) {
  nlohmann::json f = nlohmann::json::array(), re = nlohmann::json::array(), im = nlohmann::json::array();
  for (const auto& p : spectrum) f.push_back(p.frequency_Hz), re.push_back(p.z_ohm.real()), im.push_back(p.z_ohm.imag());
  store::SpectrumRow row;
  row.run_id = run_.run_id;
  row.step_index = step_index;
  row.cycle_index = runner_.engine().state().cycle.index;
  row.unix_time_s = unix_of(runner_.engine().state().last_t_s);
  row.points_json = nlohmann::json{{"frequency_Hz", f}, {"z_real_ohm", re}, {"z_imag_ohm", im}}.dump();
  batch_.spectra.push_back(std::move(row));
  analysis_.on_spectrum(step_index, spectrum);
}

void StorageConsumer::on_run_end(RunState state) {
  if (state == RunState::interrupted) return;
  analysis_.on_run_end(state);  // closes open half-cycles, the last rate group, CV tracks and kinetics
  // GITT pulses learn their state of charge only once the titration is over: store them again.
  if (!analysis_.analysis().gitt().pulses().empty()) {
    // Kept in a local: a range-for over a member of the temporary results() would read freed memory.
    const nlohmann::json results = analysis_.analysis().results();
    for (const auto& pulse : results["gitt"]) store_result("gitt", pulse);
  }
}

void StorageConsumer::add_state(RunState state, const std::string& who, const std::string& why) {
  const double now = wall_unix_s();
  batch_.states.push_back({run_.run_id, std::string(to_string(state)), now});
  store::EventRow row;
  row.run_id = run_.run_id;
  row.unix_time_s = now;
  row.kind = "state";
  row.text = why;
  row.who = who;
  row.data_json = nlohmann::json{{"state", to_string(state)}}.dump();
  if (run_.push) push::publish(*run_.push, row);
  batch_.events.push_back(std::move(row));
}

void StorageConsumer::maybe_submit() {
  if (checkpoint_asked_) return;
  if (batch_.samples.size() < kBatchSamples && std::chrono::steady_clock::now() - last_submit_ < kBatchPeriod) return;
  checkpoint_asked_ = true;
  // Answered between this sample and the next: every row of the batch is then before the checkpoint.
  runner_.request_checkpoint([this](RunCheckpoint cp) {
    checkpoint_asked_ = false;
    submit(cp);
  });
}

bool StorageConsumer::room_for_batch(ChannelRunner::GatePoint point, std::function<void()> go_on) {
  // Between samples only a batch about to be handed over (its checkpoint asked for) adds to the queue; a
  // stopping run hands over all it holds (up to kBatchSamples), which must find room like any batch.
  if (point == ChannelRunner::GatePoint::between_samples && !checkpoint_asked_) return true;
  // Beside the rows: the checkpoint, and a stopping run's state change with its event.
  const std::size_t extra_rows = point == ChannelRunner::GatePoint::stopping ? 3 : 1;
  const store::QueueBounds size{batch_.row_count() + extra_rows, batch_.byte_size() + checkpoint_bytes_};
  // The writer calls back on its own thread; the run goes on on its executor, if it still exists.
  return writer_.room_for(size, [executor = *run_.wait_for_storage, alive = std::weak_ptr<int>(alive_),
                                 go_on = std::move(go_on)]() mutable {
    boost::asio::post(executor, [alive = std::move(alive), go_on = std::move(go_on)] {
      if (alive.lock()) go_on();
    });
  });
}

bool StorageConsumer::submit(const RunCheckpoint& checkpoint, std::uint64_t* sequence) {
  last_submit_ = std::chrono::steady_clock::now();
  store::CheckpointRow cp;
  cp.run_id = run_.run_id;
  // The driver snapshot goes in its own column; the rest (engine state and counters) in the other.
  nlohmann::json runner_part = checkpoint;
  runner_part.erase("driver");
  cp.engine_state = runner_part.dump();
  cp.driver_snapshot = checkpoint.driver.dump();
  cp.unix_time_s = wall_unix_s();
  checkpoint_bytes_ = sizeof cp + cp.engine_state.size() + cp.driver_snapshot.size();
  batch_.checkpoints.assign(1, std::move(cp));
  const auto result = writer_.submit(std::move(batch_));
  if (!result.accepted()) {
    batch_.checkpoints.clear();
    if (!refused_reported_) {
      refused_reported_ = true;
      const std::string why = result.message.empty() ? "storage refused a batch" : result.message;
      // On record as soon as storage takes rows again, in order with the rows that waited.
      store::EventRow event{run_.run_id, wall_unix_s(), "storage_error", "recording paused: " + why, "cyclerd",
                            nlohmann::json{{"queue_full", result.status == store::SubmitStatus::queue_full}}.dump()};
      if (run_.push) push::publish(*run_.push, event);
      batch_.events.push_back(std::move(event));
    }
    // Every refusal, not just the first: the run may not have been able to pause the last time.
    if (refused_) refused_(result.message.empty() ? "storage refused a batch" : result.message);
    return false;
  }
  refused_reported_ = false;
  batch_ = {};
  if (sequence) *sequence = result.sequence;
  return true;
}

}  // namespace cyclerd::lab

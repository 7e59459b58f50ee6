// The run lifecycle: start the next queued run of a channel, control it, record every change (with who
// made it) as a state row and an event, and end it. Legal moves come from the engine's run-state table.
#include <chrono>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "daemon/lab/lab.hpp"
#include "daemon/push/record_topics.hpp"
#include "daemon/rpc/rpc_error.hpp"
#include "drivers/sim/model/cell_params.hpp"
#include "drivers/sim/sim_driver.hpp"
#include "protocols/resolve.hpp"

namespace cyclerd::lab {

using nlohmann::json;

namespace {
double wall_unix_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The test time a checkpoint stopped at (its last sample, from the run's start).
double resume_test_time_s(const RunCheckpoint& cp) { return cp.engine.last_t_s - cp.engine.run_start_t_s; }
}  // namespace

void Lab::set_state(std::int64_t run_id, RunState state) { live_[run_id].state = state; }

void Lab::record_state(std::int64_t run_id, RunState state, const std::string& who, const std::string& why) {
  store::RecordBatch batch;
  batch.states.push_back({run_id, std::string(to_string(state)), wall_unix_s()});
  batch.events.push_back({run_id, wall_unix_s(), "state", why, who, json{{"state", to_string(state)}}.dump()});
  push::publish(push_, batch.events.back());
  const auto r = writer_->submit(std::move(batch));
  if (!r.accepted()) throw rpc::RpcError::storage_error("the change was not recorded: " + r.message);
  live_[run_id].state = state;
}

store::RunInfo Lab::run_info(std::int64_t run_id) {
  auto info = reader_->run(run_id);
  if (!info) throw rpc::RpcError::not_found("no run " + std::to_string(run_id));
  return *info;
}

void Lab::start_next(Channel& ch) {
  if (ch.run || ch.faulted || !ch.online || shutdown_done_) return;
  while (!ch.queue.empty()) {
    const std::int64_t id = ch.queue.front();
    ch.queue.pop_front();
    if (live_[id].state != RunState::queued) continue;  // cancelled meanwhile
    try {
      launch(ch, run_info(id), std::nullopt, false);
    } catch (const std::exception& e) {
      spdlog::get("daemon")->error("run {} on {} could not start: {}", id, ch.config.id, e.what());
      ch.run.reset();
      record_state(id, RunState::failed, "cyclerd", std::string("could not start: ") + e.what());
      continue;
    }
    return;
  }
}

void Lab::launch(Channel& ch, const store::RunInfo& info, const std::optional<RunCheckpoint>& resume, bool hold) {
  auto text_stmt = reader_->connection().prepare("SELECT text FROM protocols WHERE id=?");
  text_stmt.bind(1, info.protocol_id);
  if (!text_stmt.step()) throw Error(ErrorCode::not_found, "the run's protocol is missing");
  ParseResult parsed = parse_run_protocol(text_stmt.column_text(0), json::parse(info.params_json));
  if (!parsed.ok()) throw Error(ErrorCode::invalid_input, parsed.errors.front().message);
  const auto cell = this->cell(info.cell_name);
  if (!cell) throw Error(ErrorCode::not_found, "the run's cell is missing");
  const double mass_g = cell->active_mass_mg * 1e-3;
  CellInfo ci{mass_g, cell->nominal_capacity_mAh ? std::optional<double>(*cell->nominal_capacity_mAh * 1e-3) : std::nullopt};
  const Protocol protocol = resolve(*parsed.protocol, ci);

  auto run = std::make_unique<ActiveRun>();
  run->run_id = info.id;
  run->cell = info.cell_name;
  run->protocol_name = info.protocol_name;
  run->active_mass_g = mass_g;
  run->top_level_steps = static_cast<std::int64_t>(std::max<std::size_t>(1, protocol.steps.size()));
  auto* sim = dynamic_cast<SimDriver*>(ch.driver.get());
  if (sim && !resume) {
    // A simulated channel simulates the run's cell: its own preset if set, else the channel's, at its mass.
    sim->load_cell(0, sim::load_preset(cell->sim_preset.value_or(ch.sim_preset())), mass_g);
  }
  EngineOptions options;
  options.lands_on_limits = ch.driver->capabilities(0).lands_on_limits;
  if (cell->first_half) options.discharge_first = *cell->first_half == "discharge";
  run->runner = std::make_unique<ChannelRunner>(*ch.driver, 0, protocol, options);
  // Sample times on the wall clock: an accelerated simulation stamps each sample when it is taken (its
  // test time runs ahead of the wall); a real-time channel keeps pace with the wall, so the run's start
  // plus test time is the acquisition time, and after a restart the start moves on by the time the
  // daemon was away.
  const bool accelerated = sim && sim->speed() != std::optional<double>(1.0);
  const double start_unix = resume ? wall_unix_s() - resume_test_time_s(*resume) : wall_unix_s();
  // Named fields: StoredRun grows (push, analysis) and a positional list would silently shift.
  StoredRun stored;
  stored.run_id = info.id;
  stored.active_mass_g = mass_g;
  stored.start_unix_s = start_unix;
  stored.push = &push_;
  stored.wall_clock_time = accelerated;
  // A simulation ahead of the wall clock can wait for storage (back-pressure); a real-time channel cannot.
  if (accelerated) stored.wait_for_storage = boost::asio::any_io_executor(ch.strand);
  // The cell's material, for GITT diffusion coefficients (the analyzer names a missing quantity).
  analysis::GittMaterial material;
  material.molar_mass_g_mol = cell->molar_mass_g_mol;
  material.molar_volume_cm3_mol = cell->molar_volume_cm3_mol;
  material.electrode_area_cm2 = cell->electrode_area_cm2;
  run->storage = std::make_unique<StorageConsumer>(
      *writer_, *run->runner, protocol, stored,
      [this, &ch](const std::string& why) {
        // Storage cannot take the run's data: pause safely and say why; the rows wait in memory.
        // Called on every refused batch until the pause is taken (a run that has not started its first
        // step cannot pause yet; the next refusal asks again).
        if (!ch.run || ch.run->paused_by_storage || ch.run->runner->paused()) return;
        pause_for_storage(*ch.run, why);
      },
      material);
  run->runner->subscribe(*run->storage);
  run->runner->subscribe(run->watch);
  run->runner->on_paused([this, &ch] { on_paused(ch); });
  ch.run = std::move(run);
  auto done = [this, &ch](RunState s) {
    // Called from inside the runner: finish on the next turn, when the runner is no longer on the stack.
    boost::asio::post(ch.strand, [this, &ch, s] { on_done(ch, s); });
  };
  if (resume) {
    if (sim && !resume->driver.is_null()) sim->restore(0, resume->driver);
    if (hold && resume->engine.run_state != RunState::paused) {
      // Held: the runner is restored already paused, so it takes no sample and applies no setpoint until
      // a person resumes (the engine's pause is only its state; resuming applies the step's setpoint
      // again), and the output is made safe before the pause is recorded.
      RunCheckpoint held = *resume;
      held.engine.run_state = RunState::paused;
      ch.run->pause_who = "cyclerd";
      ch.run->pause_why = "held after a restart (on_restart: hold); resume when the channel has been checked";
      ch.run->runner->async_resume(held, done);
      set_state(info.id, RunState::paused);
      ch.driver->async_safe(0, [this, &ch, run_id = info.id](std::optional<Error> e) {
        if (!ch.run || ch.run->run_id != run_id) return;
        if (e) spdlog::get("daemon")->error("run {}: channel {} could not be made safe: {}", run_id, ch.config.id, e->what());
        on_paused(ch);
      });
      return;
    }
    ch.run->runner->async_resume(*resume, done);
    set_state(info.id, ch.run->runner->paused() ? RunState::paused : RunState::running);
    if (!ch.run->runner->paused()) {
      ch.run->storage->add_state(RunState::running, "cyclerd", "resumed from its checkpoint after a restart");
    }
    return;
  }
  ch.run->storage->add_state(RunState::running, "cyclerd", "started on " + ch.config.id);
  set_state(info.id, RunState::running);
  ch.run->runner->async_run(done, sim ? sim->cell(0).time_s() : 0.0);
}

void Lab::on_paused(Channel& ch) {
  ActiveRun& run = *ch.run;
  run.storage->add_state(RunState::paused, run.pause_who, run.pause_why.empty() ? "paused by " + run.pause_who : run.pause_why);
  run.storage->submit(run.runner->checkpoint());  // exact: the runner is idle between two samples
  set_state(run.run_id, RunState::paused);
  if (run.paused_by_storage) alerts_.notify("storage_warning", {{"run_id", run.run_id}, {"message", run.pause_why}});
}

void Lab::on_done(Channel& ch, RunState state) {
  if (!ch.run) return;
  ActiveRun& run = *ch.run;
  std::string why, who = "cyclerd";
  switch (state) {
    case RunState::completed: why = "completed"; break;
    case RunState::stopped: who = run.pause_who.empty() ? "cyclerd" : run.pause_who; why = "stopped by " + who; break;
    case RunState::interrupted: why = "the daemon stopped under it (checkpointed)"; break;
    default: why = run.watch.failure_message.empty() ? "failed" : run.watch.failure_message; break;
  }
  run.storage->add_state(state, who, why);
  std::uint64_t sequence = 0;
  const bool stored = run.storage->submit(run.runner->checkpoint(), &sequence);
  if (stored) writer_->commit_soon();  // clients wait for the final state, shown once stored
  live_[run.run_id] = LiveRun{state, ch.config.id, stored ? sequence : LiveRun::kNotSubmitted};
  const json details = {{"run_id", run.run_id}, {"channel", ch.config.id}, {"cell", run.cell},
                        {"protocol", run.protocol_name}, {"state", to_string(state)}, {"reason", why}};
  if (state == RunState::completed) alerts_.notify("completed", details);
  if (state == RunState::failed) {
    if (run.watch.failure_kind == "safety_trip") alerts_.notify("safety_trip", details);
    alerts_.notify("failed", details);
    // An instrument fault isolates the channel until a person resets it; a safety trip is the cell's.
    if (run.watch.failure_kind != "safety_trip") {
      ch.faulted = true;
      ch.fault_reason = why;
    }
  }
  const bool shutting_down = run.shutting_down;
  if (stored) {
    ch.run.reset();
  } else {
    // Storage refuses the last rows (it is failing, or its queue is full): they wait in the run's consumer
    // until it takes them, and the run shows as running until then. The channel itself is free.
    spdlog::get("daemon")->error("run {}: {} but storage refused its last rows; they wait for storage", run.run_id,
                                 why);
    ch.ended_unstored.push_back(std::move(ch.run));
    store_ended_runs();
  }
  if (shutting_down) {
    ch.driver->async_safe(0, [this](std::optional<Error>) {
      for (const auto& c : channels_) {
        if (c->run) return;
      }
      if (shutdown_done_) std::exchange(shutdown_done_, nullptr)();
    });
    return;
  }
  start_next(ch);
}

void Lab::store_ended_runs() {
  bool waiting = false;
  for (auto& ch : channels_) {
    auto& ended = ch->ended_unstored;
    for (auto it = ended.begin(); it != ended.end();) {
      ActiveRun& run = **it;
      std::uint64_t sequence = 0;
      // The runner has ended: its checkpoint is final and equal to the one refused.
      if (!run.storage->submit(run.runner->checkpoint(), &sequence)) {
        waiting = true;
        ++it;
        continue;
      }
      spdlog::get("daemon")->info("run {}: its last rows are stored", run.run_id);
      live_[run.run_id].final_sequence = sequence;
      it = ended.erase(it);
    }
  }
  if (!waiting || ended_retry_ || shutting_down_) return;
  ended_retry_ = std::make_unique<boost::asio::steady_timer>(io_, std::chrono::seconds(1));
  ended_retry_->async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& e) {
    if (e || !alive.lock()) return;
    ended_retry_.reset();
    store_ended_runs();
  });
}

void Lab::pause(std::int64_t run_id, const std::string& who) {
  ActiveRun* run = active(run_id);
  if (!run) transition(run_state_from(run_info(run_id).state), RunState::paused);
  if (!run) throw rpc::RpcError::invalid_state("run " + std::to_string(run_id) + " is not executing");
  run->runner->request_pause();  // invalid_state from the table when not running
  run->pause_who = who;
  run->pause_why = "paused by " + who;
}

void Lab::resume(std::int64_t run_id, const std::string& who) {
  ActiveRun* run = active(run_id);
  if (!run || !run->runner->paused()) {
    throw rpc::RpcError::invalid_state("run " + std::to_string(run_id) + " is not paused");
  }
  if (writer_->failing()) throw rpc::RpcError::storage_error("storage is failing: " + writer_->last_error());
  // What waited while storage was failing goes first, so nothing is lost or reordered.
  if (run->storage->has_pending() && !run->storage->submit(run->runner->checkpoint())) {
    throw rpc::RpcError::storage_error("storage still refuses the run's data");
  }
  run->paused_by_storage = false;
  run->storage->add_state(RunState::running, who, "resumed by " + who);
  set_state(run_id, RunState::running);
  run->runner->resume();
}

void Lab::stop(std::int64_t run_id, const std::string& who) {
  ActiveRun* run = active(run_id);
  if (!run) {
    transition(run_state_from(run_info(run_id).state), RunState::stopped);
    throw rpc::RpcError::invalid_state("run " + std::to_string(run_id) + " is not executing (cancel a queued run)");
  }
  run->runner->request_stop(who);
  run->pause_who = who;
}

void Lab::skip_step(std::int64_t run_id, const std::string& who) {
  ActiveRun* run = active(run_id);
  if (!run) throw rpc::RpcError::invalid_state("run " + std::to_string(run_id) + " is not executing");
  try {
    run->runner->request_skip(who);  // the engine records the skip as an event with who did it
  } catch (const Error& e) {
    throw rpc::RpcError::invalid_state(e.message());
  }
}

void Lab::cancel(std::int64_t run_id, const std::string& who) {
  const auto info = run_info(run_id);
  const RunState now = live_.count(run_id) ? live_[run_id].state : run_state_from(info.state);
  transition(now, RunState::cancelled);  // only a queued run can be cancelled; the error says what can
  record_state(run_id, RunState::cancelled, who, "cancelled by " + who);
}

void Lab::note(std::int64_t run_id, const std::string& text, const std::string& who) {
  run_info(run_id);
  store::RecordBatch batch;
  batch.events.push_back({run_id, wall_unix_s(), "note", text, who, "{}"});
  push::publish(push_, batch.events.back());
  if (!writer_->submit(std::move(batch)).accepted()) throw rpc::RpcError::storage_error("the note was not stored");
}

json Lab::run_status(const store::RunInfo& info) {
  RunState state = run_state_from(info.state);
  if (const auto it = live_.find(info.id); it != live_.end()) {
    state = it->second.state;
    // A final state is shown once its last rows are stored, so cycles and samples are complete by then.
    if (is_terminal(state) && writer_->acknowledged() < it->second.final_sequence) state = RunState::running;
  }
  json out = {{"run_id", info.id}, {"channel", info.channel_id}, {"cell", info.cell_name},
              {"protocol", info.protocol_name}, {"state", to_string(state)},
              {"params", json::parse(info.params_json)}, {"tags", json::parse(info.tags_json)},
              {"created_unix_s", info.created_unix_s}, {"samples", info.sample_count},
              {"progress", is_terminal(state) && state == RunState::completed ? json(1.0) : json(nullptr)},
              {"elapsed_s", nullptr}, {"time_left_s", nullptr}, {"step", nullptr}, {"cycle", nullptr}};
  if (ActiveRun* run = active(info.id)) {
    const auto& st = run->runner->engine().state();
    const double elapsed = st.last_t_s - st.run_start_t_s;
    // Progress by top-level step: coarse but honest; time left extrapolates the channel's own time.
    const double p = std::clamp(static_cast<double>(st.frames.empty() ? 0 : st.frames.front().index) /
                                    static_cast<double>(run->top_level_steps), 0.0, 1.0);
    out["progress"] = p;
    out["elapsed_s"] = elapsed;
    if (p > 0) out["time_left_s"] = elapsed * (1 - p) / p;
    out["step"] = st.step.step_index;
    out["cycle"] = st.cycle.index;
  }
  return out;
}

// Asks the run to pause because storage refuses its data. The run counts as paused by storage only once
// the runner took the request; a refused request (e.g. before the first step runs) is asked again by the
// next refused batch instead of being forgotten.
void Lab::pause_for_storage(ActiveRun& run, const std::string& why) {
  try {
    run.runner->request_pause();
  } catch (const Error& e) {
    spdlog::get("daemon")->warn("run {}: storage refuses its data but it cannot pause yet: {}", run.run_id, e.what());
    return;
  }
  run.paused_by_storage = true;
  run.pause_who = "cyclerd";
  run.pause_why = "storage: " + why;
}

void Lab::storage_status(const store::StorageStatus& s) {
  using K = store::StorageStatus::Kind;
  auto log = spdlog::get("daemon");
  if (s.kind == K::queue_full) {
    // Only the producer that was refused must stop: a run pauses itself (its consumer's refusal handler),
    // a state change or note is refused to its caller. Pausing every run here also paused the fast runs
    // that the sample gate holds back, which are never refused and need no pause.
    log->error("storage: {}", s.message);
  } else if (s.kind == K::failed) {
    // Every commit fails now: every run would be refused at its next batch, so all pause at once.
    log->error("storage: {}", s.message);
    for (auto& ch : channels_) {
      if (!ch->run || ch->run->paused_by_storage || ch->run->runner->paused()) continue;
      pause_for_storage(*ch->run, s.message);
    }
  } else if (s.kind == K::recovered) {
    log->info("storage recovered: paused runs may be resumed");
    store_ended_runs();
    for (auto& ch : channels_) {
      if (ch->run && ch->run->paused_by_storage && ch->run->runner->paused()) {
        ch->run->storage->submit(ch->run->runner->checkpoint());
      }
    }
  } else if (s.kind == K::wal_warning || s.kind == K::rejected) {
    log->warn("storage: {}", s.message);
    alerts_.notify("storage_warning", {{"message", s.message}});
  }
}

}  // namespace cyclerd::lab

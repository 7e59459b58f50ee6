#include "protocols/runner/channel_runner.hpp"

#include <utility>

namespace cyclerd {

void to_json(nlohmann::json& j, const RunCheckpoint& c) {
  j = nlohmann::json{{"engine", c.engine},
                     {"driver", c.driver},
                     {"next_record_index", c.next_record_index},
                     {"samples", c.samples}};
}

void from_json(const nlohmann::json& j, RunCheckpoint& c) {
  j.at("engine").get_to(c.engine);
  c.driver = j.at("driver");
  j.at("next_record_index").get_to(c.next_record_index);
  j.at("samples").get_to(c.samples);
}

ChannelRunner::ChannelRunner(Driver& driver, std::size_t channel, Protocol protocol, EngineOptions options)
    : driver_(driver), channel_(channel), engine_(std::move(protocol), options) {}

void ChannelRunner::subscribe(RunConsumer& consumer) { consumers_.push_back(&consumer); }

void ChannelRunner::async_run(Done done, double t0_s) {
  done_ = std::move(done);
  handle(engine_.start(t0_s));
}

void ChannelRunner::async_resume(const RunCheckpoint& cp, Done done) {
  done_ = std::move(done);
  engine_.restore(cp.engine);
  next_record_index_ = cp.next_record_index;
  samples_ = cp.samples;
  // A run checkpointed while paused stays paused until a person resumes it.
  if (cp.engine.run_state == RunState::paused) {
    paused_ = true;
    return;
  }
  // The driver's snapshot holds the setpoint it was executing: only a pending spectrum must be asked again.
  Decision d;
  if (cp.engine.step.awaiting_impedance) {
    d.measure_impedance = engine_.current_setpoint().eis;
  }
  handle(std::move(d));
}

void ChannelRunner::request_checkpoint(std::function<void(RunCheckpoint)> handler) {
  checkpoint_requests_.push_back(std::move(handler));
}

RunCheckpoint ChannelRunner::checkpoint() const {
  RunCheckpoint cp;
  cp.engine = engine_.state();
  if (auto snap = driver_.snapshot(channel_)) cp.driver = std::move(*snap);
  cp.next_record_index = next_record_index_;
  cp.samples = samples_;
  return cp;
}

void ChannelRunner::handle(Decision d) {
  for (const auto& e : d.events) {
    for (auto* c : consumers_) c->on_event(e);
  }
  for (const auto& s : d.step_ends) {
    for (auto* c : consumers_) c->on_step_end(s);
  }
  for (const auto& cy : d.cycle_ends) {
    for (auto* c : consumers_) c->on_cycle_end(cy);
  }
  if (d.make_safe) {
    driver_.async_safe(channel_, [this](std::optional<Error>) { made_safe(); });
    return;
  }
  if (d.measure_impedance) {
    driver_.async_measure_impedance(channel_, *d.measure_impedance,
                                    [this](std::optional<Error> error, std::vector<ImpedancePoint> spectrum) {
                                      if (error) return fail(error->what());
                                      const auto step = engine_.state().step.step_index;
                                      for (auto* c : consumers_) c->on_spectrum(step, spectrum);
                                      handle(engine_.on_impedance_measured());
                                    });
    return;
  }
  if (d.setpoint) {
    driver_.async_apply(channel_, *d.setpoint, [this](std::optional<Error> error) {
      if (error) return fail(error->what());
      next_sample();
    });
    return;
  }
  next_sample();
}

void ChannelRunner::next_sample() {
  if (gate_ && !gate_(GatePoint::between_samples, [this] { next_sample(); })) return;
  // Between two samples the engine and the driver agree: the only moment a checkpoint is exact.
  if (!checkpoint_requests_.empty()) {
    const RunCheckpoint cp = checkpoint();
    auto requests = std::move(checkpoint_requests_);
    checkpoint_requests_.clear();
    for (auto& r : requests) r(cp);
  }
  if (pending_ != Control::none) {
    const Control c = std::exchange(pending_, Control::none);
    if (c == Control::pause) return handle(engine_.pause());
    if (c == Control::skip) return handle(engine_.skip_step(std::move(pending_who_)));
    return handle(engine_.stop(std::move(pending_who_)));
  }
  if (interrupt_at_ && samples_ >= *interrupt_at_) {
    for (auto* c : consumers_) c->on_run_end(RunState::interrupted);
    if (done_) done_(RunState::interrupted);
    return;
  }
  driver_.async_next_sample(channel_, [this](std::optional<Error> error, Sample s) { on_sample(std::move(error), s); });
}

void ChannelRunner::on_sample(std::optional<Error> error, const Sample& s) {
  if (error) return fail(error->what());
  ++samples_;
  Decision d;
  try {
    d = engine_.on_sample(s);
  } catch (const Error& e) {
    return fail(e.what());
  }
  if (d.record) {
    const RunRecord r{next_record_index_++, s, d.step_index, d.step_id, d.cycle_index};
    for (auto* c : consumers_) c->on_record(r);
  }
  handle(std::move(d));
}

void ChannelRunner::request_pause() {
  transition(engine_.state().run_state, RunState::paused);  // refuses early, naming the legal moves
  pending_ = Control::pause;
}

void ChannelRunner::request_stop(std::string who) {
  transition(engine_.state().run_state, RunState::stopped);
  if (paused_) {
    paused_ = false;
    return handle(engine_.stop(std::move(who)));
  }
  pending_ = Control::stop;
  pending_who_ = std::move(who);
}

void ChannelRunner::request_skip(std::string who) {
  if (engine_.state().run_state != RunState::running || paused_) {
    throw Error(ErrorCode::invalid_state, "only a running run can skip a step");
  }
  if (pending_ != Control::none) return;  // a pause or stop already waits; it wins
  pending_ = Control::skip;
  pending_who_ = std::move(who);
}

void ChannelRunner::resume() {
  if (!paused_) throw Error(ErrorCode::invalid_state, "the run is not paused");
  paused_ = false;
  handle(engine_.resume());
}

void ChannelRunner::fail(const std::string& why) {
  if (is_terminal(engine_.state().run_state)) return finish();
  handle(engine_.fail(why));
}

void ChannelRunner::made_safe() {
  if (engine_.state().run_state != RunState::paused) return finish();
  if (gate_ && !gate_(GatePoint::stopping, [this] { made_safe(); })) return;
  paused_ = true;
  if (on_paused_) on_paused_();
}

void ChannelRunner::finish() {
  // The consumers hand over the run's last rows now: a gate that holds samples holds these too.
  if (gate_ && !gate_(GatePoint::stopping, [this] { finish(); })) return;
  const RunState state = engine_.state().run_state;
  for (auto* c : consumers_) c->on_run_end(state);
  if (done_) done_(state);
}

}  // namespace cyclerd

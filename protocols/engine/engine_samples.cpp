// The engine's reaction to samples, spectra and people: safety, accounting, end conditions, records.
#include <cmath>
#include <cstdio>
#include <utility>
#include <variant>

#include "core/error.hpp"
#include "protocols/engine/end_conditions.hpp"
#include "protocols/engine/engine.hpp"
#include "protocols/engine/record_policy.hpp"
#include "protocols/engine/sweep_programme.hpp"

namespace cyclerd {
namespace {

constexpr double kTimeTolerance_s = 1e-9;

std::string describe(const char* what, double value, const char* unit, const char* side, double limit,
                     const char* key) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s %.6g %s %s the safety limit %.6g %s (/safety/%s)", what, value, unit, side, limit,
                unit, key);
  return buf;
}

}  // namespace

std::optional<std::string> Engine::safety_trip(const Sample& s) const {
  const SafetyLimits& l = protocol_.safety;
  if (l.v_min_V && !(s.voltage_V >= *l.v_min_V)) return describe("voltage", s.voltage_V, "V", "below", *l.v_min_V, "v_min");
  if (l.v_max_V && !(s.voltage_V <= *l.v_max_V)) return describe("voltage", s.voltage_V, "V", "above", *l.v_max_V, "v_max");
  if (l.i_max && !(std::abs(s.current_A) <= std::abs(l.i_max->value) * (1 + 1e-9))) {
    return describe("|current|", std::abs(s.current_A), "A", "above", std::abs(l.i_max->value), "i_max");
  }
  if (l.temperature_max_C && s.has_temperature() && s.temperature_C > *l.temperature_max_C) {
    return describe("temperature", s.temperature_C, "degC", "above", *l.temperature_max_C, "temperature_max");
  }
  const double elapsed = s.t_s - state_.run_start_t_s;
  if (l.duration_max_s && elapsed > *l.duration_max_s + kTimeTolerance_s) {
    return describe("run time", elapsed, "s", "beyond", *l.duration_max_s, "duration_max");
  }
  return std::nullopt;
}

double Engine::setpoint_current_A() const {
  const Step& step = current_step();
  if (const auto* cc = std::get_if<ConstantCurrent>(&step.body)) return std::abs(cc->current.value);
  if (const auto* cccv = std::get_if<Cccv>(&step.body)) return std::abs(cccv->current.value);
  if (const auto* pulse = std::get_if<Pulse>(&step.body)) return std::abs(pulse->current.value);
  return 0;
}

Decision Engine::on_sample(const Sample& s) {
  if (state_.run_state != RunState::running) {
    throw Error(ErrorCode::invalid_state, "a sample arrived while the run is " + std::string(to_string(state_.run_state)));
  }
  if (state_.step.awaiting_impedance) {
    throw Error(ErrorCode::invalid_state, "a sample arrived while an EIS step waits for its spectrum");
  }
  Decision d = positioned();
  StepProgress& p = state_.step;
  const double dt = s.t_s - state_.last_t_s;
  const double v_prev = state_.have_last_voltage ? state_.last_voltage_V : s.voltage_V;
  p.samples += 1;

  if (auto reason = safety_trip(s)) {
    d.record = true;
    remember_record(state_.record, s, state_.throughput_Ah);
    state_.last_t_s = s.t_s;
    finish_run(d, s.t_s, RunState::failed, "safety_trip", *reason);
    return d;
  }

  // The interval (last sample, this one] ran under the present setpoint: count it in its cycle.
  const int dir = direction(0.5 * (state_.last_t_s + s.t_s));
  if (auto ended = observe_direction(state_.cycle, state_.finished_cycles, dir, setpoint_current_A(), state_.last_t_s)) {
    d.cycle_ends.push_back(*ended);
    forget_unreferenced_cycles();
  }
  d.cycle_index = state_.cycle.index;
  const double dq = s.current_A * dt / 3600.0;
  const double de = s.current_A * 0.5 * (s.voltage_V + v_prev) * dt / 3600.0;
  p.charge_Ah += dq;
  p.energy_Wh += de;
  add_to_cycle(state_.cycle, dq, de);
  for (auto& f : state_.frames) {
    (dq > 0 ? f.charge_Ah : f.discharge_Ah) += std::abs(dq);
    if (!f.seen_voltage) f.v_low_V = f.v_high_V = s.voltage_V;
    f.seen_voltage = true;
    f.v_low_V = std::min(f.v_low_V, s.voltage_V);
    f.v_high_V = std::max(f.v_high_V, s.voltage_V);
  }
  state_.throughput_Ah += std::abs(dq);
  update_slope(p, s);
  state_.last_t_s = s.t_s;
  state_.last_voltage_V = s.voltage_V;
  state_.last_current_A = s.current_A;
  state_.have_last_voltage = true;

  // Decided before the step may end, against the step the sample belongs to.
  d.record = p.samples == 1 || s.has(sample_flag::limit_reached) ||
             should_record(current_step().record, state_.record, s, state_.throughput_Ah);
  const std::int64_t step_before = p.step_index;
  check_progress(d, s);
  if (!d.step_ends.empty() || state_.step.step_index != step_before) d.record = true;
  if (d.record) remember_record(state_.record, s, state_.throughput_Ah);
  return d;
}

void Engine::check_progress(Decision& d, const Sample& s) {
  const Step& step = current_step();
  StepProgress& p = state_.step;
  std::optional<Setpoint> landed;
  if (s.has(sample_flag::limit_reached)) landed = current_setpoint();
  StepMeasures m{s.t_s - p.start_t_s, p.charge_Ah, p.energy_Wh, &s, p.slope_valid, p.slope_V_s,
                 landed ? &*landed : nullptr};

  if (const auto* cccv = std::get_if<Cccv>(&step.body); cccv && p.phase == 0) {
    for (const auto& e : step.until) {
      if (e.measure != Measure::current && first_met({&e, 1}, m)) return end_step(d, s.t_s, e.text);
    }
    const bool up = cccv->current.value > 0;
    if (landed || (up ? s.voltage_V >= cccv->voltage_V : s.voltage_V <= cccv->voltage_V)) {
      p.phase = 1;
      p.phase_start_t_s = s.t_s;
      d.setpoint = current_setpoint();
    }
    return;
  }
  if (const auto* sweep = std::get_if<Sweep>(&step.body)) {
    (void)sweep;
    if (m.elapsed_s + kTimeTolerance_s >= sweep_duration_s(current_setpoint().sweep)) return end_step(d, s.t_s, "done");
  }
  if (const auto* pulse = std::get_if<Pulse>(&step.body)) {
    if (p.phase == 0) {
      const EndCondition* limit = first_met(step.until, m);
      if (limit) p.limit_hit = true;
      if (limit || s.t_s - p.phase_start_t_s + kTimeTolerance_s >= pulse->pulse_s) {
        p.phase = 1;
        p.phase_start_t_s = s.t_s;
        p.slope_valid = false;
        p.slope_anchor_t_s = s.t_s;
        p.slope_anchor_V = s.voltage_V;
        d.setpoint = current_setpoint();
      }
      return;
    }
    StepMeasures relax = m;
    relax.elapsed_s = s.t_s - p.phase_start_t_s;
    if (const EndCondition* e = first_met(pulse->relax_until, relax)) {
      p.pulses_done += 1;
      if (p.limit_hit) return end_step(d, s.t_s, "voltage limit reached, relaxed: " + e->text);
      if (pulse->max_pulses && p.pulses_done >= *pulse->max_pulses) return end_step(d, s.t_s, "pulse count");
      p.phase = 0;
      p.phase_start_t_s = s.t_s;
      d.setpoint = current_setpoint();
    }
    return;
  }
  if (const EndCondition* e = first_met(step.until, m)) end_step(d, s.t_s, e->text);
}

void Engine::end_step(Decision& d, double t_s, std::string reason) {
  const StepProgress& p = state_.step;
  d.step_ends.push_back({p.step_index, current_step().pointer, p.start_t_s, t_s, p.charge_Ah, p.energy_Wh,
                         std::move(reason)});
  state_.frames.back().index += 1;
  d.setpoint.reset();
  settle(d, t_s);
}

void Engine::finish_run(Decision& d, double t_s, RunState how, std::string kind, std::string message) {
  state_.run_state = transition(state_.run_state, how);
  if (auto ended = close_cycle(state_.cycle, state_.finished_cycles, t_s)) {
    d.cycle_ends.push_back(*ended);
    forget_unreferenced_cycles();
  }
  d.setpoint.reset();
  d.measure_impedance.reset();
  d.make_safe = true;
  d.events.push_back({std::move(kind), t_s, std::move(message)});
}

Decision Engine::on_impedance_measured() {
  if (state_.run_state != RunState::running || !state_.step.awaiting_impedance) {
    throw Error(ErrorCode::invalid_state, "no EIS step is waiting for a spectrum");
  }
  Decision d = positioned();
  state_.step.awaiting_impedance = false;
  end_step(d, state_.last_t_s, "spectrum measured");
  return d;
}

Decision Engine::pause() {
  Decision d = positioned();
  state_.run_state = transition(state_.run_state, RunState::paused);
  d.make_safe = true;
  d.events.push_back({"run_paused", state_.last_t_s, "paused"});
  return d;
}

Decision Engine::resume() {
  Decision d = positioned();
  state_.run_state = transition(state_.run_state, RunState::running);
  if (const auto* eis = std::get_if<Eis>(&current_step().body)) {
    d.measure_impedance = eis->params;
  } else {
    d.setpoint = current_setpoint();
  }
  d.events.push_back({"run_resumed", state_.last_t_s, "resumed"});
  return d;
}

Decision Engine::stop(std::string who) {
  Decision d = positioned();
  finish_run(d, state_.last_t_s, RunState::stopped, "run_stopped", "stopped by " + who);
  return d;
}

Decision Engine::skip_step(std::string who) {
  if (state_.run_state != RunState::running) {
    throw Error(ErrorCode::invalid_state, "only a running run can skip a step; this one is " +
                                              std::string(to_string(state_.run_state)));
  }
  Decision d = positioned();
  state_.step.awaiting_impedance = false;
  d.events.push_back({"step_skipped", state_.last_t_s, "step " + current_step().pointer + " skipped by " + who});
  end_step(d, state_.last_t_s, "skipped by " + who);
  return d;
}

Decision Engine::fail(std::string reason) {
  Decision d = positioned();
  finish_run(d, state_.last_t_s, RunState::failed, "run_failed", std::move(reason));
  return d;
}

void Engine::restore(const EngineState& state) {
  // A state from another protocol would point outside its step tree: refuse it here, not mid-run.
  const std::vector<Step>* list = &protocol_.steps;
  for (std::size_t k = 0; k < state.frames.size(); ++k) {
    const auto i = state.frames[k].index;
    const bool last = k + 1 == state.frames.size();
    if (i < 0 || static_cast<std::size_t>(i) >= list->size() ||
        (!last && !std::holds_alternative<Loop>((*list)[static_cast<std::size_t>(i)].body))) {
      throw Error(ErrorCode::invalid_input, "the engine state does not fit protocol " + protocol_.name);
    }
    if (!last) list = &std::get<Loop>((*list)[static_cast<std::size_t>(i)].body).steps;
  }
  state_ = state;
  if (!state_.frames.empty()) locate_current();
}

}  // namespace cyclerd

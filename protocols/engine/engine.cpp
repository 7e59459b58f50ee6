#include "protocols/engine/engine.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <variant>

#include "core/error.hpp"
#include "protocols/engine/end_conditions.hpp"
#include "protocols/engine/record_policy.hpp"
#include "protocols/engine/sweep_programme.hpp"

namespace cyclerd {
namespace {


int sign(double x) { return x > 0 ? 1 : (x < 0 ? -1 : 0); }

// The step list that frame `level` walks.
const std::vector<Step>& list_at(const Protocol& p, const std::vector<LoopFrame>& frames, std::size_t level) {
  const std::vector<Step>* list = &p.steps;
  for (std::size_t k = 0; k < level; ++k) {
    list = &std::get<Loop>((*list)[static_cast<std::size_t>(frames[k].index)].body).steps;
  }
  return *list;
}

}  // namespace

namespace {
void collect_referenced_cycles(const std::vector<Step>& steps, std::vector<int>& out) {
  for (const auto& step : steps) {
    const auto* loop = std::get_if<Loop>(&step.body);
    if (!loop) continue;
    for (const auto& c : loop->until) {
      if (c.reference == Reference::of_cycle) out.push_back(c.reference_cycle);
    }
    collect_referenced_cycles(loop->steps, out);
  }
}
}  // namespace

Engine::Engine(Protocol protocol, EngineOptions options) : protocol_(std::move(protocol)), options_(options) {
  collect_referenced_cycles(protocol_.steps, referenced_cycles_);
}

void Engine::forget_unreferenced_cycles() {
  auto& finished = state_.finished_cycles;
  std::erase_if(finished, [this](const CycleCharges& c) {
    return std::find(referenced_cycles_.begin(), referenced_cycles_.end(), c.cycle_index) == referenced_cycles_.end();
  });
}

void Engine::locate_current() {
  const auto level = state_.frames.size() - 1;
  current_ = &list_at(protocol_, state_.frames, level)[static_cast<std::size_t>(state_.frames.back().index)];
}

Decision Engine::positioned() const {
  Decision d;
  d.cycle_index = state_.cycle.index;
  if (!state_.frames.empty() && !is_terminal(state_.run_state)) {
    d.step_index = state_.step.step_index;
    d.step_id = current_step().pointer;
  }
  return d;
}

Decision Engine::start(double t_s) {
  state_.run_state = transition(state_.run_state, RunState::running);
  state_.run_start_t_s = t_s;
  state_.last_t_s = t_s;
  state_.cycle.start_t_s = t_s;
  if (options_.discharge_first) state_.cycle.order = *options_.discharge_first ? -1 : 1;
  state_.frames = {LoopFrame{}};
  Decision d;
  d.events.push_back({"run_started", t_s, "protocol " + protocol_.name});
  settle(d, t_s);
  const Decision where = positioned();
  d.step_index = where.step_index;
  d.step_id = where.step_id;
  d.cycle_index = where.cycle_index;
  return d;
}

void Engine::settle(Decision& d, double t_s) {
  for (;;) {
    LoopFrame& f = state_.frames.back();
    const auto& list = list_at(protocol_, state_.frames, state_.frames.size() - 1);
    if (f.index >= static_cast<int>(list.size())) {
      if (state_.frames.size() == 1) {
        finish_run(d, t_s, RunState::completed, "run_completed", "every step done");
        return;
      }
      const auto& parent = list_at(protocol_, state_.frames, state_.frames.size() - 2);
      const Loop& loop = std::get<Loop>(parent[static_cast<std::size_t>(state_.frames[state_.frames.size() - 2].index)].body);
      if (pass_ends_loop(loop, f)) {
        state_.frames.pop_back();
        state_.frames.back().index += 1;
      } else {
        const int pass = f.pass + 1;
        f = LoopFrame{};
        f.pass = pass;
      }
      continue;
    }
    if (std::holds_alternative<Loop>(list[static_cast<std::size_t>(f.index)].body)) {
      state_.frames.push_back(LoopFrame{});
      continue;
    }
    begin_step(d, t_s);
    return;
  }
}

bool Engine::pass_ends_loop(const Loop& loop, const LoopFrame& f) const {
  if (loop.count && f.pass >= *loop.count) return true;
  const bool discharge_first = state_.cycle.order <= 0;
  auto metric = [&](CycleMetric m, double charge, double discharge) -> std::optional<double> {
    switch (m) {
      case CycleMetric::discharge_capacity: return discharge;
      case CycleMetric::charge_capacity: return charge;
      case CycleMetric::coulombic_efficiency: {
        const double first = discharge_first ? discharge : charge;
        if (!(first > 0)) return std::nullopt;
        return (discharge_first ? charge : discharge) / first;
      }
      case CycleMetric::voltage: return std::nullopt;
    }
    return std::nullopt;
  };
  for (const auto& c : loop.until) {
    std::optional<double> value;
    if (c.metric == CycleMetric::voltage) {
      if (f.seen_voltage) value = c.comparison == Comparison::below ? f.v_low_V : f.v_high_V;
    } else {
      value = metric(c.metric, f.charge_Ah, f.discharge_Ah);
    }
    std::optional<double> threshold = c.value;
    if (c.reference == Reference::of_cycle) {
      threshold.reset();
      const auto& finished = state_.finished_cycles;
      const auto r = std::find_if(finished.begin(), finished.end(),
                                  [&](const CycleCharges& done) { return done.cycle_index == c.reference_cycle; });
      if (r != finished.end()) {
        if (auto base = metric(c.metric, r->charge_Ah, r->discharge_Ah)) threshold = c.value * *base;
      }
    }
    if (!value || !threshold) continue;
    if (c.comparison == Comparison::below ? *value < *threshold : *value > *threshold) return true;
  }
  return false;
}

void Engine::begin_step(Decision& d, double t_s) {
  StepProgress p;
  p.step_index = state_.step.step_index + 1;
  p.start_t_s = t_s;
  p.phase_start_t_s = t_s;
  p.sweep_start_V = state_.have_last_voltage ? state_.last_voltage_V : 0;
  state_.step = p;
  locate_current();
  const Step& step = current_step();
  if (const auto* eis = std::get_if<Eis>(&step.body)) {
    state_.step.awaiting_impedance = true;
    d.measure_impedance = eis->params;
    d.setpoint.reset();
  } else {
    d.setpoint = current_setpoint();
  }
}

Setpoint Engine::current_setpoint() const {
  const Step& step = current_step();
  const StepProgress& p = state_.step;
  Setpoint sp;
  sp.sample_period_s = options_.sample_period_s;
  if (step.record.every_s && *step.record.every_s > 0 && *step.record.every_s < sp.sample_period_s) {
    sp.sample_period_s = *step.record.every_s;
  }
  auto current = [&](double amps) {
    sp.mode = Mode::current;
    sp.value = amps;
  };
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, ConstantCurrent>) {
          current(body.current.value);
          if (options_.lands_on_limits) put_stop_limits(step.until, sp);
        } else if constexpr (std::is_same_v<T, ConstantVoltage>) {
          sp.mode = Mode::voltage;
          sp.value = body.voltage_V;
        } else if constexpr (std::is_same_v<T, Cccv>) {
          if (p.phase == 0) {
            current(body.current.value);
            if (options_.lands_on_limits) {
              (body.current.value > 0 ? sp.stop_above_V : sp.stop_below_V) = body.voltage_V;
            }
          } else {
            sp.mode = Mode::voltage;
            sp.value = body.voltage_V;
          }
        } else if constexpr (std::is_same_v<T, Sweep>) {
          sp.mode = Mode::sweep;
          sp.sweep.start_V = body.start_V.value_or(p.sweep_start_V);
          sp.sweep.vertices_V = body.vertices_V;
          sp.sweep.scan_rate_V_s = body.scan_rate_V_s;
          sp.sweep.cycles = body.cycles;
        } else if constexpr (std::is_same_v<T, Pulse>) {
          if (p.phase == 0) {
            current(body.current.value);
            if (options_.lands_on_limits) put_stop_limits(step.until, sp);
          }
        } else if constexpr (std::is_same_v<T, Eis>) {
          sp.mode = Mode::eis;
          sp.eis = body.params;
        }
      },
      step.body);
  return sp;
}

int Engine::direction(double t_mid_s) const {
  const Step& step = current_step();
  const StepProgress& p = state_.step;
  if (const auto* cc = std::get_if<ConstantCurrent>(&step.body)) return sign(cc->current.value);
  if (const auto* cccv = std::get_if<Cccv>(&step.body)) return sign(cccv->current.value);
  if (const auto* pulse = std::get_if<Pulse>(&step.body)) return p.phase == 0 ? sign(pulse->current.value) : 0;
  if (std::holds_alternative<Sweep>(step.body)) {
    const Setpoint sp = current_setpoint();
    return sweep_direction(sp.sweep, t_mid_s - p.start_t_s);
  }
  return 0;
}

}  // namespace cyclerd

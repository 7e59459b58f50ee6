#include "protocols/validate.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/quantity.hpp"
#include "protocols/resolve.hpp"

namespace cyclerd {

namespace {

std::string volts(double v) { return format_quantity({v, Dimension::voltage}); }
std::string amps(double a) { return format_quantity({a, Dimension::current}); }

class Validator {
 public:
  Validator(const Protocol& protocol, const ValidationContext& context)
      : protocol_(protocol), context_(context) {}

  std::vector<ValidationError> run() {
    safety();
    record(protocol_.record);
    steps(protocol_.steps, 0);
    return diagnostics_.take();
  }

 private:
  void error(const std::string& pointer, std::string message) { diagnostics_.add(pointer, std::move(message)); }

  void safety() {
    const SafetyLimits& s = protocol_.safety;
    if (s.v_min_V && s.v_max_V && *s.v_min_V >= *s.v_max_V) {
      error("/safety/v_min", "safety v_min (" + volts(*s.v_min_V) + ") must be below v_max (" +
                                 volts(*s.v_max_V) + ")");
    }
    if (s.i_max && !(s.i_max->value > 0)) error("/safety/i_max", "safety i_max must be a positive current");
    if (s.duration_max_s && !(*s.duration_max_s > 0)) {
      error("/safety/duration_max", "safety duration_max must be a positive time");
    }
    if (s.i_max) safety_i_max_A_ = amperes(*s.i_max, "/safety/i_max");
  }

  void record(const RecordConditions& r) {
    const std::string& p = r.pointer;
    if (r.every_s && !(*r.every_s > 0)) error(p + "/every", "'every' must be a positive time, e.g. \"1 s\"");
    if (r.every_s && context_.channel && *r.every_s < context_.channel->min_sample_period_s) {
      error(p + "/every", "the channel samples at most every " +
                              format_quantity({context_.channel->min_sample_period_s, Dimension::time}) +
                              "; record no faster than that");
    }
    if (r.dV_V && !(*r.dV_V > 0)) error(p + "/dV", "'dV' must be a positive voltage, e.g. \"5 mV\"");
    if (r.dI && !(r.dI->value > 0)) error(p + "/dI", "'dI' must be a positive current, e.g. \"1 mA\"");
    if (r.dQ_Ah && !(*r.dQ_Ah > 0)) error(p + "/dQ", "'dQ' must be a positive charge, e.g. \"0.01 mAh\"");
  }

  // The current in amperes when the cell is known (reporting what it lacks), else nullopt.
  std::optional<double> amperes(const CurrentSpec& c, const std::string& pointer) {
    if (c.unit == CurrentUnit::ampere) return c.value;
    if (!context_.cell) return std::nullopt;
    try {
      return to_amperes(c, *context_.cell, pointer);
    } catch (const Error& e) {
      diagnostics_.add(e, pointer);
      return std::nullopt;
    }
  }

  void mode(const Step& step, Mode m) {
    if (!context_.channel) return;
    const auto& modes = context_.channel->modes;
    if (std::find(modes.begin(), modes.end(), m) == modes.end()) {
      error(step.pointer, "the channel cannot run " + std::string(to_string(m)) + " mode, which a " +
                              std::string(to_string(step.kind())) + " step needs; use another channel");
    }
  }

  // A voltage the step reaches or holds must lie within the channel's range and the safety limits.
  void voltage(double v, const std::string& pointer, std::string_view what) {
    if (context_.channel && (v < context_.channel->v_min_V || v > context_.channel->v_max_V)) {
      error(pointer, std::string(what) + " " + volts(v) + " is outside the channel's range " +
                         volts(context_.channel->v_min_V) + " to " + volts(context_.channel->v_max_V));
    }
    const SafetyLimits& s = protocol_.safety;
    if (s.v_min_V && v < *s.v_min_V) {
      error(pointer, std::string(what) + " " + volts(v) + " is below the safety limit v_min " +
                         volts(*s.v_min_V) + "; the run would trip first");
    }
    if (s.v_max_V && v > *s.v_max_V) {
      error(pointer, std::string(what) + " " + volts(v) + " is above the safety limit v_max " +
                         volts(*s.v_max_V) + "; the run would trip first");
    }
  }

  // A setpoint current: non-zero, within the channel and the safety limit.
  void current(const CurrentSpec& c, const std::string& pointer) {
    if (c.value == 0 || !std::isfinite(c.value)) {
      error(pointer, "the current must not be zero; use a rest step for open circuit");
      return;
    }
    const auto a = amperes(c, pointer);
    if (!a) return;
    if (context_.channel && std::fabs(*a) > context_.channel->i_max_A) {
      error(pointer, "the current " + amps(*a) + " exceeds the channel's i_max " +
                         amps(context_.channel->i_max_A) + "; lower it or use a smaller cell");
    }
    if (safety_i_max_A_ && std::fabs(*a) > *safety_i_max_A_) {
      error(pointer, "the current " + amps(*a) + " exceeds the safety limit i_max " + amps(*safety_i_max_A_));
    }
  }

  void end_values(const std::vector<EndCondition>& ends) {
    for (const EndCondition& e : ends) {
      if (e.measure == Measure::voltage) {
        voltage(e.threshold, e.pointer, "the end voltage in " + quote(e.text));
      } else if (!(e.threshold > 0)) {
        error(e.pointer, quote(e.text) + " must be positive: a duration, current, charge, energy or dV/dt "
                                         "end needs a value above zero");
      } else if (e.measure == Measure::current) {
        (void)amperes({e.threshold, e.current_unit}, e.pointer);
      }
    }
  }

  static bool has(const std::vector<EndCondition>& ends, std::initializer_list<Measure> measures) {
    return std::any_of(ends.begin(), ends.end(), [&](const EndCondition& e) {
      return std::find(measures.begin(), measures.end(), e.measure) != measures.end();
    });
  }

  // Refuses clauses a step can never meet, and asks for at least one that it can.
  void ends(const Step& step, std::initializer_list<Measure> allowed, std::string_view advice) {
    for (const EndCondition& e : step.until) {
      if (std::find(allowed.begin(), allowed.end(), e.measure) == allowed.end()) {
        error(e.pointer, "a " + std::string(to_string(step.kind())) + " step cannot end on " + quote(e.text) +
                             "; " + std::string(advice));
      }
    }
    if (!has(step.until, allowed)) {
      error(step.where("until"), "this " + std::string(to_string(step.kind())) +
                                     " step has no end condition; " + std::string(advice));
    }
  }

  // A voltage end must lie in the direction the current drives the voltage, and not already be met.
  void voltage_direction(const Step& step, double amps_sign, std::optional<double> start_V) {
    for (const EndCondition& e : step.until) {
      if (e.measure != Measure::voltage) continue;
      const bool down = amps_sign < 0;
      if (down && e.comparison == Comparison::above) {
        error(e.pointer, "a discharge lowers the voltage, so " + quote(e.text) + " is never reached; end it "
                         "below the start (e.g. 'V < 0.01 V') or charge instead");
      } else if (!down && e.comparison == Comparison::below) {
        error(e.pointer, "a charge raises the voltage, so " + quote(e.text) + " is never reached; end it "
                         "above the start (e.g. 'V > 3.0 V') or discharge instead");
      } else if (start_V && (down ? e.threshold >= *start_V : e.threshold <= *start_V)) {
        error(e.pointer, "the previous step leaves the cell at " + volts(*start_V) + ", so " + quote(e.text) +
                             " is met at once; " + (down ? "end the discharge below " : "end the charge above ") +
                             volts(*start_V));
      }
    }
  }

  // Validates a step list; returns nothing, but tracks where each step leaves the voltage.
  void steps(const std::vector<Step>& list, int depth) {
    if (depth > kMaxLoopDepth) {
      if (!list.empty()) error(list.front().pointer, "loops nest too deep; flatten the protocol");
      return;
    }
    std::optional<double> left_at_V;  // the voltage where the previous step certainly left the cell
    for (const Step& step : list) left_at_V = one(step, depth, left_at_V);
  }

  std::optional<double> one(const Step& step, int depth, std::optional<double> start_V) {
    if (step.record.pointer.rfind(step.pointer + "/", 0) == 0) record(step.record);
    end_values(step.until);
    std::optional<double> left_at_V;
    const auto only_voltage_end = [&]() -> std::optional<double> {
      if (step.until.size() == 1 && step.until[0].measure == Measure::voltage) return step.until[0].threshold;
      return std::nullopt;
    };
    switch (step.kind()) {
      case StepKind::rest:
        mode(step, Mode::rest);
        ends(step, {Measure::time, Measure::voltage_slope},
             "a rest passes no current; end it on a time ('for 1 hour') or 'dV/dt < 0.1 mV/h'");
        break;
      case StepKind::cc: {
        const auto& cc = std::get<ConstantCurrent>(step.body);
        mode(step, Mode::current);
        current(cc.current, step.where("current"));
        ends(step, {Measure::voltage, Measure::time, Measure::charge, Measure::energy},
             "a constant-current step ends on a voltage, time, charge or energy, e.g. 'until 0.01 V'");
        if (cc.current.value != 0) voltage_direction(step, cc.current.value, start_V);
        left_at_V = only_voltage_end();
        break;
      }
      case StepKind::cv: {
        const auto& cv = std::get<ConstantVoltage>(step.body);
        mode(step, Mode::voltage);
        voltage(cv.voltage_V, step.where("voltage"), "the hold voltage");
        ends(step, {Measure::current, Measure::time, Measure::charge},
             "a voltage hold ends on a current ('until 0.01 A/g'), a time or a charge");
        left_at_V = cv.voltage_V;
        break;
      }
      case StepKind::cccv: {
        const auto& cccv = std::get<Cccv>(step.body);
        mode(step, Mode::current);
        mode(step, Mode::voltage);
        current(cccv.current, step.where("current"));
        voltage(cccv.voltage_V, step.where("voltage"), "the hold voltage");
        ends(step, {Measure::current, Measure::time, Measure::charge},
             "the hold of a CCCV step ends on a current ('until 0.01 A/g'), a time or a charge");
        left_at_V = cccv.voltage_V;
        break;
      }
      case StepKind::sweep: left_at_V = sweep(step); break;
      case StepKind::pulse: pulse(step); break;
      case StepKind::eis: eis(step); break;
      case StepKind::loop: loop(step, depth); break;
    }
    return left_at_V;
  }

  std::optional<double> sweep(const Step& step) {
    const auto& s = std::get<Sweep>(step.body);
    mode(step, Mode::sweep);
    if (s.start_V) voltage(*s.start_V, step.where("start"), "the start potential");
    if (s.vertices_V.empty()) error(step.where("vertices"), "a sweep needs at least one vertex");
    std::optional<double> previous = s.start_V;
    for (std::size_t i = 0; i < s.vertices_V.size(); ++i) {
      const std::string at = step.text.empty() ? pointer_append(step.where("vertices"), i) : step.pointer;
      voltage(s.vertices_V[i], at, "the vertex");
      if (previous && *previous == s.vertices_V[i]) {
        error(at, "the sweep does not move: vertex " + volts(s.vertices_V[i]) + " equals the potential before it");
      }
      previous = s.vertices_V[i];
    }
    if (!(s.scan_rate_V_s > 0)) error(step.where("scan_rate"), "the scan rate must be positive, e.g. \"2 mV/s\"");
    if (s.cycles < 1) error(step.where("cycles"), "a sweep runs at least 1 cycle");
    for (const EndCondition& e : step.until) {
      if (e.measure != Measure::time) error(e.pointer, "a sweep ends by itself or on a time; remove " + quote(e.text));
    }
    if (s.vertices_V.empty()) return std::nullopt;
    return s.vertices_V.back();
  }

  void pulse(const Step& step) {
    const auto& p = std::get<Pulse>(step.body);
    mode(step, Mode::current);
    mode(step, Mode::rest);
    current(p.current, step.where("current"));
    if (!(p.pulse_s > 0)) error(step.where("pulse"), "the pulse duration must be positive, e.g. \"4800 s\"");
    const std::string relax_at = step.where("relax");
    if (p.relax_until.empty()) {
      error(relax_at, "a pulse sequence needs a relaxation end: a time ('rest for 1 hour') or "
                      "'dV/dt < 0.1 mV/h'");
    }
    end_values(p.relax_until);
    for (const EndCondition& e : p.relax_until) {
      if (e.measure != Measure::time && e.measure != Measure::voltage_slope) {
        error(e.pointer, "a relaxation passes no current; end it on a time or dV/dt, not " + quote(e.text));
      }
    }
    if (p.max_pulses && *p.max_pulses < 1) error(step.where("max_pulses"), "max_pulses must be at least 1");
    for (const EndCondition& e : step.until) {
      if (e.measure != Measure::voltage && e.measure != Measure::time) {
        error(e.pointer, "a pulse sequence ends on a voltage limit or a time, not " + quote(e.text));
      }
    }
    if (!has(step.until, {Measure::voltage}) && !p.max_pulses) {
      error(step.where("until"), "a pulse sequence needs a voltage limit ('until 0.01 V') or max_pulses");
    }
    if (p.current.value != 0) voltage_direction(step, p.current.value, std::nullopt);
  }

  void eis(const Step& step) {
    const EisParams& e = std::get<Eis>(step.body).params;
    mode(step, Mode::eis);
    if (!(e.f_start_Hz > 0)) error(step.where("f_start"), "the start frequency must be positive, e.g. \"100 kHz\"");
    if (!(e.f_end_Hz > 0)) error(step.where("f_end"), "the end frequency must be positive, e.g. \"10 mHz\"");
    if (e.f_start_Hz == e.f_end_Hz) error(step.where("f_end"), "the spectrum needs two different frequencies");
    if (!(e.amplitude_V > 0) || e.amplitude_V > 0.1) {
      error(step.where("amplitude"), "the amplitude must be a small positive voltage (up to 100 mV), e.g. \"5 mV\"");
    }
    if (e.points_per_decade < 1 || e.points_per_decade > 100) {
      error(step.where("points_per_decade"), "points per decade must be from 1 to 100, e.g. 10");
    }
    for (const EndCondition& c : step.until) error(c.pointer, "an EIS step ends by itself; remove " + quote(c.text));
  }

  void loop(const Step& step, int depth) {
    const auto& l = std::get<Loop>(step.body);
    if (l.count && *l.count < 1) {
      error(step.where("count"), "a loop runs at least once; give a count of 1 or more");
    }
    if (!l.count && l.until.empty()) {
      error(step.where("count"), "a loop needs a count or an until condition, e.g. \"count\": 5");
    }
    for (const LoopCondition& c : l.until) loop_condition(c);
    if (l.steps.empty()) error(step.where("steps"), "a loop needs at least one step");
    steps(l.steps, depth + 1);
  }

  void loop_condition(const LoopCondition& c) {
    if (c.metric == CycleMetric::voltage) {
      voltage(c.value, c.pointer, "the voltage in " + quote(c.text));
      return;
    }
    if (!(c.value > 0)) error(c.pointer, quote(c.text) + " needs a positive value");
    if (c.metric == CycleMetric::coulombic_efficiency && c.value > 2) {
      error(c.pointer, quote(c.text) + ": a coulombic efficiency is a fraction such as 95 %");
    }
    if (c.reference == Reference::of_cycle && c.reference_cycle < 1) {
      error(c.pointer, quote(c.text) + ": cycles are counted from 1");
    }
    if (c.reference == Reference::per_gram && context_.cell && !context_.cell->active_mass_g) {
      error(c.pointer, quote(c.text) + " is in mAh/g, which needs the cell's active mass; create the cell "
                                       "with active_mass_mg or give the capacity in mAh");
    }
  }

  const Protocol& protocol_;
  const ValidationContext& context_;
  Diagnostics diagnostics_;
  std::optional<double> safety_i_max_A_;
};

}  // namespace

std::vector<ValidationError> validate(const Protocol& protocol, const ValidationContext& context) {
  return Validator(protocol, context).run();
}

ParseResult check_protocol(std::string_view json_text, const std::vector<std::string>& overrides,
                           const ValidationContext& context) {
  ParseResult result = parse_protocol(json_text, overrides);
  if (!result.ok()) return result;
  result.errors = validate(*result.protocol, context);
  if (!result.errors.empty()) result.protocol.reset();
  return result;
}

}  // namespace cyclerd

// The protocol model: a typed tree of steps with SI values, built by the parser, checked by the
// validator, and executed by the engine.
//
// Values are SI doubles (V, s, Ah, Wh, V/s, Hz). Currents keep the unit kind they were written in
// (A, A/g or C-rate) because only a cell turns them into amperes; resolve() does that once, before a
// run, so the engine reads every CurrentSpec as amperes. Every element keeps the RFC 6901 pointer of
// the place it came from, so errors and the engine's step_id name that place.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/setpoint.hpp"

namespace cyclerd {

// How a current was written; resolve() turns every kind into `ampere`.
enum class CurrentUnit {
  ampere,    // A
  per_gram,  // A/g of the cell's active mass
  c_rate,    // multiples of the cell's nominal capacity per hour
};

// A current, signed as in DESIGN.md (> 0 charges), in the unit it was written in.
struct CurrentSpec {
  double value = 0;
  CurrentUnit unit = CurrentUnit::ampere;
};

// What an end condition watches during a step.
enum class Measure {
  time,           // seconds since the step started
  voltage,        // V
  current,        // |I|, in the unit of EndCondition::current_unit
  charge,         // |charge passed in the step|, Ah
  energy,         // |energy passed in the step|, Wh
  voltage_slope,  // |dV/dt|, V/s
};

// Which side of the threshold ends the step (or the loop).
enum class Comparison { below, above };

// One "until" clause of a step; a step ends when any of its clauses holds (they are OR-ed).
struct EndCondition {
  Measure measure = Measure::time;
  Comparison comparison = Comparison::above;
  double threshold = 0;                          // s, V, Ah, Wh or V/s; for current see current_unit
  CurrentUnit current_unit = CurrentUnit::ampere;  // only for Measure::current
  std::string pointer;                           // where it was written
  std::string text;                              // the clause as written, for messages
};

// What a loop condition looks at, evaluated at the end of each pass through the loop body.
enum class CycleMetric {
  discharge_capacity,    // discharge charge of the pass, Ah
  charge_capacity,       // charge charge of the pass, Ah
  coulombic_efficiency,  // fraction, DESIGN.md's convention for the cell's order
  voltage,               // lowest (below) or highest (above) voltage reached in the pass, V
};

// How a loop condition's value is expressed.
enum class Reference {
  absolute,  // Ah, V or a fraction as the metric needs
  per_gram,  // mAh/g of active mass; resolve() turns it into absolute Ah
  of_cycle,  // a fraction of the same metric in the run's cycle `reference_cycle` (from 1)
};

// One "until" clause of a loop ("discharge capacity below 80 % of cycle 3"); clauses are OR-ed.
struct LoopCondition {
  CycleMetric metric = CycleMetric::discharge_capacity;
  Comparison comparison = Comparison::below;
  double value = 0;
  Reference reference = Reference::absolute;
  int reference_cycle = 0;  // only for Reference::of_cycle
  std::string pointer;
  std::string text;
};

// When a sample is recorded: any condition that holds records it (OR-ed).
struct RecordConditions {
  std::optional<double> every_s;   // time since the last record
  std::optional<double> dV_V;      // |V - V at the last record|
  std::optional<CurrentSpec> dI;   // |I - I at the last record|
  std::optional<double> dQ_Ah;     // |charge passed since the last record|
  std::string pointer;             // where the conditions were written ("" for the built-in default)

  bool empty() const { return !every_s && !dV_V && !dI && !dQ_Ah; }
};

// Protocol-wide limits; crossing any of them fails the run.
struct SafetyLimits {
  std::optional<double> v_min_V;
  std::optional<double> v_max_V;
  std::optional<CurrentSpec> i_max;  // largest |I|
  std::optional<double> temperature_max_C;
  std::optional<double> duration_max_s;  // whole run
};

struct Step;

// Open circuit; ends on time or dV/dt.
struct Rest {};
// Constant current; ends on voltage, time, charge or energy.
struct ConstantCurrent {
  CurrentSpec current;
};
// Constant voltage; ends on current, time or charge.
struct ConstantVoltage {
  double voltage_V = 0;
};
// Constant current up to `voltage_V`, then a hold there; the step's `until` ends the hold.
struct Cccv {
  CurrentSpec current;
  double voltage_V = 0;
};
// A potential sweep (CV): from the start through each vertex in turn, `cycles` times.
struct Sweep {
  std::optional<double> start_V;  // nullopt: from the open-circuit voltage at the step's start
  std::vector<double> vertices_V;
  double scan_rate_V_s = 0;
  int cycles = 1;
};
// GITT: current pulses of `pulse_s`, each followed by a relaxation ending on `relax_until`,
// repeated until the step's `until` (a voltage limit, checked during the pulses) or `max_pulses`.
struct Pulse {
  CurrentSpec current;
  double pulse_s = 0;
  std::vector<EndCondition> relax_until;
  std::optional<int> max_pulses;
};
// An impedance spectrum around the present state.
struct Eis {
  EisParams params;
};
// Repeats its steps `count` times, or until a condition holds after a pass, whichever comes first.
struct Loop {
  std::optional<int> count;
  std::vector<LoopCondition> until;
  std::vector<Step> steps;
};

// The kinds, in the order of Step::Body's alternatives.
enum class StepKind { rest, cc, cv, cccv, sweep, pulse, eis, loop };

// "rest", "cc", ... as written in the JSON `kind` key.
std::string_view to_string(StepKind kind);

// One step of a protocol: what it does (body), when it ends and what it records.
struct Step {
  using Body = std::variant<Rest, ConstantCurrent, ConstantVoltage, Cccv, Sweep, Pulse, Eis, Loop>;

  Body body;
  std::vector<EndCondition> until;  // OR-ed; empty for steps that finish on their own
  RecordConditions record;          // the protocol's defaults merged with the step's own
  std::string pointer;              // "/steps/2/steps/0": the step's place, its step_id
  std::string text;                 // the one-line form as written; empty for an object step
  std::string label;                // optional name given by the author

  StepKind kind() const { return static_cast<StepKind>(body.index()); }
  // The pointer of one of the step's fields; a one-line step has only its own pointer.
  std::string where(std::string_view field) const;
};

// A declared parameter and the value this protocol instance uses (its default or an override).
struct Parameter {
  std::string name;
  std::string default_text;
  std::string value_text;
  std::string description;
};

// A whole protocol, parameters already substituted.
struct Protocol {
  std::string name;
  std::string description;
  std::vector<Parameter> parameters;
  SafetyLimits safety;
  RecordConditions record;  // defaults for every step (one record per second if none given)
  std::vector<Step> steps;
};

// What a protocol may need to know about the cell it runs on.
struct CellInfo {
  std::optional<double> active_mass_g;        // for A/g currents and mAh/g conditions
  std::optional<double> nominal_capacity_Ah;  // for C-rates
};

// Loops nest without a meaningful limit, but hostile input must not exhaust the stack.
inline constexpr int kMaxLoopDepth = 64;

}  // namespace cyclerd

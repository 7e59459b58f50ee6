#include "protocols/conditions.hpp"

#include <array>
#include <cmath>
#include <optional>

#include "core/error.hpp"
#include "protocols/diagnostics.hpp"
#include "protocols/text.hpp"

namespace cyclerd {

namespace {

[[noreturn]] void fail(std::string message, const std::string& pointer) {
  throw Error(ErrorCode::invalid_input, std::move(message), pointer);
}

// A clause split at its comparison: "dV/dt < 0.1 mV/h" -> {"dV/dt", below, "0.1 mV/h"}.
struct Split {
  std::string_view subject;
  Comparison comparison = Comparison::below;
  std::string_view value;
};

std::optional<Split> split_comparison(std::string_view clause) {
  // Symbols first: "<=" and ">=" read as "<" and ">" since samples are continuous.
  const std::size_t sym = clause.find_first_of("<>");
  if (sym != std::string_view::npos) {
    const Comparison c = clause[sym] == '<' ? Comparison::below : Comparison::above;
    std::size_t after = sym + 1;
    if (after < clause.size() && clause[after] == '=') ++after;
    return Split{text::trim(clause.substr(0, sym)), c, text::trim(clause.substr(after))};
  }
  for (const auto& [word, c] : std::array{std::pair{std::string_view("below"), Comparison::below},
                                          std::pair{std::string_view("above"), Comparison::above}}) {
    const std::size_t at = text::find_word(clause, word);
    if (at != std::string_view::npos) {
      return Split{text::trim(clause.substr(0, at)), c, text::trim(clause.substr(at + word.size()))};
    }
  }
  return std::nullopt;
}

struct MeasureName {
  std::string_view name;
  Measure measure;
};

constexpr std::array kMeasureNames{
    MeasureName{"v", Measure::voltage},         MeasureName{"voltage", Measure::voltage},
    MeasureName{"i", Measure::current},         MeasureName{"|i|", Measure::current},
    MeasureName{"current", Measure::current},   MeasureName{"t", Measure::time},
    MeasureName{"time", Measure::time},         MeasureName{"q", Measure::charge},
    MeasureName{"|q|", Measure::charge},        MeasureName{"capacity", Measure::charge},
    MeasureName{"charge", Measure::charge},     MeasureName{"e", Measure::energy},
    MeasureName{"energy", Measure::energy},     MeasureName{"dv/dt", Measure::voltage_slope},
    MeasureName{"|dv/dt|", Measure::voltage_slope},
};

// The measure a quantity of this dimension ends, or nullopt if none does.
std::optional<Measure> measure_of(Dimension d) {
  switch (d) {
    case Dimension::voltage: return Measure::voltage;
    case Dimension::time: return Measure::time;
    case Dimension::current:
    case Dimension::specific_current:
    case Dimension::c_rate: return Measure::current;
    case Dimension::charge: return Measure::charge;
    case Dimension::energy: return Measure::energy;
    case Dimension::voltage_rate: return Measure::voltage_slope;
    default: return std::nullopt;
  }
}

EndCondition parse_end_clause(std::string_view clause, Direction direction, const std::string& pointer) {
  if (clause.empty()) {
    fail("an empty condition: write e.g. '0.01 V', '2 h', '0.01 A/g' or 'dV/dt < 0.1 mV/h' between the "
         "'or's",
         pointer);
  }
  EndCondition end;
  end.pointer = pointer;
  end.text = std::string(clause);
  std::optional<Split> split = split_comparison(clause);
  const std::string_view value_text = split ? split->value : clause;
  const Quantity q = parse_quantity(value_text, pointer);
  const std::optional<Measure> implied = measure_of(q.dimension);
  if (!implied) {
    fail(quote(clause) + " is not a condition a step can end on: give a voltage, time, current "
                         "(A, A/g or C-rate), charge (mAh), energy (Wh) or dV/dt (mV/s)",
         pointer);
  }
  if (split) {
    const std::string subject = text::lower(split->subject);
    std::optional<Measure> named;
    for (const auto& row : kMeasureNames) {
      if (row.name == subject) named = row.measure;
    }
    if (!named) {
      fail(quote(split->subject) + " in " + quote(clause) +
               " is not something a step can end on; use V, I, t, Q, E or dV/dt",
           pointer);
    }
    if (*named != *implied) {
      fail(quote(clause) + " compares " + std::string(split->subject) + " with a " +
               std::string(to_string(q.dimension)) + "; the units must match what is compared",
           pointer);
    }
    const bool grows = *named == Measure::time || *named == Measure::charge || *named == Measure::energy;
    if (grows && split->comparison == Comparison::below) {
      fail(quote(clause) + " can never end a step: time, charge and energy only grow during a step; "
                           "write '>' (or the bare quantity)",
           pointer);
    }
    end.comparison = split->comparison;
  } else {
    // A bare quantity: the direction follows from what the measure does during the step.
    switch (*implied) {
      case Measure::voltage:
        end.comparison = direction == Direction::up ? Comparison::above : Comparison::below;
        break;
      case Measure::current:
      case Measure::voltage_slope: end.comparison = Comparison::below; break;
      default: end.comparison = Comparison::above; break;
    }
  }
  end.measure = *implied;
  if (end.measure == Measure::current) {
    const CurrentSpec spec = current_from(q, value_text, pointer);
    end.threshold = spec.value;
    end.current_unit = spec.unit;
  } else {
    end.threshold = q.value;
  }
  return end;
}

struct MetricName {
  std::string_view name;
  CycleMetric metric;
};

constexpr std::array kMetricNames{
    MetricName{"discharge capacity", CycleMetric::discharge_capacity},
    MetricName{"charge capacity", CycleMetric::charge_capacity},
    MetricName{"coulombic efficiency", CycleMetric::coulombic_efficiency},
    MetricName{"ce", CycleMetric::coulombic_efficiency},
    MetricName{"voltage", CycleMetric::voltage},
    MetricName{"v", CycleMetric::voltage},
};

// "cycle 3" or "first cycle" -> 3 or 1.
int parse_cycle_reference(std::string_view ref, std::string_view clause, const std::string& pointer) {
  const auto w = text::words(ref);
  if (w.size() == 2 && text::iequals(w[0], "first") && text::iequals(w[1], "cycle")) return 1;
  if (w.size() == 2 && text::iequals(w[0], "cycle")) {
    const Quantity n = parse_quantity(w[1], {Dimension::dimensionless}, pointer);
    if (n.value >= 1 && n.value <= 1e9 && std::floor(n.value) == n.value) return static_cast<int>(n.value);
  }
  fail(quote(clause) + ": after 'of' write 'cycle N' with N a whole number from 1, or 'first cycle'",
       pointer);
}

LoopCondition parse_loop_clause(std::string_view clause, const std::string& pointer) {
  LoopCondition cond;
  cond.pointer = pointer;
  cond.text = std::string(clause);
  const std::optional<Split> split = split_comparison(clause);
  if (clause.empty() || !split) {
    fail(quote(clause) + " is not a loop condition: write '<metric> below|above <value>', e.g. "
                         "'discharge capacity below 80 % of cycle 3'",
         pointer);
  }
  const std::string subject = text::lower(split->subject);
  bool known = false;
  for (const auto& row : kMetricNames) {
    if (row.name == subject) {
      cond.metric = row.metric;
      known = true;
    }
  }
  if (!known) {
    fail(quote(split->subject) + " in " + quote(clause) +
             " is not a loop metric; use discharge capacity, charge capacity, coulombic efficiency or "
             "voltage",
         pointer);
  }
  cond.comparison = split->comparison;
  const bool capacity = cond.metric == CycleMetric::discharge_capacity ||
                        cond.metric == CycleMetric::charge_capacity;
  const std::size_t of = text::find_word(split->value, "of");
  if (of != std::string_view::npos) {
    if (!capacity) {
      fail(quote(clause) + ": only capacities can be compared with another cycle ('80 % of cycle 3')",
           pointer);
    }
    cond.value = parse_quantity(text::trim(split->value.substr(0, of)), {Dimension::fraction}, pointer).value;
    cond.reference = Reference::of_cycle;
    cond.reference_cycle = parse_cycle_reference(text::trim(split->value.substr(of + 2)), clause, pointer);
    return cond;
  }
  if (capacity) {
    const Quantity q = parse_quantity(split->value, {Dimension::charge, Dimension::specific_capacity}, pointer);
    cond.value = q.value;
    cond.reference = q.dimension == Dimension::charge ? Reference::absolute : Reference::per_gram;
  } else if (cond.metric == CycleMetric::coulombic_efficiency) {
    cond.value = parse_quantity(split->value, {Dimension::fraction}, pointer).value;
  } else {
    cond.value = parse_value(split->value, Dimension::voltage, pointer);
  }
  return cond;
}

}  // namespace

Direction direction_of(const CurrentSpec& current) {
  if (current.value < 0) return Direction::down;
  if (current.value > 0) return Direction::up;
  return Direction::none;
}

CurrentSpec current_from(const Quantity& quantity, std::string_view text, const std::string& pointer) {
  switch (quantity.dimension) {
    case Dimension::current: return {quantity.value, CurrentUnit::ampere};
    case Dimension::specific_current: return {quantity.value, CurrentUnit::per_gram};
    case Dimension::c_rate: return {quantity.value, CurrentUnit::c_rate};
    default:
      throw Error(ErrorCode::unit_mismatch,
                  quote(text) + " is a " + std::string(to_string(quantity.dimension)) +
                      "; a current is written in A, mA, A/g or as a C-rate (C/10, 2C)",
                  pointer);
  }
}

std::vector<EndCondition> parse_end_conditions(std::string_view text, Direction direction,
                                               const std::string& pointer) {
  std::vector<EndCondition> out;
  for (std::string_view clause : text::split_on_word(text, "or")) {
    // PyBaMM writes "for 1 hour or until 4.1 V": a leading "until" is only a word.
    const auto w = text::words(clause);
    if (!w.empty() && text::iequals(w.front(), "until")) clause = text::trim(clause.substr(w.front().size()));
    out.push_back(parse_end_clause(clause, direction, pointer));
  }
  return out;
}

std::vector<LoopCondition> parse_loop_conditions(std::string_view text, const std::string& pointer) {
  std::vector<LoopCondition> out;
  for (std::string_view clause : text::split_on_word(text, "or")) out.push_back(parse_loop_clause(clause, pointer));
  return out;
}

}  // namespace cyclerd

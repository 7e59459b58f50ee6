#include "protocols/step_text.hpp"

#include <cmath>
#include <initializer_list>
#include <vector>

#include "core/error.hpp"
#include "core/quantity.hpp"
#include "protocols/conditions.hpp"
#include "protocols/diagnostics.hpp"
#include "protocols/text.hpp"

namespace cyclerd {

namespace {

[[noreturn]] void fail(std::string message, const std::string& pointer) {
  throw Error(ErrorCode::invalid_input, std::move(message), pointer);
}

// Comma-separated parts, trimmed: "Sweep ... at 2 mV/s, 100 cycles" -> {"Sweep ... at 2 mV/s", "100 cycles"}.
std::vector<std::string_view> comma_parts(std::string_view line) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      parts.push_back(text::trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return parts;
}

// Splits `s` before the first of `keywords` (whole words): {"0.05 A/g", "until 0.01 V"}.
std::pair<std::string_view, std::string_view> cut_before(std::string_view s,
                                                         std::initializer_list<std::string_view> keywords) {
  for (std::string_view w : text::words(s)) {
    for (std::string_view k : keywords) {
      if (text::iequals(w, k)) {
        const auto at = static_cast<std::size_t>(w.data() - s.data());
        return {text::trim(s.substr(0, at)), text::trim(s.substr(at))};
      }
    }
  }
  return {text::trim(s), {}};
}

// Drops a leading keyword (case-insensitive) if it is there; tells whether it was.
bool eat(std::string_view& s, std::string_view keyword) {
  const auto w = text::words(s);
  if (w.empty() || !text::iequals(w.front(), keyword)) return false;
  s = text::trim(s.substr(static_cast<std::size_t>(w.front().data() - s.data()) + w.front().size()));
  return true;
}

void expect(std::string_view& s, std::string_view keyword, std::string_view line, const std::string& pointer) {
  if (!eat(s, keyword)) {
    fail("expected '" + std::string(keyword) + "' at " + quote(s.empty() ? std::string_view("the end") : s) +
             " in " + quote(line),
         pointer);
  }
}

// "for 1 hour or until 4.1 V" | "until 0.01 V or 2 hours" | "" -> the OR-ed end conditions.
std::vector<EndCondition> parse_tail(std::string_view tail, Direction direction, std::string_view line,
                                     const std::string& pointer) {
  if (tail.empty()) return {};
  std::string_view rest = tail;
  if (eat(rest, "for")) {
    auto ends = parse_end_conditions(rest, direction, pointer);
    if (ends.front().measure != Measure::time) {
      fail("'for' takes a duration, e.g. 'for 1 hour'; found " + quote(ends.front().text), pointer);
    }
    return ends;
  }
  if (eat(rest, "until")) return parse_end_conditions(rest, direction, pointer);
  fail("expected 'for <time>' or 'until <condition>' at " + quote(tail) + " in " + quote(line), pointer);
}

double voltage(std::string_view s, const std::string& pointer) {
  return parse_value(s, Dimension::voltage, pointer);
}

// A whole number from a word such as "100" in "100 cycles".
int whole(std::string_view s, std::string_view line, const std::string& pointer) {
  const double n = parse_quantity(s, {Dimension::dimensionless}, pointer).value;
  if (std::floor(n) != n || std::fabs(n) > 1e9) {
    fail(quote(s) + " in " + quote(line) + " must be a whole number", pointer);
  }
  return static_cast<int>(n);
}

// "0.05 A/g" after "Charge"/"Discharge": a magnitude that the verb signs.
CurrentSpec signed_current(std::string_view s, bool discharge, std::string_view line, const std::string& pointer) {
  const Quantity q = parse_quantity(s, pointer);
  CurrentSpec c = current_from(q, s, pointer);
  if (c.value < 0) {
    fail(quote(s) + " in " + quote(line) + ": write the magnitude; 'Charge' or 'Discharge' sets the sign",
         pointer);
  }
  if (discharge) c.value = -c.value;
  return c;
}

void no_extra_parts(const std::vector<std::string_view>& parts, std::string_view line, const std::string& pointer) {
  if (parts.size() > 1) fail("unexpected " + quote(parts[1]) + " after the comma in " + quote(line), pointer);
}

Step parse_current_step(std::string_view head, const std::vector<std::string_view>& parts, bool discharge,
                        std::string_view line, const std::string& pointer) {
  Step step;
  if (eat(head, "pulses") || eat(head, "pulse")) {
    expect(head, "at", line, pointer);
    Pulse pulse;
    auto [current_text, after] = cut_before(head, {"for"});
    pulse.current = signed_current(current_text, discharge, line, pointer);
    expect(after, "for", line, pointer);
    pulse.pulse_s = parse_value(after, Dimension::time, pointer);
    for (std::size_t i = 1; i < parts.size(); ++i) {
      std::string_view part = parts[i];
      if (eat(part, "rest") || eat(part, "relax")) {
        pulse.relax_until = parse_tail(part, Direction::none, line, pointer);
      } else if (eat(part, "until")) {
        step.until = parse_end_conditions(part, direction_of(pulse.current), pointer);
      } else if (eat(part, "at") && eat(part, "most")) {
        auto [n, unit] = cut_before(part, {"pulses", "pulse"});
        pulse.max_pulses = whole(n, line, pointer);
      } else {
        fail("unexpected " + quote(parts[i]) + " in " + quote(line) +
                 "; a pulse step continues with ', rest for <time>', ', until <voltage>' or ', at most N "
                 "pulses'",
             pointer);
      }
    }
    step.body = pulse;
    return step;
  }
  expect(head, "at", line, pointer);
  no_extra_parts(parts, line, pointer);
  auto [current_text, after] = cut_before(head, {"for", "until", "to"});
  const CurrentSpec current = signed_current(current_text, discharge, line, pointer);
  if (eat(after, "to")) {
    // "Charge at 0.1 A/g to 3.0 V then hold until 0.01 A/g": CCCV.
    auto [v_text, tail] = cut_before(after, {"then"});
    expect(tail, "then", line, pointer);
    expect(tail, "hold", line, pointer);
    step.body = Cccv{current, voltage(v_text, pointer)};
    step.until = parse_tail(tail, Direction::none, line, pointer);
    return step;
  }
  step.body = ConstantCurrent{current};
  step.until = parse_tail(after, direction_of(current), line, pointer);
  return step;
}

Step parse_sweep(std::string_view head, const std::vector<std::string_view>& parts, std::string_view line,
                 const std::string& pointer) {
  eat(head, "from");
  auto [path, rate] = cut_before(head, {"at"});
  expect(rate, "at", line, pointer);
  Sweep sweep;
  const auto points = text::split_on_word(path, "to");
  if (points.size() < 2) {
    fail(quote(path) + " in " + quote(line) + ": a sweep needs a start and at least one vertex, e.g. "
                                              "'3.0 V to 0.01 V to 3.0 V'",
         pointer);
  }
  if (text::iequals(points.front(), "ocv")) {
    sweep.start_V.reset();
  } else {
    sweep.start_V = voltage(points.front(), pointer);
  }
  for (std::size_t i = 1; i < points.size(); ++i) sweep.vertices_V.push_back(voltage(points[i], pointer));
  sweep.scan_rate_V_s = parse_value(rate, Dimension::voltage_rate, pointer);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    auto [n, unit] = cut_before(parts[i], {"cycles", "cycle"});
    if (unit.empty()) fail("expected 'N cycles' after the comma, found " + quote(parts[i]) + " in " + quote(line), pointer);
    sweep.cycles = whole(n, line, pointer);
  }
  Step step;
  step.body = sweep;
  return step;
}

Step parse_eis(std::string_view head, const std::vector<std::string_view>& parts, std::string_view line,
               const std::string& pointer) {
  Eis eis;
  auto [from, to] = cut_before(head, {"to"});
  expect(to, "to", line, pointer);
  eis.params.f_start_Hz = parse_value(from, Dimension::frequency, pointer);
  eis.params.f_end_Hz = parse_value(to, Dimension::frequency, pointer);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    auto [n, per] = cut_before(parts[i], {"per", "points"});
    if (!per.empty()) {
      eis.params.points_per_decade = whole(n, line, pointer);
    } else {
      eis.params.amplitude_V = parse_value(parts[i], Dimension::voltage, pointer);
    }
  }
  Step step;
  step.body = eis;
  return step;
}

}  // namespace

Step parse_step_text(std::string_view line, const std::string& pointer) {
  const auto parts = comma_parts(line);
  std::string_view head = parts.front();
  const auto w = text::words(head);
  if (w.empty()) fail("an empty step: write e.g. 'Rest for 1 hour'", pointer);
  const std::string verb = text::lower(w.front());
  eat(head, w.front());

  Step step;
  if (verb == "rest" || verb == "relax" || verb == "ocv") {
    no_extra_parts(parts, line, pointer);
    step.body = Rest{};
    step.until = parse_tail(head, Direction::none, line, pointer);
  } else if (verb == "hold") {
    no_extra_parts(parts, line, pointer);
    expect(head, "at", line, pointer);
    auto [v_text, tail] = cut_before(head, {"for", "until"});
    step.body = ConstantVoltage{voltage(v_text, pointer)};
    step.until = parse_tail(tail, Direction::none, line, pointer);
  } else if (verb == "charge" || verb == "discharge") {
    step = parse_current_step(head, parts, verb == "discharge", line, pointer);
  } else if (verb == "sweep" || verb == "cv") {
    step = parse_sweep(head, parts, line, pointer);
  } else if (verb == "eis") {
    step = parse_eis(head, parts, line, pointer);
  } else {
    fail(quote(w.front()) + " does not start a step; a one-line step starts with Rest, Charge, Discharge, "
                            "Hold, Sweep or EIS",
         pointer);
  }
  step.pointer = pointer;
  step.text = std::string(line);
  return step;
}

}  // namespace cyclerd

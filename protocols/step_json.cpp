// Steps written as JSON: the one-line strings and the objects with a `kind`.
#include <array>

#include "core/error.hpp"
#include "protocols/reader.hpp"
#include "protocols/step_text.hpp"

namespace cyclerd {

namespace {

constexpr std::array kKinds{"rest", "cc", "cv", "cccv", "sweep", "pulse", "eis", "loop"};

std::string kind_list() {
  std::string out;
  for (const char* k : kKinds) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

}  // namespace

std::vector<Step> Reader::steps(const nlohmann::json& v, const std::string& pointer, int depth,
                                const RecordConditions& record) {
  std::vector<Step> out;
  if (!v.is_array() || v.empty()) {
    diagnostics_.add(pointer, "'steps' must be a non-empty array of steps (one-line strings or objects with "
                              "a kind)");
    return out;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (auto s = step(v[i], pointer_append(pointer, i), depth, record)) out.push_back(std::move(*s));
  }
  return out;
}

std::optional<Step> Reader::step(const nlohmann::json& v, const std::string& pointer, int depth,
                                 const RecordConditions& record) {
  if (v.is_string()) {
    const auto line = text(v, pointer, "a step");
    if (!line) return std::nullopt;
    try {
      Step s = parse_step_text(*line, pointer);
      s.record = record;
      return s;
    } catch (const Error& e) {
      diagnostics_.add(e, pointer);
      return std::nullopt;
    }
  }
  if (!v.is_object()) {
    diagnostics_.add(pointer, "a step is a one-line string such as \"Rest for 1 hour\" or an object with a "
                              "kind; found a " + std::string(v.type_name()));
    return std::nullopt;
  }
  return object_step(v, pointer, depth, record);
}

std::optional<Step> Reader::object_step(const nlohmann::json& v, const std::string& pointer, int depth,
                                        const RecordConditions& inherited) {
  const auto kind_it = v.find("kind");
  if (kind_it == v.end() || !kind_it->is_string()) {
    diagnostics_.add(kind_it == v.end() ? pointer : pointer + "/kind",
                     "a step object needs a \"kind\" string: one of " + kind_list());
    return std::nullopt;
  }
  const std::string& kind = kind_it->get_ref<const std::string&>();
  const auto field = [&](const char* key) -> const nlohmann::json* {
    const auto it = v.find(key);
    return it == v.end() ? nullptr : &*it;
  };
  const auto where = [&](std::string_view key) { return pointer_append(pointer, key); };
  // A required field: missing is an error that names it.
  const auto need = [&](const char* key, std::string_view example) -> const nlohmann::json* {
    const nlohmann::json* f = field(key);
    if (f == nullptr) {
      diagnostics_.add(pointer, "a " + kind + " step needs \"" + key + "\", e.g. " + std::string(example));
    }
    return f;
  };

  Step step;
  step.pointer = pointer;
  step.record = inherited;
  if (const auto* r = field("record")) step.record = record(*r, where("record"));
  if (const auto* l = field("label")) {
    if (const auto s = text(*l, where("label"), "'label'")) step.label = *s;
  }
  Direction direction = Direction::none;
  // "duration" is a time end clause written as its own key.
  const auto add_duration = [&]() {
    if (const auto* d = field("duration")) {
      if (const auto t = value(*d, where("duration"), Dimension::time, "'duration'")) {
        step.until.push_back({Measure::time, Comparison::above, *t, CurrentUnit::ampere, where("duration"), d->dump()});
      }
    }
  };

  if (kind == "rest") {
    unknown_keys(v, pointer, {"kind", "label", "record", "until", "duration"}, "a rest step");
    step.body = Rest{};
    add_duration();
  } else if (kind == "cc") {
    unknown_keys(v, pointer, {"kind", "label", "record", "until", "duration", "current"}, "a cc step");
    ConstantCurrent cc;
    if (const auto* c = need("current", "\"-0.05 A/g\" (negative discharges)")) {
      if (const auto i = current(*c, where("current"), "'current'")) cc.current = *i;
    }
    direction = direction_of(cc.current);
    step.body = cc;
    add_duration();
  } else if (kind == "cv") {
    unknown_keys(v, pointer, {"kind", "label", "record", "until", "duration", "voltage"}, "a cv step");
    ConstantVoltage cv;
    if (const auto* u = need("voltage", "\"3.0 V\"")) {
      cv.voltage_V = value(*u, where("voltage"), Dimension::voltage, "'voltage'").value_or(0);
    }
    step.body = cv;
    add_duration();
  } else if (kind == "cccv") {
    unknown_keys(v, pointer, {"kind", "label", "record", "until", "duration", "current", "voltage"}, "a cccv step");
    Cccv cccv;
    if (const auto* c = need("current", "\"0.1 A/g\"")) {
      if (const auto i = current(*c, where("current"), "'current'")) cccv.current = *i;
    }
    if (const auto* u = need("voltage", "\"3.0 V\"")) {
      cccv.voltage_V = value(*u, where("voltage"), Dimension::voltage, "'voltage'").value_or(0);
    }
    step.body = cccv;
    add_duration();
  } else if (kind == "sweep") {
    unknown_keys(v, pointer, {"kind", "label", "record", "until", "start", "vertices", "scan_rate", "cycles"},
                 "a sweep step");
    Sweep sweep;
    if (const auto* s = field("start")) {
      if (!(s->is_string() && s->get_ref<const std::string&>() == "ocv")) {
        sweep.start_V = value(*s, where("start"), Dimension::voltage, "'start'");
      }
    }
    if (const auto* vs = need("vertices", "[\"0.01 V\", \"3.0 V\"]")) {
      if (!vs->is_array() || vs->empty()) {
        diagnostics_.add(where("vertices"), "'vertices' must be a non-empty array of voltages, e.g. [\"0.01 V\", "
                                            "\"3.0 V\"]");
      } else {
        for (std::size_t i = 0; i < vs->size(); ++i) {
          const std::string at = pointer_append(where("vertices"), i);
          if (const auto u = value((*vs)[i], at, Dimension::voltage, "a vertex")) sweep.vertices_V.push_back(*u);
        }
      }
    }
    if (const auto* r = need("scan_rate", "\"2 mV/s\"")) {
      sweep.scan_rate_V_s = value(*r, where("scan_rate"), Dimension::voltage_rate, "'scan_rate'").value_or(0);
    }
    if (const auto* n = field("cycles")) sweep.cycles = whole(*n, where("cycles"), "'cycles'").value_or(1);
    step.body = sweep;
  } else if (kind == "pulse") {
    unknown_keys(v, pointer, {"kind", "label", "record", "until", "current", "pulse", "relax", "max_pulses"},
                 "a pulse step");
    Pulse pulse;
    if (const auto* c = need("current", "\"-0.1 A/g\"")) {
      if (const auto i = current(*c, where("current"), "'current'")) pulse.current = *i;
    }
    if (const auto* p = need("pulse", "\"4800 s\"")) {
      pulse.pulse_s = value(*p, where("pulse"), Dimension::time, "'pulse'").value_or(0);
    }
    if (const auto* r = field("relax")) pulse.relax_until = until(*r, where("relax"), Direction::none);
    if (const auto* m = field("max_pulses")) pulse.max_pulses = whole(*m, where("max_pulses"), "'max_pulses'");
    direction = direction_of(pulse.current);
    step.body = pulse;
  } else if (kind == "eis") {
    unknown_keys(v, pointer, {"kind", "label", "record", "until", "f_start", "f_end", "amplitude",
                              "points_per_decade"},
                 "an eis step");
    Eis eis;
    if (const auto* f = field("f_start")) {
      eis.params.f_start_Hz = value(*f, where("f_start"), Dimension::frequency, "'f_start'").value_or(0);
    }
    if (const auto* f = field("f_end")) {
      eis.params.f_end_Hz = value(*f, where("f_end"), Dimension::frequency, "'f_end'").value_or(0);
    }
    if (const auto* a = field("amplitude")) {
      eis.params.amplitude_V = value(*a, where("amplitude"), Dimension::voltage, "'amplitude'").value_or(0);
    }
    if (const auto* n = field("points_per_decade")) {
      eis.params.points_per_decade = whole(*n, where("points_per_decade"), "'points_per_decade'").value_or(10);
    }
    step.body = eis;
  } else if (kind == "loop") {
    unknown_keys(v, pointer, {"kind", "label", "record", "until", "count", "steps"}, "a loop step");
    if (depth >= kMaxLoopDepth) {
      diagnostics_.add(pointer, "loops nest more than " + std::to_string(kMaxLoopDepth) +
                                    " deep here; flatten the protocol (a real one needs a few levels)");
      return std::nullopt;
    }
    Loop loop;
    if (const auto* n = field("count")) loop.count = whole(*n, where("count"), "'count'");
    if (const auto* u = field("until")) loop.until = loop_until(*u, where("until"));
    if (const auto* s = need("steps", "[\"Discharge at 0.05 A/g until 0.01 V\", ...]")) {
      loop.steps = steps(*s, where("steps"), depth + 1, step.record);
    }
    step.body = std::move(loop);
    return step;
  } else {
    diagnostics_.add(where("kind"), "unknown step kind " + quote(kind) + "; use one of " + kind_list());
    return std::nullopt;
  }
  if (const auto* u = field("until")) {
    for (auto& c : until(*u, where("until"), direction)) step.until.push_back(std::move(c));
  }
  return step;
}

}  // namespace cyclerd

#include "protocols/reader.hpp"

#include <cmath>

#include "core/error.hpp"

namespace cyclerd {

std::optional<std::string> Reader::text(const nlohmann::json& v, const std::string& pointer, std::string_view what) {
  if (!v.is_string()) {
    diagnostics_.add(pointer, std::string(what) + " must be a string, e.g. \"0.05 A/g\"; found a " +
                                  std::string(v.type_name()));
    return std::nullopt;
  }
  return parameters_.substitute(v.get_ref<const std::string&>(), pointer, diagnostics_);
}

std::optional<Quantity> Reader::quantity(const nlohmann::json& v, const std::string& pointer,
                                         std::initializer_list<Dimension> expected, std::string_view what) {
  if (v.is_number()) {
    diagnostics_.add(pointer, std::string(what) + " needs its unit, as a string such as \"" +
                                  format_quantity({v.get<double>(), *expected.begin()}) + "\"");
    return std::nullopt;
  }
  const auto s = text(v, pointer, what);
  if (!s) return std::nullopt;
  try {
    return parse_quantity(*s, expected, pointer);
  } catch (const Error& e) {
    diagnostics_.add(pointer, std::string(what) + ": " + e.message());
    return std::nullopt;
  }
}

std::optional<double> Reader::value(const nlohmann::json& v, const std::string& pointer, Dimension expected,
                                    std::string_view what) {
  const auto q = quantity(v, pointer, {expected}, what);
  if (!q) return std::nullopt;
  return q->value;
}

std::optional<CurrentSpec> Reader::current(const nlohmann::json& v, const std::string& pointer, std::string_view what) {
  const auto q = quantity(v, pointer, {Dimension::current, Dimension::specific_current, Dimension::c_rate}, what);
  if (!q) return std::nullopt;
  return current_from(*q, {}, pointer);
}

std::optional<int> Reader::whole(const nlohmann::json& v, const std::string& pointer, std::string_view what) {
  double n = 0;
  if (v.is_number()) {
    n = v.get<double>();
  } else if (v.is_string()) {
    const auto s = text(v, pointer, what);
    if (!s) return std::nullopt;
    try {
      n = parse_quantity(*s, {Dimension::dimensionless}, pointer).value;
    } catch (const Error& e) {
      diagnostics_.add(pointer, std::string(what) + ": " + e.message());
      return std::nullopt;
    }
  } else {
    diagnostics_.add(pointer, std::string(what) + " must be a whole number");
    return std::nullopt;
  }
  // The bound keeps the cast defined; no real protocol counts past a billion.
  if (!std::isfinite(n) || std::floor(n) != n || std::fabs(n) > 1e9) {
    diagnostics_.add(pointer, std::string(what) + " must be a whole number below a billion");
    return std::nullopt;
  }
  return static_cast<int>(n);
}

namespace {

// The strings of a condition value (one string or an array of strings) with their pointers.
std::vector<std::pair<const nlohmann::json*, std::string>> clauses(const nlohmann::json& v, const std::string& pointer) {
  std::vector<std::pair<const nlohmann::json*, std::string>> out;
  if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) out.emplace_back(&v[i], pointer_append(pointer, i));
  } else {
    out.emplace_back(&v, pointer);
  }
  return out;
}

}  // namespace

std::vector<EndCondition> Reader::until(const nlohmann::json& v, const std::string& pointer, Direction direction) {
  std::vector<EndCondition> out;
  for (const auto& [item, where] : clauses(v, pointer)) {
    const auto s = text(*item, where, "an end condition");
    if (!s) continue;
    try {
      for (auto& c : parse_end_conditions(*s, direction, where)) out.push_back(std::move(c));
    } catch (const Error& e) {
      diagnostics_.add(e, where);
    }
  }
  return out;
}

std::vector<LoopCondition> Reader::loop_until(const nlohmann::json& v, const std::string& pointer) {
  std::vector<LoopCondition> out;
  for (const auto& [item, where] : clauses(v, pointer)) {
    const auto s = text(*item, where, "a loop condition");
    if (!s) continue;
    try {
      for (auto& c : parse_loop_conditions(*s, where)) out.push_back(std::move(c));
    } catch (const Error& e) {
      diagnostics_.add(e, where);
    }
  }
  return out;
}

RecordConditions Reader::record(const nlohmann::json& v, const std::string& pointer) {
  RecordConditions r;
  r.pointer = pointer;
  if (!v.is_object()) {
    diagnostics_.add(pointer, "'record' must be an object such as {\"every\": \"1 s\", \"dV\": \"5 mV\"}");
    return r;
  }
  unknown_keys(v, pointer, {"every", "dV", "dI", "dQ"}, "record conditions");
  if (v.contains("every")) r.every_s = value(v["every"], pointer + "/every", Dimension::time, "'every'");
  if (v.contains("dV")) r.dV_V = value(v["dV"], pointer + "/dV", Dimension::voltage, "'dV'");
  if (v.contains("dI")) r.dI = current(v["dI"], pointer + "/dI", "'dI'");
  if (v.contains("dQ")) r.dQ_Ah = value(v["dQ"], pointer + "/dQ", Dimension::charge, "'dQ'");
  return r;
}

SafetyLimits Reader::safety(const nlohmann::json& v, const std::string& pointer) {
  SafetyLimits s;
  if (!v.is_object()) {
    diagnostics_.add(pointer, "'safety' must be an object such as {\"v_min\": \"-0.1 V\", \"v_max\": \"3.3 V\"}");
    return s;
  }
  unknown_keys(v, pointer, {"v_min", "v_max", "i_max", "temperature_max", "duration_max"}, "safety limits");
  if (v.contains("v_min")) s.v_min_V = value(v["v_min"], pointer + "/v_min", Dimension::voltage, "'v_min'");
  if (v.contains("v_max")) s.v_max_V = value(v["v_max"], pointer + "/v_max", Dimension::voltage, "'v_max'");
  if (v.contains("i_max")) s.i_max = current(v["i_max"], pointer + "/i_max", "'i_max'");
  if (v.contains("temperature_max")) {
    s.temperature_max_C = value(v["temperature_max"], pointer + "/temperature_max", Dimension::temperature,
                                "'temperature_max'");
  }
  if (v.contains("duration_max")) {
    s.duration_max_s = value(v["duration_max"], pointer + "/duration_max", Dimension::time, "'duration_max'");
  }
  return s;
}

void Reader::unknown_keys(const nlohmann::json& object, const std::string& pointer,
                          std::initializer_list<std::string_view> known, std::string_view what) {
  for (const auto& [key, value] : object.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || key == k;
    if (ok) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    diagnostics_.add(pointer_append(pointer, key),
                     "unknown key " + quote(key) + " in " + std::string(what) + "; the keys are " + list);
  }
}

}  // namespace cyclerd

#include "drivers/methodscript/script.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"

namespace cyclerd::methodscript {

namespace {

constexpr std::string_view where = "methodscript script";
// The largest integer a literal's mantissa may hold (the device parses it as a 32-bit integer).
constexpr double max_mantissa = 2147483647.0;
// A literal is exact when it is within this relative distance of the value (9 significant digits).
constexpr double literal_tolerance = 1e-9;
// How long the open-circuit measurement before a spectrum lasts, and its interval.
constexpr double eis_ocp_time_s = 1.0;
constexpr double eis_ocp_interval_s = 0.1;
// More loops than this in one script would not fit the instrument's script memory.
constexpr std::size_t max_sweep_segments = 16;

struct Prefix {
  char symbol;
  double factor;
};
// Largest first: the first prefix that represents the value exactly gives the shortest literal.
constexpr std::array<Prefix, 11> prefixes{{{'T', 1e12}, {'G', 1e9}, {'M', 1e6}, {'k', 1e3}, {' ', 1.0},
                                           {'m', 1e-3}, {'u', 1e-6}, {'n', 1e-9}, {'p', 1e-12},
                                           {'f', 1e-15}, {'a', 1e-18}}};

std::string with_prefix(double mantissa, char prefix) {
  std::string out = std::to_string(static_cast<long long>(mantissa));
  if (prefix != ' ') out += prefix;
  return out;
}

// The lines that send one package: the timer, the potential and the current.
void package_body(std::vector<std::string>& s) {
  s.insert(s.end(), {"  timer_get t", "  pck_start", "    pck_add t", "    pck_add p", "    pck_add c", "  pck_end"});
}

// The end of a loop that drives the cell: the last value sent is tested against the limits, and the
// loop is left past one. The package goes first, so the host sees the value that ended the loop.
void loop_end(std::vector<std::string>& s, Mode mode, const ScriptLimits& limits) {
  auto outside = [&](const char* var, double low, double high) {
    s.insert(s.end(), {std::string("  if ") + var + " > " + literal(high), "    breakloop",
                       std::string("  elseif ") + var + " < " + literal(low), "    breakloop", "  endif"});
  };
  if (mode == Mode::current) outside("p", limits.v_min_V, limits.v_max_V);
  if ((mode == Mode::voltage || mode == Mode::sweep) && limits.i_max_A) outside("c", -*limits.i_max_A, *limits.i_max_A);
  s.push_back("endloop");
}

void header(std::vector<std::string>& s, const ModelRow& model, int mode) {
  s.insert(s.end(), {"e", "var c", "var p", "var t", "set_pgstat_chan 0", "set_pgstat_mode " + std::to_string(mode)});
  if (model.potential_range) {
    // A fixed potential range that holds the whole window: autoranging the potential would glitch it.
    std::string v = literal(std::max(std::abs(model.v_min_V), std::abs(model.v_max_V)));
    s.push_back("set_range ab " + v);
    s.push_back("set_autoranging ab " + v + " " + v);
  }
}

void current_autorange(std::vector<std::string>& s, const ModelRow& model) {
  s.push_back("set_range ba " + literal(model.i_max_A));
  s.push_back("set_autoranging ba " + literal(model.i_min_range_A) + " " + literal(model.i_max_A));
}

void footer(std::vector<std::string>& s) { s.insert(s.end(), {"on_finished:", "  cell_off"}); }

void check_potential(double v, const ModelRow& model, const char* what) {
  if (!(v >= model.v_min_V && v <= model.v_max_V)) {
    throw Error(ErrorCode::out_of_range,
                std::string(what) + " " + std::to_string(v) + " V is outside the " + std::string(model.name) +
                    " window " + std::to_string(model.v_min_V) + ".." + std::to_string(model.v_max_V) + " V",
                std::string(where));
  }
}

// Scan loops of a sweep, then a hold at its last vertex.
void sweep_loops(std::vector<std::string>& s, const Setpoint& sp, const ScriptLimits& limits) {
  const SweepParams& w = sp.sweep;
  const std::string step = literal(w.scan_rate_V_s * sp.sample_period_s);
  const std::string rate = literal(w.scan_rate_V_s);
  std::vector<std::pair<double, double>> first_pass;
  double from = w.start_V;
  for (double v : w.vertices_V) {
    if (v != from) first_pass.emplace_back(from, v);
    from = v;
  }
  const int later = std::max(0, w.cycles - 1);
  const bool two = w.vertices_V.size() == 2;
  std::size_t segments = first_pass.size() + (two ? 1 : static_cast<std::size_t>(later) * w.vertices_V.size());
  if (segments > max_sweep_segments) {
    throw Error(ErrorCode::out_of_range,
                "a sweep through " + std::to_string(w.vertices_V.size()) + " vertices for " +
                    std::to_string(w.cycles) + " cycles needs " + std::to_string(segments) +
                    " scan loops; the instrument's script memory holds " + std::to_string(max_sweep_segments) +
                    " (use two vertices for many cycles)",
                std::string(where));
  }
  auto lsv = [&](double a, double b) {
    s.push_back("meas_loop_lsv p c " + literal(a) + " " + literal(b) + " " + step + " " + rate);
    package_body(s);
    loop_end(s, Mode::sweep, limits);
  };
  for (auto [a, b] : first_pass) lsv(a, b);
  if (later > 0 && two) {
    // Later passes go last vertex -> first vertex -> last vertex: a CV that begins where it ends.
    double a = w.vertices_V[0], b = w.vertices_V[1];
    s.push_back("meas_loop_cv p c " + literal(b) + " " + literal(a) + " " + literal(b) + " " + step + " " + rate +
                " nscans(" + std::to_string(later) + ")");
    package_body(s);
    loop_end(s, Mode::sweep, limits);
  } else {
    for (int k = 0; k < later; ++k) {
      double at = w.vertices_V.back();
      for (double v : w.vertices_V) {
        if (v != at) lsv(at, v);
        at = v;
      }
    }
  }
  const std::string last = literal(w.vertices_V.back());
  s.push_back("meas_loop_ca p c " + last + " " + literal(sp.sample_period_s) + " " + literal(hold_run_time_s));
  package_body(s);
  loop_end(s, Mode::sweep, limits);
}

}  // namespace

std::string Script::text() const {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out + "\n";
}

std::string literal(double value) {
  if (!std::isfinite(value)) throw Error(ErrorCode::invalid_input, "no literal for a non-finite number", std::string(where));
  if (value == 0) return "0";
  for (const auto& p : prefixes) {
    double m = value / p.factor;
    double r = std::round(m);
    if (std::abs(r) < 1 || std::abs(r) > max_mantissa) continue;
    if (std::abs(r - m) <= literal_tolerance * std::abs(m)) return with_prefix(r, p.symbol);
  }
  // Not exact in 9 digits: the finest prefix whose mantissa still fits.
  for (auto it = prefixes.rbegin(); it != prefixes.rend(); ++it) {
    double r = std::round(value / it->factor);
    if (std::abs(r) <= max_mantissa) return with_prefix(r, it->symbol);
  }
  throw Error(ErrorCode::out_of_range, "no MethodSCRIPT literal for " + std::to_string(value), std::string(where));
}

Script setpoint_script(const Setpoint& sp, const ModelRow& model) {
  return setpoint_script(sp, model, model_limits(model));
}

Script setpoint_script(const Setpoint& sp, const ModelRow& model, const ScriptLimits& limits) {
  if (!(sp.sample_period_s > 0)) {
    throw Error(ErrorCode::invalid_input, "a sample period must be positive", std::string(where));
  }
  Script script;
  auto& s = script.lines;
  const std::string dt = literal(sp.sample_period_s);
  const std::string run = literal(hold_run_time_s);
  switch (sp.mode) {
    case Mode::rest:
    case Mode::eis:  // an eis setpoint holds the cell at open circuit until the spectrum is taken
      header(s, model, model.dc_mode);
      s.insert(s.end(), {"cell_off", "timer_start", "meas_loop_ocp p " + dt + " " + run});
      // No current flows at open circuit: the package has none, the driver reports zero.
      s.insert(s.end(), {"  timer_get t", "  pck_start", "    pck_add t", "    pck_add p", "  pck_end", "endloop"});
      break;
    case Mode::current: {
      if (!model.galvanostat) {
        throw Error(ErrorCode::invalid_state,
                    std::string(model.name) + " has no galvanostat: constant current is not possible",
                    std::string(where));
      }
      if (!(std::abs(sp.value) <= model.i_max_A)) {
        throw Error(ErrorCode::out_of_range, "current " + std::to_string(sp.value) + " A is beyond the " +
                                                 std::string(model.name) + "'s " + std::to_string(model.i_max_A) + " A",
                    std::string(where));
      }
      header(s, model, model.galvanostat_mode);
      // The applied-current range: the smallest that holds the setpoint, fixed so it cannot hop mid-step.
      std::string range = literal(std::max(std::abs(sp.value), model.i_min_range_A));
      s.insert(s.end(), {"set_range db " + range, "set_autoranging db " + range + " " + range, "set_i 0", "cell_on",
                         "timer_start", "meas_loop_cp p c " + literal(sp.value) + " " + dt + " " + run});
      package_body(s);
      loop_end(s, sp.mode, limits);
      break;
    }
    case Mode::voltage:
      check_potential(sp.value, model, "potential");
      header(s, model, model.dc_mode);
      current_autorange(s, model);
      s.insert(s.end(), {"set_e " + literal(sp.value), "cell_on", "timer_start",
                         "meas_loop_ca p c " + literal(sp.value) + " " + dt + " " + run});
      package_body(s);
      loop_end(s, sp.mode, limits);
      break;
    case Mode::sweep:
      if (sp.sweep.vertices_V.empty() || !(sp.sweep.scan_rate_V_s > 0) || sp.sweep.cycles < 1) {
        throw Error(ErrorCode::invalid_input, "a sweep needs vertices, a positive scan rate and cycles >= 1",
                    std::string(where));
      }
      check_potential(sp.sweep.start_V, model, "sweep start");
      for (double v : sp.sweep.vertices_V) check_potential(v, model, "sweep vertex");
      header(s, model, model.dc_mode);
      current_autorange(s, model);
      s.insert(s.end(), {"set_e " + literal(sp.sweep.start_V), "cell_on", "timer_start"});
      sweep_loops(s, sp, limits);
      break;
  }
  footer(s);
  return script;
}

int impedance_points(const EisParams& p) {
  double decades = std::abs(std::log10(p.f_start_Hz / p.f_end_Hz));
  return std::max(1, static_cast<int>(std::lround(decades * p.points_per_decade)) + 1);
}

Script impedance_script(const EisParams& params, const ModelRow& model) {
  if (!(params.f_start_Hz > 0 && params.f_end_Hz > 0 && params.amplitude_V > 0 && params.points_per_decade > 0)) {
    throw Error(ErrorCode::invalid_input, "impedance needs positive frequencies, amplitude and points per decade",
                std::string(where));
  }
  if (std::max(params.f_start_Hz, params.f_end_Hz) > model.f_max_Hz) {
    throw Error(ErrorCode::out_of_range,
                "frequency " + std::to_string(std::max(params.f_start_Hz, params.f_end_Hz)) + " Hz is above the " +
                    std::string(model.name) + "'s " + std::to_string(model.f_max_Hz) + " Hz",
                std::string(where));
  }
  Script script;
  auto& s = script.lines;
  s.insert(s.end(), {"e", "var f", "var r", "var j", "var p", "set_pgstat_chan 0",
                     "set_pgstat_mode " + std::to_string(model.eis_mode)});
  // The spectrum is taken around the open-circuit potential measured just before it.
  s.insert(s.end(), {"cell_off", "meas_loop_ocp p " + literal(eis_ocp_interval_s) + " " + literal(eis_ocp_time_s),
                     "endloop"});
  current_autorange(s, model);
  s.insert(s.end(), {"set_e p", "cell_on",
                     "meas_loop_eis f r j " + literal(params.amplitude_V) + " " + literal(params.f_start_Hz) + " " +
                         literal(params.f_end_Hz) + " " + std::to_string(impedance_points(params)) + "i p",
                     "  pck_start", "    pck_add f", "    pck_add r", "    pck_add j", "  pck_end", "endloop"});
  footer(s);
  return script;
}

}  // namespace cyclerd::methodscript

#include "drivers/driver.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace cyclerd {

bool Capabilities::supports(Mode mode) const {
  return std::find(modes.begin(), modes.end(), mode) != modes.end();
}

namespace {

Error out_of_range(const std::string& what, double value, double lo, double hi, const char* unit) {
  std::ostringstream text;
  text << what << " " << value << " " << unit << " is outside the channel's range [" << lo << ", " << hi
       << "] " << unit;
  return Error(ErrorCode::out_of_range, text.str(), "setpoint");
}

Error invalid(const std::string& text) { return Error(ErrorCode::invalid_input, text, "setpoint"); }

}  // namespace

std::optional<Error> check_setpoint(const Capabilities& caps, const Setpoint& sp) {
  if (!caps.supports(sp.mode)) {
    return Error(ErrorCode::invalid_state, "mode " + std::string(to_string(sp.mode)) + " is not supported",
                 "setpoint");
  }
  if (!std::isfinite(sp.sample_period_s) || sp.sample_period_s <= 0 ||
      sp.sample_period_s < caps.min_sample_period_s) {
    std::ostringstream text;
    text << "sample period " << sp.sample_period_s << " s must be at least " << caps.min_sample_period_s
         << " s and positive";
    return invalid(text.str());
  }
  auto in_v = [&](double v) { return std::isfinite(v) && v >= caps.v_min_V && v <= caps.v_max_V; };
  switch (sp.mode) {
    case Mode::rest:
    case Mode::eis:
      break;
    case Mode::current:
      if (!std::isfinite(sp.value) || std::abs(sp.value) > caps.i_max_A) {
        return out_of_range("current", sp.value, -caps.i_max_A, caps.i_max_A, "A");
      }
      break;
    case Mode::voltage:
      if (!in_v(sp.value)) return out_of_range("voltage", sp.value, caps.v_min_V, caps.v_max_V, "V");
      break;
    case Mode::sweep:
      if (!(sp.sweep.scan_rate_V_s > 0) || !std::isfinite(sp.sweep.scan_rate_V_s)) {
        return invalid("sweep scan rate must be positive");
      }
      if (sp.sweep.vertices_V.empty()) return invalid("sweep needs at least one vertex");
      if (sp.sweep.cycles < 1) return invalid("sweep needs at least one cycle");
      if (!in_v(sp.sweep.start_V)) {
        return out_of_range("sweep start", sp.sweep.start_V, caps.v_min_V, caps.v_max_V, "V");
      }
      for (double v : sp.sweep.vertices_V) {
        if (!in_v(v)) return out_of_range("sweep vertex", v, caps.v_min_V, caps.v_max_V, "V");
      }
      break;
  }
  if (sp.mode == Mode::eis) {
    if (auto error = check_eis(sp.eis)) return error;
  }
  if (sp.stop_below_V && sp.stop_above_V && *sp.stop_below_V >= *sp.stop_above_V) {
    return invalid("stop_below_V must be below stop_above_V");
  }
  return std::nullopt;
}

std::optional<Error> check_eis(const EisParams& e) {
  auto positive = [](double x) { return std::isfinite(x) && x > 0; };
  if (!positive(e.f_start_Hz) || !positive(e.f_end_Hz) || e.points_per_decade < 1 || !positive(e.amplitude_V)) {
    return invalid("EIS needs positive frequencies, amplitude and points per decade");
  }
  return std::nullopt;
}

std::optional<nlohmann::json> Driver::snapshot(std::size_t /*channel*/) const { return std::nullopt; }

void Driver::restore(std::size_t /*channel*/, const nlohmann::json& /*state*/) {
  throw Error(ErrorCode::invalid_state,
              "the " + std::string(kind()) + " driver cannot restore a snapshot (can_snapshot is false)");
}

}  // namespace cyclerd

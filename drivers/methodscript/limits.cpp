#include "drivers/methodscript/limits.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace cyclerd::methodscript {

namespace {

// Numbers in messages: as many digits as a reading has, without std::to_string's trailing zeros.
std::string number(double x) {
  std::ostringstream out;
  out.precision(6);
  out << x;
  return out.str();
}

}  // namespace

ScriptLimits model_limits(const ModelRow& model) { return {model.v_min_V, model.v_max_V, std::nullopt}; }

ScriptLimits resolve_limits(std::optional<double> v_min_V, std::optional<double> v_max_V,
                            std::optional<double> i_max_A, const ModelRow& model, const std::string& where) {
  ScriptLimits limits{v_min_V.value_or(model.v_min_V), v_max_V.value_or(model.v_max_V), i_max_A};
  auto refuse = [&](const std::string& what) {
    throw Error(ErrorCode::invalid_input, "safety limits: " + what, where);
  };
  if (!(limits.v_min_V < limits.v_max_V)) {
    refuse("v_min " + number(limits.v_min_V) + " V must be below v_max " + number(limits.v_max_V) + " V");
  }
  if (limits.v_min_V < model.v_min_V || limits.v_max_V > model.v_max_V) {
    refuse(number(limits.v_min_V) + ".." + number(limits.v_max_V) + " V is outside the " + std::string(model.name) +
           " window " + number(model.v_min_V) + ".." + number(model.v_max_V) + " V");
  }
  if (limits.i_max_A && !(*limits.i_max_A > 0 && *limits.i_max_A <= model.i_max_A)) {
    refuse("i_max " + number(*limits.i_max_A) + " A must be > 0 and within the " + std::string(model.name) + "'s " +
           number(model.i_max_A) + " A");
  }
  return limits;
}

std::optional<std::string> limit_passed(Mode mode, double voltage_V, double current_A, const ScriptLimits& limits) {
  switch (mode) {
    case Mode::current:
      if (voltage_V > limits.v_max_V) return "potential " + number(voltage_V) + " V above v_max " + number(limits.v_max_V) + " V";
      if (voltage_V < limits.v_min_V) return "potential " + number(voltage_V) + " V below v_min " + number(limits.v_min_V) + " V";
      return std::nullopt;
    case Mode::voltage:
    case Mode::sweep:
      if (limits.i_max_A && std::abs(current_A) > *limits.i_max_A) {
        return "current " + number(current_A) + " A beyond i_max " + number(*limits.i_max_A) + " A";
      }
      return std::nullopt;
    case Mode::rest:
    case Mode::eis:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace cyclerd::methodscript

// Reads JSON values of a protocol into model values, substituting parameters and recording every
// problem with its pointer instead of stopping at the first (internal to protocols/).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/quantity.hpp"
#include "protocols/conditions.hpp"
#include "protocols/diagnostics.hpp"
#include "protocols/parameters.hpp"
#include "protocols/protocol.hpp"

namespace cyclerd {

class Reader {
 public:
  Reader(const ParameterTable& parameters, Diagnostics& diagnostics)
      : parameters_(parameters), diagnostics_(diagnostics) {}

  Diagnostics& diagnostics() { return diagnostics_; }

  // A string with parameters substituted; anything else is an error naming `what`.
  std::optional<std::string> text(const nlohmann::json& v, const std::string& pointer, std::string_view what);
  // A quantity of one of `expected` dimensions, written as a string with its unit.
  std::optional<Quantity> quantity(const nlohmann::json& v, const std::string& pointer,
                                   std::initializer_list<Dimension> expected, std::string_view what);
  // The canonical value of a one-dimension quantity.
  std::optional<double> value(const nlohmann::json& v, const std::string& pointer, Dimension expected,
                              std::string_view what);
  // A current in A, mA, A/g or C-rate.
  std::optional<CurrentSpec> current(const nlohmann::json& v, const std::string& pointer, std::string_view what);
  // A whole number: a JSON integer, or a string such as "${cycles}".
  std::optional<int> whole(const nlohmann::json& v, const std::string& pointer, std::string_view what);
  // Step end conditions: a string ("0.01 V or 2 h") or an array of such strings.
  std::vector<EndCondition> until(const nlohmann::json& v, const std::string& pointer, Direction direction);
  // Loop conditions, same shapes as until().
  std::vector<LoopCondition> loop_until(const nlohmann::json& v, const std::string& pointer);
  // A `record` object: {"every": "1 s", "dV": "5 mV", "dI": "1 mA", "dQ": "0.1 mAh"}.
  RecordConditions record(const nlohmann::json& v, const std::string& pointer);
  // Safety limits: {"v_min", "v_max", "i_max", "temperature_max", "duration_max"}.
  SafetyLimits safety(const nlohmann::json& v, const std::string& pointer);
  // An array of steps; `depth` counts the loops around it, `record` is the inherited default.
  std::vector<Step> steps(const nlohmann::json& v, const std::string& pointer, int depth,
                          const RecordConditions& record);

  // Reports every key of `object` that is not in `known`, naming the known ones.
  void unknown_keys(const nlohmann::json& object, const std::string& pointer,
                    std::initializer_list<std::string_view> known, std::string_view what);

 private:
  std::optional<Step> step(const nlohmann::json& v, const std::string& pointer, int depth,
                           const RecordConditions& record);
  std::optional<Step> object_step(const nlohmann::json& v, const std::string& pointer, int depth,
                                  const RecordConditions& record);

  const ParameterTable& parameters_;
  Diagnostics& diagnostics_;
};

}  // namespace cyclerd

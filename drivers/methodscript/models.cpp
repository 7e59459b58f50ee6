#include "drivers/methodscript/models.hpp"

#include <array>
#include <string>

#include "core/error.hpp"

namespace cyclerd::methodscript {

namespace {

// Figures from the instruments' data sheets (potential window, largest current, lowest range, EIS
// bandwidth). The EmStat Pico has no galvanostat, so it cannot run constant-current steps; its
// potential window is narrow (-1.7..+2 V), so a sodium half-cell up to 3 V needs an EmStat4.
const std::array<ModelRow, 3> models{{
    {"emstat4-hr", "es4_hr", -6.0, 6.0, 0.2, 100e-9, true, 2, 3, 6, true, 200e3},
    {"emstat4-lr", "es4_lr", -3.0, 3.0, 0.03, 1e-9, true, 2, 3, 6, true, 200e3},
    {"emstat-pico", "espico", -1.7, 2.0, 0.003, 100e-9, false, 2, 3, 0, false, 200e3},
}};

}  // namespace

std::span<const ModelRow> model_table() { return models; }

const ModelRow& find_model(std::string_view name, std::string_view where) {
  for (const auto& row : models) {
    if (row.name == name) return row;
  }
  std::string known;
  for (const auto& row : models) known += (known.empty() ? "" : ", ") + std::string(row.name);
  throw Error(ErrorCode::invalid_input, "unknown model \"" + std::string(name) + "\" (known: " + known + ")",
              std::string(where));
}

}  // namespace cyclerd::methodscript

// The preset JSON files of this folder, embedded at build time (CMake generates the definition).
#pragma once

#include <string_view>
#include <vector>

namespace cyclerd::sim {

struct EmbeddedPreset {
  std::string_view name;  // file name without .json
  std::string_view json;  // file contents
};

// Every presets/*.json, in file-name order.
const std::vector<EmbeddedPreset>& embedded_presets();

}  // namespace cyclerd::sim

// How the storage consumer stores a live analysis result: its key within its kind, and the size of its text
// before it is written.
#include "daemon/lab/stored_results.hpp"

#include <string>

namespace cyclerd::lab {
namespace {

// How each analyzer table keys its results: by fields of the row itself, by order of appearance, or one
// result per run. A table not listed appends (by order), so nothing new is ever overwritten by mistake.
// Order is stable across a restart for the tables the stored cycles rebuild (rate_table: the replay
// counts its rows again); cv_peak_tracks are only stored at the run's end.
enum class KeyBy { fields, ordinal, one };
struct KeyRule {
  std::string_view kind;
  KeyBy by;
  std::string_view field1, field2;
};
constexpr KeyRule kKeyRules[] = {
    {"cycles", KeyBy::fields, "cycle_index", ""},
    {"cv_cycles", KeyBy::fields, "cycle_index", ""},
    {"dqdv", KeyBy::fields, "cycle_index", "half"},
    {"gitt", KeyBy::fields, "pulse_index", ""},
    {"eis", KeyBy::fields, "step_index", ""},
    {"rate_table", KeyBy::ordinal, "", ""},
    {"cv_peak_tracks", KeyBy::ordinal, "", ""},
    {"summary", KeyBy::one, "", ""},
    {"cv_kinetics", KeyBy::one, "", ""},
};

std::string key_part(const nlohmann::json& row, std::string_view field) {
  const auto it = row.find(std::string(field));
  if (it == row.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::string analysis_key(std::string_view kind, const nlohmann::json& row, std::int64_t ordinal) {
  for (const auto& rule : kKeyRules) {
    if (rule.kind != kind) continue;
    switch (rule.by) {
      case KeyBy::one: return "";
      case KeyBy::ordinal: return std::to_string(ordinal);
      case KeyBy::fields: {
        std::string key = key_part(row, rule.field1);
        if (!rule.field2.empty()) key += "/" + key_part(row, rule.field2);
        return key;
      }
    }
  }
  return std::to_string(ordinal);
}

std::size_t text_size_estimate(const nlohmann::json& j) {
  if (j.is_string()) return j.get_ref<const std::string&>().size() + 2;
  if (j.is_array() || j.is_object()) {
    std::size_t n = 2;
    for (auto it = j.begin(); it != j.end(); ++it) {
      n += text_size_estimate(*it) + 1;
      if (j.is_object()) n += it.key().size() + 3;
    }
    return n;
  }
  return 20;  // a number (up to 17 digits, sign, exponent), a bool or null
}

}  // namespace cyclerd::lab

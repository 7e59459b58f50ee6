// How a live analysis result is stored (store::AnalysisRow): its key within its kind, and an estimate of
// its text's size for the writer's queue bounds (the writer serializes it on its own thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cyclerd::lab {

// A live result's key within its kind (store::AnalysisRow::key): results of one kind with the same key
// replace each other. `ordinal` counts the kind's results so far, for rows that carry no index of their own.
std::string analysis_key(std::string_view kind, const nlohmann::json& row, std::int64_t ordinal);

// About the size of a JSON value's text, without writing it.
std::size_t text_size_estimate(const nlohmann::json& j);

}  // namespace cyclerd::lab

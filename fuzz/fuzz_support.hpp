// What every fuzz target shares: the bytes as text, and the rule that bad input may only ever be refused
// with cyclerd::Error (any other exception escaping a parser is a finding, as is a crash or a sanitizer report).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace cyclerd::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property the target checks failed: print it and abort, so libFuzzer keeps the input as a crash.
[[noreturn]] inline void finding(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz finding: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace cyclerd::fuzz

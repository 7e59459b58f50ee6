// Small text helpers shared by the condition and one-line step grammars (internal to protocols/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cyclerd::text {

// Without leading and trailing whitespace.
std::string_view trim(std::string_view s);
// ASCII case-insensitive equality: keywords are case-insensitive, units are not.
bool iequals(std::string_view a, std::string_view b);
// Lower-case ASCII copy.
std::string lower(std::string_view s);
// Whitespace-separated words, as views into `s`.
std::vector<std::string_view> words(std::string_view s);
// Splits on a whole word (case-insensitive), e.g. "0.01 V or 2 h" on "or"; parts are trimmed views.
std::vector<std::string_view> split_on_word(std::string_view s, std::string_view word);
// Position of a whole word (case-insensitive) in `s`, or npos.
std::size_t find_word(std::string_view s, std::string_view word);

}  // namespace cyclerd::text

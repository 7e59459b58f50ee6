#include "protocols/text.hpp"

#include <cctype>

namespace cyclerd::text {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
char lower_char(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_char(a[i]) != lower_char(b[i])) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_char(c);
  return out;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::size_t find_word(std::string_view s, std::string_view word) {
  for (std::string_view w : words(s)) {
    if (iequals(w, word)) return static_cast<std::size_t>(w.data() - s.data());
  }
  return std::string_view::npos;
}

std::vector<std::string_view> split_on_word(std::string_view s, std::string_view word) {
  std::vector<std::string_view> parts;
  std::size_t part_start = 0;
  for (std::string_view w : words(s)) {
    if (!iequals(w, word)) continue;
    const auto at = static_cast<std::size_t>(w.data() - s.data());
    parts.push_back(trim(s.substr(part_start, at - part_start)));
    part_start = at + w.size();
  }
  parts.push_back(trim(s.substr(part_start)));
  return parts;
}

}  // namespace cyclerd::text

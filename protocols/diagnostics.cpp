#include "protocols/diagnostics.hpp"

#include <utility>

namespace cyclerd {

std::string pointer_append(std::string_view base, std::string_view token) {
  std::string out(base);
  out.reserve(base.size() + token.size() + 1);
  out += '/';
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_append(std::string_view base, std::size_t index) {
  return std::string(base) + "/" + std::to_string(index);
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    if (c < 0x80U) {
      len = 1;
    } else if ((c & 0xE0U) == 0xC0U && c >= 0xC2U) {
      len = 2;
    } else if ((c & 0xF0U) == 0xE0U) {
      len = 3;
    } else if ((c & 0xF8U) == 0xF0U && c <= 0xF4U) {
      len = 4;
    }
    bool ok = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0U) == 0x80U;
    }
    if (ok && len >= 3) {
      // Overlong forms and UTF-16 surrogates are invalid too (JSON serialisers reject them).
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xE0U && c1 < 0xA0U) && !(c == 0xEDU && c1 >= 0xA0U) && !(c == 0xF0U && c1 < 0x90U) &&
           !(c == 0xF4U && c1 >= 0x90U);
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

void Diagnostics::add(std::string pointer, std::string message) {
  if (errors_.size() < kMaxErrors) {
    errors_.push_back({valid_utf8(pointer), valid_utf8(message)});
    return;
  }
  // Keep the last entry as a summary so the caller knows the list is not complete.
  ++dropped_;
  errors_.back() = {"", "and " + std::to_string(dropped_ + 1) +
                            " more errors; fix the ones above first (the list stops at " +
                            std::to_string(kMaxErrors) + ")"};
}

void Diagnostics::add(const Error& error, const std::string& fallback_pointer) {
  add(error.where().empty() ? fallback_pointer : error.where(), error.message());
}

std::string quote(std::string_view text) {
  constexpr std::size_t kLongest = 80;
  if (text.size() <= kLongest) return "'" + std::string(text) + "'";
  // Cut on a UTF-8 character boundary: messages end up in JSON, which must stay valid UTF-8.
  std::size_t cut = kLongest;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  return "'" + std::string(text.substr(0, cut)) + "...'";
}

}  // namespace cyclerd

#include "drivers/sim/model/random.hpp"

#include <charconv>
#include <functional>

namespace cyclerd::sim {

namespace {
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

Random::Random(std::uint64_t seed) { this->seed(seed); }

void Random::seed(std::uint64_t seed) {
  // splitmix64 spreads any seed (0 included) over the four words; they are never all zero.
  for (auto& word : s_) word = splitmix64(seed);
}

Random::result_type Random::operator()() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::string Random::text() const {
  std::string out;
  char buf[17];
  for (const auto word : s_) {
    const auto end = std::to_chars(buf, buf + sizeof buf, word, 16).ptr;
    if (!out.empty()) out += ' ';
    out.append(buf, end);
  }
  return out;
}

bool Random::restore(std::string_view text) {
  std::array<std::uint64_t, 4> words{};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  bool ok = true;
  for (std::size_t i = 0; i < words.size() && ok; ++i) {
    if (i > 0) ok = p < end && *p++ == ' ';
    if (!ok) break;
    const auto [next, ec] = std::from_chars(p, end, words[i], 16);
    ok = ec == std::errc() && next != p;
    p = next;
  }
  ok = ok && p == end && (words[0] | words[1] | words[2] | words[3]) != 0;
  if (ok) {
    s_ = words;
    return true;
  }
  seed(std::hash<std::string_view>{}(text));
  return false;
}

}  // namespace cyclerd::sim

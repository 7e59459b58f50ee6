// The simulator's random numbers (measurement noise, fault draws): xoshiro256** seeded through splitmix64.
// Its whole state is four words, so a checkpoint carries about 70 characters of it; std::mt19937_64 carried
// 312 words (6 kB of text), and every channel is checkpointed with each stored batch, five times a second.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cyclerd::sim {

class Random {
 public:
  using result_type = std::uint64_t;

  explicit Random(std::uint64_t seed = 0);

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()();

  // The state as four hexadecimal words, what restore() reads back.
  std::string text() const;
  // Restores a state written by text() and returns true. Any other text (a snapshot written before this
  // generator, which held std::mt19937_64's state) seeds the generator from a hash of it and returns false:
  // the run resumes with other noise rather than not at all.
  bool restore(std::string_view text);

 private:
  void seed(std::uint64_t seed);
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace cyclerd::sim

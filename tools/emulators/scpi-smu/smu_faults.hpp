// Fault injection of scpi-smu-emulator: `--fault KIND:key=value,...`, repeatable.
//
// Kinds: drop (a reply is never sent), delay (a reply comes `ms` late), garbage (random bytes and a line
// end instead of the reply), disconnect (the cable is cut for `down_ms`, -1 for good, before the reply),
// error (the instrument error `code`, decimal, e.g. -222, goes onto the error queue; the reply is sent).
// Keys: `at=N` (the Nth reply, counted from 1) or `every=N`, `times=N` (default once for `at`, always
// for `every`), `after=N` (only from the Nth reply on), `ms`, `down_ms`, `code`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cyclerd::emulator {

enum class SmuFaultKind { drop, delay, garbage, disconnect, error };

struct SmuFaultRule {
  SmuFaultKind kind = SmuFaultKind::drop;
  std::uint64_t at = 0, every = 0, after = 0;
  std::optional<std::uint64_t> times;
  int ms = 0;
  int down_ms = 1000;
  int code = -222;
  std::uint64_t fired = 0;
};

// Parses one --fault value; throws std::invalid_argument naming the bad part.
SmuFaultRule parse_smu_fault(const std::string& text);

// The faults that fire on one reply.
struct SmuFaultHit {
  bool drop = false, garbage = false, disconnect = false;
  int delay_ms = 0, down_ms = 0;
  std::vector<int> errors;
};

class SmuFaultPlan {
 public:
  explicit SmuFaultPlan(std::vector<SmuFaultRule> rules) : rules_(std::move(rules)) {}
  SmuFaultHit next_reply();

 private:
  std::vector<SmuFaultRule> rules_;
  std::uint64_t replies_ = 0;
};

}  // namespace cyclerd::emulator

// Fault injection for the emulator: `--fault KIND:key=value,...`, repeatable.
//
// Kinds: drop (the line is never sent), garbage (random bytes instead of the line), delay (the line
// comes `ms` late), disconnect (the cable is cut for `down_ms`, -1 for good; the instrument runs on),
// error (the script stops with the runtime error `!CODE: Line L`, skipping on_finished, as the device
// does). Keys: `every=N` or `at=N` (the Nth line of the target, counted from 1), `times=N` (how often
// the rule fires; default once for `at`, always for `every`), `target=package|reply` (data packages,
// the default, or answers to commands such as `e`, `t` and `Z`), `ms`, `down_ms`, `code` (hex).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cyclerd::emulator {

enum class FaultKind { drop, garbage, delay, disconnect, error };
enum class FaultTarget { package, reply };

struct FaultRule {
  FaultKind kind = FaultKind::drop;
  FaultTarget target = FaultTarget::package;
  std::uint64_t every = 0;   // 0: use `at`
  std::uint64_t at = 0;
  std::optional<std::uint64_t> times;
  int ms = 0;                // delay
  int down_ms = 1000;        // disconnect; negative: for good
  unsigned code = 0x0001;    // error
  std::uint64_t fired = 0;
};

// Parses one --fault value; throws std::invalid_argument naming the bad part.
FaultRule parse_fault(const std::string& text);

// What happens to the next line of `target`.
struct FaultHit {
  bool drop = false, garbage = false, disconnect = false;
  int delay_ms = 0;
  int down_ms = 0;
  std::optional<unsigned> error_code;
};

class FaultPlan {
 public:
  explicit FaultPlan(std::vector<FaultRule> rules) : rules_(std::move(rules)) {}
  // Counts one line of `target` and returns the faults that fire on it.
  FaultHit next(FaultTarget target);

 private:
  std::vector<FaultRule> rules_;
  std::uint64_t packages_ = 0, replies_ = 0;
};

}  // namespace cyclerd::emulator

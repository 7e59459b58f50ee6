// Injectable instrument faults of the simulated driver, for reliability tests of everything above it.
//
// A fault schedule is a table, given as the driver option "faults" or as the same JSON text in the URI's
// query ("sim://zns?seed=4&faults=[{...}]", how a channel of the daemon's configuration gets one):
//   [{"kind": "timeout", "at_s": 120},
//    {"kind": "corrupt", "probability": 0.01},
//    {"kind": "excursion", "at_s": 300, "duration_s": 10, "voltage_V": 4.5, "channel": 0}]
// Times are the channel's simulated time. A rule with at_s strikes the first reading that reaches
// at_s and every reading up to at_s + duration_s; a rule with a probability strikes each reading with
// that chance (from a seeded generator, so a run repeats exactly) and then lasts duration_s.
// A timed-out, corrupt or excursive reading still advances the cell (the data is lost or wrong, the
// cell ran on); a disconnect does not, and lasts until the driver is reopened.
// The faults live in the driver, around the model: the cell itself never sees them.
#pragma once

#include <cstdint>
#include <optional>
#include "drivers/sim/model/random.hpp"
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cyclerd::sim {

enum class FaultKind {
  timeout,     // the reading is never answered; the driver's own timeout reports Error(timeout)
  disconnect,  // the connection drops; every operation fails with Error(disconnected) until reopened
  corrupt,     // the reading arrives with garbage values, flagged sample_flag::corrupt
  excursion,   // the voltage reading spikes beyond the cell's window (a safety limit must catch it)
};

std::string_view to_string(FaultKind kind);

// One row of the schedule.
struct FaultRule {
  FaultKind kind = FaultKind::timeout;
  std::optional<double> at_s;          // when it strikes, or
  double probability = 0;              // the chance per reading when at_s is absent
  double duration_s = 0;               // how long it lasts once struck (0: one reading)
  std::optional<std::size_t> channel;  // every channel when absent
  std::optional<double> voltage_V;     // the reported voltage of an excursion (default: window + 1 V)
};

// Parses the "faults" option; throws Error(invalid_input) naming the row and the field.
std::vector<FaultRule> parse_fault_rules(const nlohmann::json& table, std::string_view where);

// What the faults do to one reading.
struct FaultHit {
  bool timeout = false;
  bool disconnect = false;
  bool corrupt = false;
  bool excursion = false;
  std::optional<double> excursion_V;  // the rule's voltage_V; unset: the driver picks one

  bool any() const { return timeout || disconnect || corrupt || excursion; }
};

// The schedule as one channel sees it: which rules have struck, until when, and the random state.
class ChannelFaults {
 public:
  ChannelFaults(const std::vector<FaultRule>& rules, std::size_t channel, std::uint64_t seed);

  // The faults striking a reading that would reach simulated time t_s.
  FaultHit strike(double t_s);

  // The exact state, so that a restored run meets the same faults.
  nlohmann::json snapshot() const;
  void restore(const nlohmann::json& state);

 private:
  struct Armed {
    FaultRule rule;
    bool struck = false;             // an at_s rule strikes once
    double active_until_s = -1e300;  // lasts through this time once struck
  };
  std::vector<Armed> armed_;
  Random rng_;
};

}  // namespace cyclerd::sim

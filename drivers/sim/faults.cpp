#include "drivers/sim/faults.hpp"

#include <array>
#include <cmath>
#include <random>
#include <sstream>

#include "core/error.hpp"

namespace cyclerd::sim {

namespace {

constexpr std::array<FaultKind, 4> all_kinds{FaultKind::timeout, FaultKind::disconnect, FaultKind::corrupt,
                                             FaultKind::excursion};

double finite_number(const nlohmann::json& row, const char* key, const std::string& where) {
  const auto& value = row.at(key);
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    throw Error(ErrorCode::invalid_input, std::string(key) + " must be a number, got " + value.dump(), where);
  }
  return value.get<double>();
}

}  // namespace

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::timeout: return "timeout";
    case FaultKind::disconnect: return "disconnect";
    case FaultKind::corrupt: return "corrupt";
    case FaultKind::excursion: return "excursion";
  }
  return "unknown";
}

std::vector<FaultRule> parse_fault_rules(const nlohmann::json& table, std::string_view where) {
  if (!table.is_array()) {
    throw Error(ErrorCode::invalid_input, "faults must be an array of {kind, at_s | probability, ...}",
                std::string(where));
  }
  std::vector<FaultRule> rules;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& row = table[i];
    std::string at = std::string(where) + " faults[" + std::to_string(i) + "]";
    if (!row.is_object()) throw Error(ErrorCode::invalid_input, "a fault must be an object", at);
    FaultRule rule;
    bool has_kind = false;
    for (const auto& [key, value] : row.items()) {
      if (key == "kind") {
        std::string name = value.is_string() ? value.get<std::string>() : value.dump();
        for (FaultKind kind : all_kinds) {
          if (name == to_string(kind)) {
            rule.kind = kind;
            has_kind = true;
          }
        }
        if (!has_kind) {
          throw Error(ErrorCode::invalid_input,
                      "bad kind \"" + name + "\": expected timeout, disconnect, corrupt or excursion", at);
        }
      } else if (key == "at_s") {
        rule.at_s = finite_number(row, "at_s", at);
      } else if (key == "probability") {
        rule.probability = finite_number(row, "probability", at);
        if (rule.probability < 0 || rule.probability > 1) {
          throw Error(ErrorCode::invalid_input, "probability must be within 0..1, got " + value.dump(), at);
        }
      } else if (key == "duration_s") {
        rule.duration_s = finite_number(row, "duration_s", at);
        if (rule.duration_s < 0) {
          throw Error(ErrorCode::invalid_input, "duration_s must be >= 0, got " + value.dump(), at);
        }
      } else if (key == "channel") {
        if (!value.is_number_integer() || value.get<long long>() < 0) {
          throw Error(ErrorCode::invalid_input, "channel must be a channel number, got " + value.dump(), at);
        }
        rule.channel = value.get<std::size_t>();
      } else if (key == "voltage_V") {
        rule.voltage_V = finite_number(row, "voltage_V", at);
      } else {
        throw Error(ErrorCode::invalid_input,
                    "unknown key \"" + key + "\" (known: kind, at_s, probability, duration_s, channel, voltage_V)",
                    at);
      }
    }
    if (!has_kind) throw Error(ErrorCode::invalid_input, "a fault needs a kind", at);
    if (rule.at_s.has_value() == row.contains("probability")) {
      throw Error(ErrorCode::invalid_input, "a fault needs exactly one of at_s and probability", at);
    }
    if (rule.kind == FaultKind::disconnect && rule.duration_s > 0) {
      throw Error(ErrorCode::invalid_input, "a disconnect lasts until the driver is reopened; drop duration_s", at);
    }
    rules.push_back(rule);
  }
  return rules;
}

ChannelFaults::ChannelFaults(const std::vector<FaultRule>& rules, std::size_t channel, std::uint64_t seed)
    // Each channel draws from its own stream so that adding a channel changes no other channel's faults.
    : rng_(seed ^ (0x9E3779B97F4A7C15ull * (channel + 1))) {
  for (const auto& rule : rules) {
    if (!rule.channel || *rule.channel == channel) armed_.push_back({rule});
  }
}

FaultHit ChannelFaults::strike(double t_s) {
  FaultHit hit;
  for (auto& a : armed_) {
    bool active = false;
    if (a.rule.at_s) {
      if (!a.struck && t_s >= *a.rule.at_s) {
        a.struck = true;
        a.active_until_s = *a.rule.at_s + a.rule.duration_s;
        active = true;
      } else {
        // A one-reading fault must not strike again when the clock has not moved (after a disconnect).
        active = a.struck && a.rule.duration_s > 0 && t_s <= a.active_until_s;
      }
    } else {
      // One draw per rule per reading, struck or not, so the sequence never depends on the outcome.
      bool draw = std::uniform_real_distribution<double>(0, 1)(rng_) < a.rule.probability;
      if (draw && t_s > a.active_until_s) a.active_until_s = t_s + a.rule.duration_s;
      active = draw || t_s <= a.active_until_s;
    }
    if (!active) continue;
    switch (a.rule.kind) {
      case FaultKind::timeout: hit.timeout = true; break;
      case FaultKind::disconnect: hit.disconnect = true; break;
      case FaultKind::corrupt: hit.corrupt = true; break;
      case FaultKind::excursion:
        hit.excursion = true;
        if (a.rule.voltage_V) hit.excursion_V = a.rule.voltage_V;
        break;
    }
  }
  return hit;
}

nlohmann::json ChannelFaults::snapshot() const {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& a : armed_) rules.push_back({{"struck", a.struck}, {"active_until_s", a.active_until_s}});
  return {{"rules", rules}, {"rng", rng_.text()}};
}

void ChannelFaults::restore(const nlohmann::json& state) {
  const auto& rules = state.at("rules");
  if (rules.size() != armed_.size()) {
    throw Error(ErrorCode::invalid_state, "the snapshot was taken with a different fault schedule",
                "faults");
  }
  for (std::size_t i = 0; i < armed_.size(); ++i) {
    armed_[i].struck = rules[i].at("struck").get<bool>();
    armed_[i].active_until_s = rules[i].at("active_until_s").get<double>();
  }
  rng_.restore(state.at("rng").get<std::string>());
}

}  // namespace cyclerd::sim

#include "tools/emulators/scpi-smu/smu_faults.hpp"

#include <stdexcept>

namespace cyclerd::emulator {

namespace {

long long integer(const std::string& key, const std::string& value, const std::string& text) {
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size()) {
    throw std::invalid_argument("--fault " + text + ": " + key + "=" + value + " is not an integer");
  }
  return n;
}

}  // namespace

SmuFaultRule parse_smu_fault(const std::string& text) {
  SmuFaultRule rule;
  std::string kind = text.substr(0, text.find(':'));
  if (kind == "drop") rule.kind = SmuFaultKind::drop;
  else if (kind == "delay") rule.kind = SmuFaultKind::delay;
  else if (kind == "garbage") rule.kind = SmuFaultKind::garbage;
  else if (kind == "disconnect") rule.kind = SmuFaultKind::disconnect;
  else if (kind == "error") rule.kind = SmuFaultKind::error;
  else throw std::invalid_argument("--fault " + text + ": unknown kind \"" + kind +
                                   "\" (drop, delay, garbage, disconnect, error)");
  std::size_t colon = text.find(':');
  std::string rest = colon == std::string::npos ? "" : text.substr(colon + 1);
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string pair = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    std::size_t eq = pair.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--fault " + text + ": \"" + pair + "\" is not key=value");
    std::string key = pair.substr(0, eq), value = pair.substr(eq + 1);
    long long n = integer(key, value, text);
    bool non_negative = n >= 0;
    if (key == "at" && non_negative) rule.at = static_cast<std::uint64_t>(n);
    else if (key == "every" && n > 0) rule.every = static_cast<std::uint64_t>(n);
    else if (key == "after" && non_negative) rule.after = static_cast<std::uint64_t>(n);
    else if (key == "times" && non_negative) rule.times = static_cast<std::uint64_t>(n);
    else if (key == "ms" && non_negative) rule.ms = static_cast<int>(n);
    else if (key == "down_ms") rule.down_ms = static_cast<int>(n);
    else if (key == "code") rule.code = static_cast<int>(n);
    else throw std::invalid_argument("--fault " + text + ": bad key or value \"" + pair +
                                     "\" (at, every, after, times, ms, down_ms, code)");
  }
  if (rule.at == 0 && rule.every == 0) throw std::invalid_argument("--fault " + text + ": give at=N or every=N");
  if (!rule.times && rule.at != 0) rule.times = 1;
  return rule;
}

SmuFaultHit SmuFaultPlan::next_reply() {
  ++replies_;
  SmuFaultHit hit;
  for (auto& r : rules_) {
    if (r.times && r.fired >= *r.times) continue;
    if (replies_ < r.after) continue;
    bool due = r.every != 0 ? (replies_ % r.every == 0) : (replies_ >= r.at && r.fired == 0);
    if (!due) continue;
    ++r.fired;
    switch (r.kind) {
      case SmuFaultKind::drop: hit.drop = true; break;
      case SmuFaultKind::delay: hit.delay_ms += r.ms; break;
      case SmuFaultKind::garbage: hit.garbage = true; break;
      case SmuFaultKind::disconnect:
        hit.disconnect = true;
        hit.down_ms = r.down_ms;
        break;
      case SmuFaultKind::error: hit.errors.push_back(r.code); break;
    }
  }
  return hit;
}

}  // namespace cyclerd::emulator

#include "tools/emulators/methodscript/faults.hpp"

#include <stdexcept>

namespace cyclerd::emulator {

namespace {

std::uint64_t count(const std::string& key, const std::string& value) {
  std::size_t used = 0;
  unsigned long long n = 0;
  try {
    n = std::stoull(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty()) throw std::invalid_argument(key + "=" + value + ": expected a count");
  return n;
}

int milliseconds(const std::string& key, const std::string& value) {
  std::size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty()) throw std::invalid_argument(key + "=" + value + ": expected milliseconds");
  return n;
}

}  // namespace

FaultRule parse_fault(const std::string& text) {
  FaultRule rule;
  auto colon = text.find(':');
  std::string kind = text.substr(0, colon);
  if (kind == "drop") rule.kind = FaultKind::drop;
  else if (kind == "garbage") rule.kind = FaultKind::garbage;
  else if (kind == "delay") rule.kind = FaultKind::delay;
  else if (kind == "disconnect") rule.kind = FaultKind::disconnect;
  else if (kind == "error") rule.kind = FaultKind::error;
  else throw std::invalid_argument("fault \"" + kind + "\": expected drop, garbage, delay, disconnect or error");
  std::string rest = colon == std::string::npos ? "" : text.substr(colon + 1);
  std::size_t pos = 0;
  while (pos < rest.size()) {
    auto comma = rest.find(',', pos);
    std::string item = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("fault item \"" + item + "\": expected key=value");
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "every") rule.every = count(key, value);
    else if (key == "at") rule.at = count(key, value);
    else if (key == "times") rule.times = count(key, value);
    else if (key == "ms") rule.ms = milliseconds(key, value);
    else if (key == "down_ms") rule.down_ms = milliseconds(key, value);
    else if (key == "code") rule.code = static_cast<unsigned>(std::stoul(value, nullptr, 16));
    else if (key == "target" && (value == "package" || value == "reply"))
      rule.target = value == "package" ? FaultTarget::package : FaultTarget::reply;
    else throw std::invalid_argument("fault key \"" + key + "\" (known: every, at, times, ms, down_ms, code, target)");
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (rule.every == 0 && rule.at == 0) throw std::invalid_argument("fault \"" + text + "\": needs every=N or at=N");
  if (rule.at != 0 && !rule.times) rule.times = 1;
  return rule;
}

FaultHit FaultPlan::next(FaultTarget target) {
  std::uint64_t n = target == FaultTarget::package ? ++packages_ : ++replies_;
  FaultHit hit;
  for (auto& rule : rules_) {
    if (rule.target != target) continue;
    if (rule.times && rule.fired >= *rule.times) continue;
    bool due = rule.every ? n % rule.every == 0 : n == rule.at;
    if (rule.every && rule.at) due = n >= rule.at && (n - rule.at) % rule.every == 0;
    if (!due) continue;
    ++rule.fired;
    switch (rule.kind) {
      case FaultKind::drop: hit.drop = true; break;
      case FaultKind::garbage: hit.garbage = true; break;
      case FaultKind::delay: hit.delay_ms += rule.ms; break;
      case FaultKind::disconnect:
        hit.disconnect = true;
        hit.down_ms = rule.down_ms;
        break;
      case FaultKind::error: hit.error_code = rule.code; break;
    }
  }
  return hit;
}

}  // namespace cyclerd::emulator

#include "tools/cyclerctl/watch_view.hpp"

#include <algorithm>
#include <ctime>
#include <sstream>

#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {

using nlohmann::json;

namespace {

// `j[key]` when j is an object that has it, null otherwise (what the daemon sends is read defensively).
json field(const json& j, const char* key) { return j.is_object() && j.contains(key) ? j[key] : json(); }

std::string milliamps(const json& amps) { return amps.is_number() ? fixed(1000 * amps.get<double>(), 3) : "-"; }

std::string hours(const json& seconds) { return seconds.is_number() ? fixed(seconds.get<double>() / 3600, 2) : "-"; }

std::string percent(const json& fraction) {
  return fraction.is_number() ? fixed(100 * fraction.get<double>(), 0) + " %" : "-";
}

bool is_final(const std::string& state) {
  return state == "completed" || state == "stopped" || state == "cancelled" || state == "failed";
}

}  // namespace

bool WatchView::start() {
  subscribe();
  if (!run_) {
    refresh_channels();
    return true;
  }
  status_ = rpc_.call("runs.get", {{"run_id", *run_}});
  cycles_.clear();
  events_.clear();
  const json cycles = rpc_.call("runs.cycles", {{"run_id", *run_}});  // kept: the loops read into them
  const json events = rpc_.call("runs.events", {{"run_id", *run_}});
  for (const auto& c : field(cycles, "cycles")) add_cycle(c);
  for (const auto& e : field(events, "events")) add_event(e);
  return !is_final(status_.value("state", ""));
}

void WatchView::subscribe() {
  json topics = json::array();
  if (run_) {
    for (const char* t : {"runs.progress", "runs.cycles", "events"}) topics.push_back({{"topic", t}, {"run_id", *run_}});
  } else {
    topics = {{{"topic", "runs.progress"}}, {{"topic", "events"}}};
  }
  rpc_.call("subscribe", {{"topics", topics}});
}

bool WatchView::take(const json& n) {
  const json p = field(n, "params");
  if (!p.is_object()) return true;
  const std::string topic = p.value("topic", "");
  const json d = field(p, "data");
  if (topic == "subscription.dropped") {
    // The terminal fell behind: subscribe again and catch up from the daemon's state.
    notice_ = "the daemon dropped this view's subscription (it fell behind); subscribed again";
    return start() || !run_;
  }
  if (topic == "runs.progress" && d.is_object()) {
    if (run_) {
      status_ = d;
    } else if (field(d, "channel").is_string()) {
      progress_[d["channel"].get<std::string>()] = d;
      for (auto& ch : channels_) {
        if (ch.value("id", "") != d["channel"]) continue;
        for (const char* k : {"step", "cycle", "voltage_V", "current_A"}) ch[k] = field(d, k);
      }
    }
  } else if (topic == "runs.cycles" && d.is_object()) {
    add_cycle(d);
  } else if (topic == "events" && d.is_object()) {
    if (run_) {
      add_event(d);
      if (d.value("kind", "") == "state") {
        const json state_json = field(field(d, "data"), "state");
        const std::string state = state_json.is_string() ? state_json.get<std::string>() : "";
        status_["state"] = state;
        if (is_final(state)) return false;
      }
    } else if (d.value("kind", "") == "state" || d.value("kind", "") == "channel_reset") {
      refresh_channels();  // a run started, paused or ended somewhere: the table's rows change
    }
  }
  return true;
}

std::string WatchView::frame() const {
  std::ostringstream out;
  char clock[16];
  const std::time_t now = std::time(nullptr);
  std::strftime(clock, sizeof clock, "%H:%M:%S", std::localtime(&now));
  out << "cyclerd " << where_ << "  " << clock << "  (Ctrl-C to quit)\n";
  if (!notice_.empty()) out << notice_ << "\n";
  out << "\n";
  if (run_) run_frame(out);
  else channels_frame(out);
  return out.str();
}

void WatchView::refresh_channels() {
  json listed = rpc_.call("channels.list");
  channels_ = listed.is_object() ? field(listed, "channels") : listed;
  if (!channels_.is_array()) channels_ = json::array();
  for (auto it = progress_.begin(); it != progress_.end();) {
    // Progress of a run that no longer executes on its channel is stale.
    bool current = false;
    for (const auto& ch : channels_) {
      current |= ch.value("id", "") == it->first && ch.value("run_id", json()) == it->second.value("run_id", json());
    }
    it = current ? std::next(it) : progress_.erase(it);
  }
}

void WatchView::add_cycle(const json& c) {
  // The subscription starts before runs.cycles is read, so a cycle may come both ways: keep it once.
  const json index = field(c, "cycle_index");
  if (!cycles_.empty() && index.is_number() && field(cycles_.back(), "cycle_index").is_number() &&
      index.get<std::int64_t>() <= cycles_.back()["cycle_index"].get<std::int64_t>()) {
    return;
  }
  cycles_.push_back(c);
  if (cycles_.size() > kLatestCycles) cycles_.pop_front();
}

void WatchView::add_event(const json& e) {
  events_.push_back(e);
  if (events_.size() > kLatestEvents) events_.pop_front();
}

void WatchView::channels_frame(std::ostream& out) const {
  TextTable t({"channel", "state", "run", "cell", "protocol", "step", "cycle", "V", "I mA", "progress", "left h"});
  for (const auto& ch : channels_) {
    const std::string id = ch.value("id", "");
    const auto p = progress_.find(id);
    const json none;
    const json& prog = p == progress_.end() ? none : p->second;
    auto at = [&ch](const char* key) { return ch.value(key, json()); };
    t.add_row({id, text_of(at("state")), text_of(at("run_id")), text_of(at("cell")), text_of(at("protocol")),
               text_of(at("step")), text_of(at("cycle")), text_of(at("voltage_V")), milliamps(at("current_A")),
               prog.is_null() ? "-" : percent(prog.value("progress", json())),
               prog.is_null() ? "-" : hours(prog.value("time_left_s", json()))});
  }
  t.print(out);
}

void WatchView::run_frame(std::ostream& out) const {
  const json& s = status_;
  out << "run " << text_of(s.value("run_id", json(run_.value_or(0)))) << " on " << text_of(s.value("channel", json()))
      << ": cell " << text_of(s.value("cell", json())) << ", protocol " << text_of(s.value("protocol", json()))
      << "  [" << text_of(s.value("state", json())) << "]\n";
  const json fraction = s.value("progress", json());
  constexpr int kBar = 30;
  const int filled = fraction.is_number() ? static_cast<int>(kBar * std::clamp(fraction.get<double>(), 0.0, 1.0)) : 0;
  out << "progress [" << std::string(filled, '#') << std::string(kBar - filled, '.') << "] " << percent(fraction)
      << "   elapsed " << hours(s.value("elapsed_s", json())) << " h   left " << hours(s.value("time_left_s", json()))
      << " h\n";
  out << "step " << text_of(s.value("step", json())) << "   cycle " << text_of(s.value("cycle", json())) << "   V "
      << text_of(s.value("voltage_V", json())) << "   I " << milliamps(s.value("current_A", json())) << " mA   samples "
      << text_of(s.value("samples", json())) << "\n\nlatest cycles\n";
  TextTable cycles({"cycle", "A/g", "charge mAh/g", "discharge mAh/g", "CE %", "hours"});
  for (const auto& c : cycles_) {
    auto at = [&c](const char* key) { return c.value(key, json()); };
    const json ce = at("coulombic_efficiency");
    cycles.add_row({text_of(at("cycle_index")), text_of(at("current_density_A_g"), 2),
                    text_of(at("charge_capacity_mAh_g"), 1), text_of(at("discharge_capacity_mAh_g"), 1),
                    ce.is_number() ? fixed(100 * ce.get<double>(), 1) : "-", hours(at("duration_s"))});
  }
  cycles.print(out);
  out << "\nlatest events\n";
  for (const auto& e : events_) {
    out << "  " << e.value("kind", "") << "  " << e.value("who", "") << "  " << e.value("text", "") << "\n";
  }
}

}  // namespace cyclerd::ctl

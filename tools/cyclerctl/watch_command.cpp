// `cyclerctl watch [RUN]`: a live view fed by the daemon's push subscription. Without RUN, the channels
// table (runs.progress and events of every run); with RUN, that run's progress, its latest cycles and
// events (runs.progress, runs.cycles and events of the run), until the run ends. Plain ANSI: the screen
// is cleared and redrawn, at most four times a second. `--json` prints the notifications themselves,
// one JSON text per line. Ctrl-C ends it cleanly (exit 0).
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "tools/cyclerctl/commands.hpp"
#include "tools/cyclerctl/rpc_client.hpp"
#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

// A JSON-RPC connection that also receives `notify` messages: answers are matched by id, notifications
// that arrive meanwhile are kept in order.
class NotificationStream {
 public:
  explicit NotificationStream(const std::string& host_port) {
    const auto colon = host_port.rfind(':');
    if (colon == std::string::npos) throw Unreachable("--connect wants HOST:PORT, not \"" + host_port + "\"");
    std::string host = host_port.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), host_port.substr(colon + 1).c_str(), &hints, &found) != 0 || !found) {
      throw Unreachable("cannot resolve " + host_port);
    }
    int error = 0;
    for (auto* a = found; a && fd_ < 0; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
        error = errno;
        ::close(fd_);
        fd_ = -1;
      }
    }
    ::freeaddrinfo(found);
    if (fd_ < 0) throw Unreachable("cannot reach cyclerd at " + host_port + " (" + std::strerror(error) + ")");
  }
  ~NotificationStream() {
    if (fd_ >= 0) ::close(fd_);
  }
  NotificationStream(const NotificationStream&) = delete;
  NotificationStream& operator=(const NotificationStream&) = delete;

  // Calls `method`; notifications received before its answer are kept for next().
  json call(const std::string& method, const json& params = json::object()) {
    const std::int64_t id = next_id_++;
    const std::string line = json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump() + "\n";
    for (std::size_t sent = 0; sent < line.size();) {
      const auto n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw Unreachable("cyclerd closed the connection");
      sent += static_cast<std::size_t>(n);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (true) {
      auto message = read_message(deadline);
      if (!message) {
        if (g_interrupted) throw Interrupted{};
        throw Unreachable("cyclerd did not answer " + method + " within 60 s");
      }
      if (!message->contains("id") || (*message)["id"] != id) {
        kept_.push_back(std::move(*message));
        continue;
      }
      if (message->contains("error")) {
        const auto& e = (*message)["error"];
        throw RpcFailure(e.value("code", 0), e.value("message", std::string("error")), e.value("data", json()));
      }
      return message->value("result", json());
    }
  }

  // The next notification, or nullopt when none came by `deadline` or a signal interrupted the wait.
  std::optional<json> next(Clock::time_point deadline) {
    if (!kept_.empty()) {
      json n = std::move(kept_.front());
      kept_.pop_front();
      return n;
    }
    return read_message(deadline);
  }

  struct Interrupted {};

 private:
  std::optional<json> read_message(Clock::time_point deadline) {
    while (true) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        auto message = json::parse(buffer_.substr(0, nl), nullptr, false);
        buffer_.erase(0, nl + 1);
        if (message.is_discarded()) throw Unreachable("cyclerd sent something that is not JSON");
        return message;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0 || g_interrupted) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;  // Ctrl-C: g_interrupted is set, checked above
      if (ready <= 0) continue;
      char chunk[65536];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) throw Unreachable("cyclerd closed the connection");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  int fd_ = -1;
  std::int64_t next_id_ = 1;
  std::string buffer_;
  std::deque<json> kept_;
};

std::string text_of(const json& v, int decimals = 3) {
  if (v.is_null()) return "-";
  if (v.is_number_float()) return fixed(v.get<double>(), decimals);
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

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

// Logs in with the token file's first token (a line "TOKEN" or "ROLE TOKEN NAME").
void login(NotificationStream& stream, const std::string& token_file) {
  if (token_file.empty()) return;
  std::ifstream in(token_file);
  if (!in) throw RpcFailure(0, "cannot read the token file " + token_file, nullptr);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    if (w.empty() || w[0][0] == '#') continue;
    stream.call("auth.login", {{"token", w.size() >= 2 ? w[1] : w[0]}});
    return;
  }
  throw RpcFailure(0, "no token in " + token_file, nullptr);
}

// What the screen shows; fed by the initial calls and then by notifications.
class WatchView {
 public:
  WatchView(NotificationStream& stream, std::optional<std::int64_t> run, std::string where)
      : stream_(stream), run_(run), where_(std::move(where)) {}

  // The subscription and the present state; false when a watched run is already over.
  bool start() {
    subscribe();
    if (!run_) {
      refresh_channels();
      return true;
    }
    status_ = stream_.call("runs.get", {{"run_id", *run_}});
    cycles_.clear();
    events_.clear();
    const json cycles = stream_.call("runs.cycles", {{"run_id", *run_}});  // kept: the loops read into them
    const json events = stream_.call("runs.events", {{"run_id", *run_}});
    for (const auto& c : field(cycles, "cycles")) add_cycle(c);
    for (const auto& e : field(events, "events")) add_event(e);
    return !is_final(status_.value("state", ""));
  }

  void subscribe() {
    json topics = json::array();
    if (run_) {
      for (const char* t : {"runs.progress", "runs.cycles", "events"}) topics.push_back({{"topic", t}, {"run_id", *run_}});
    } else {
      topics = {{{"topic", "runs.progress"}}, {{"topic", "events"}}};
    }
    stream_.call("subscribe", {{"topics", topics}});
  }

  // Takes one notification in; false when the watched run has ended.
  bool take(const json& n) {
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

  std::string frame() const {
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

 private:
  void refresh_channels() {
    json listed = stream_.call("channels.list");
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
  void add_cycle(const json& c) {
    // The subscription starts before runs.cycles is read, so a cycle may come both ways: keep it once.
    const json index = field(c, "cycle_index");
    if (!cycles_.empty() && index.is_number() && field(cycles_.back(), "cycle_index").is_number() &&
        index.get<std::int64_t>() <= cycles_.back()["cycle_index"].get<std::int64_t>()) {
      return;
    }
    cycles_.push_back(c);
    if (cycles_.size() > kLatestCycles) cycles_.pop_front();
  }
  void add_event(const json& e) {
    events_.push_back(e);
    if (events_.size() > kLatestEvents) events_.pop_front();
  }

  void channels_frame(std::ostream& out) const {
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

  void run_frame(std::ostream& out) const {
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

  static constexpr std::size_t kLatestCycles = 10;
  static constexpr std::size_t kLatestEvents = 6;

  NotificationStream& stream_;
  std::optional<std::int64_t> run_;
  std::string where_;
  json status_ = json::object();
  json channels_ = json::array();
  std::map<std::string, json> progress_;  // by channel id
  std::deque<json> cycles_;
  std::deque<json> events_;
  std::string notice_;
};

// The value of one of the parent's shared options (--connect, --token-file), or its default.
std::string parent_option(CLI::App& app, const std::string& name) {
  auto* option = app.get_option(name);
  return option->count() ? option->as<std::string>() : option->get_default_str();
}

int watch(CLI::App& app, std::optional<std::int64_t> run) {
  const std::string where = parent_option(app, "--connect");
  const bool as_json = app.get_option("--json")->count() > 0;
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  // No SA_RESTART: Ctrl-C must interrupt the wait for the next notification.
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  NotificationStream stream(where);
  login(stream, parent_option(app, "--token-file"));
  WatchView view(stream, run, "at " + where);
  bool going = view.start();
  const bool fancy = tty && !as_json;
  if (fancy) std::cout << "\x1b[?25l";  // hide the cursor while redrawing
  auto draw = [&] {
    if (as_json) return;
    if (fancy) std::cout << "\x1b[H\x1b[2J";
    std::cout << view.frame() << (fancy ? "" : "\n") << std::flush;
  };
  draw();
  constexpr auto kRedraw = std::chrono::milliseconds(250);
  auto drawn = Clock::now();
  bool dirty = false;
  try {
    while (going && !g_interrupted) {
      const auto n = stream.next(Clock::now() + std::chrono::seconds(1));
      if (n) {
        if (as_json) std::cout << n->dump() << '\n' << std::flush;
        going = view.take(*n);
        dirty = true;
      }
      // A redraw at most four times a second, and once a second for the clock.
      if (Clock::now() - drawn >= (dirty ? kRedraw : std::chrono::seconds(1)) || !going) {
        draw();
        drawn = Clock::now();
        dirty = false;
      }
    }
  } catch (const NotificationStream::Interrupted&) {
  } catch (...) {
    if (fancy) std::cout << "\x1b[?25h" << std::flush;
    throw;
  }
  if (fancy) std::cout << "\x1b[?25h" << std::flush;
  return kExitDone;
}

}  // namespace

void add_watch_command(CLI::App& app, Action& action) {
  auto run = std::make_shared<std::int64_t>(0);
  auto* cmd = app.add_subcommand("watch", "a live view: the channels table, or one run's progress and latest cycles");
  cmd->fallthrough();  // --connect, --token-file and --json may follow the subcommand
  cmd->add_option("run", *run, "the run to follow (until it ends); without it, every channel");
  cmd->callback([&app, &action, cmd, run] {
    const bool one_run = cmd->get_option("run")->count() > 0;
    action = [&app, run, one_run] {
      try {
        return watch(app, one_run ? std::optional<std::int64_t>(*run) : std::nullopt);
      } catch (const Unreachable& e) {
        std::cerr << "cyclerctl: " << e.what() << '\n';
        return kExitUnreachable;
      } catch (const RpcFailure& e) {
        std::cerr << "cyclerctl: " << e.what() << '\n';
        return kExitRefused;
      }
    };
  });
}

}  // namespace cyclerd::ctl

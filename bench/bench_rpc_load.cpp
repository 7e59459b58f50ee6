// The daemon under load (issue 7): N simulated channels in real time recording at R Hz while C clients
// each call channels.list F times a second. Starts the real cyclerd on a generated configuration and
// reports the daemon's CPU use (utime+stime from /proc/PID/stat over the measurement window), resident
// memory, p50/p99 RPC latency, next to the latency of a trivial loopback echo measured in the same run
// (the anchor: what the machine's scheduler and loopback cost on their own), and whether every channel
// kept recording on time. A load tool, not a unit test; bench/README.md gives the command.
//   bench_rpc_load [--channels 256] [--clients 32] [--rate-hz 10] [--record-hz 10] [--seconds 30]
//                  [--warmup-s 3] [--status-max-age-ms 100] [--cyclerd PATH] [--keep]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/daemon/sim_channels_config.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  int channels = 256, clients = 32;
  double rate_hz = 10, record_hz = 10, seconds = 30, warmup_s = 3;
  double status_max_age_ms = 100;  // the daemon's limits.status_max_age_ms
  std::string cyclerd = std::string(CYCLERD_BIN_DIR) + "/cyclerd";
  bool keep = false;
};

[[noreturn]] void die(const std::string& why) {
  std::cerr << "bench_rpc_load: " << why << "\n";
  std::exit(1);
}

// A blocking line client (JSON-RPC or echo) on 127.0.0.1:port.
class LineClient {
 public:
  explicit LineClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("cannot connect to port " + std::to_string(port));
  }
  ~LineClient() { ::close(fd_); }
  // Sends one line and returns the answer line (nullopt after 10 s or on a closed connection).
  std::optional<std::string> exchange(const std::string& line) {
    const std::string text = line + "\n";
    if (::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) return std::nullopt;
    while (true) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string answer = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return answer;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) return std::nullopt;
      char chunk[1 << 16];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  json call(const std::string& method, const json& params = json::object()) {
    const auto answer = exchange(json{{"jsonrpc", "2.0"}, {"id", ++id_}, {"method", method}, {"params", params}}.dump());
    if (!answer) die(method + ": no answer");
    const json r = json::parse(*answer);
    if (!r.contains("result")) die(method + ": " + r.dump());
    return r["result"];
  }

 private:
  int fd_ = -1;
  int id_ = 0;
  std::string buffer_;
};

// The anchor: a loopback server that writes every line back, on its own thread.
class EchoServer {
 public:
  EchoServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 4) != 0) die("echo server");
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      char chunk[1 << 16];
      ssize_t n;
      while ((n = ::recv(fd, chunk, sizeof chunk, 0)) > 0) ::send(fd, chunk, static_cast<std::size_t>(n), MSG_NOSIGNAL);
      ::close(fd);
    });
  }
  ~EchoServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

struct Daemon {
  pid_t pid = -1;
  std::uint16_t port = 0;
};

Daemon start_daemon(const Options& o, const fs::path& dir) {
  json config = cyclerd::test::sim_channels_config_json(o.channels, "realtime", "load.sqlite");
  config["limits"] = {{"max_connections", o.clients + 8}, {"status_max_age_ms", o.status_max_age_ms}};
  std::ofstream(dir / "cyclerd.json") << config.dump(2);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<std::string> args = {o.cyclerd, "--config", (dir / "cyclerd.json").string(), "--listen-tcp", "127.0.0.1:0",
                                     "--ready-file", (dir / "ready.json").string(), "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (!std::freopen((dir / "stderr.txt").c_str(), "w", stderr)) _exit(127);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  for (int i = 0; i < 3000 && !fs::exists(dir / "ready.json"); ++i) std::this_thread::sleep_for(10ms);
  if (!fs::exists(dir / "ready.json")) die("cyclerd did not start; see " + (dir / "stderr.txt").string());
  std::ifstream ready(dir / "ready.json");
  return {pid, json::parse(ready).at("tcp").get<std::uint16_t>()};
}

// utime + stime of a process, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
  std::string f;
  long long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoll(f);
    if (i == 15) {
      stime = std::stoll(f);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long status_kB(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
  }
  return -1;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Samples recorded so far per run.
std::map<std::int64_t, std::int64_t> sample_counts(LineClient& c) {
  std::map<std::int64_t, std::int64_t> out;
  const json runs = c.call("runs.list");
  for (const auto& r : runs["runs"]) out[r["run_id"].get<std::int64_t>()] = r["samples"].get<std::int64_t>();
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--channels") o.channels = std::stoi(next());
    else if (a == "--clients") o.clients = std::stoi(next());
    else if (a == "--rate-hz") o.rate_hz = std::stod(next());
    else if (a == "--record-hz") o.record_hz = std::stod(next());
    else if (a == "--seconds") o.seconds = std::stod(next());
    else if (a == "--warmup-s") o.warmup_s = std::stod(next());
    else if (a == "--status-max-age-ms") o.status_max_age_ms = std::stod(next());
    else if (a == "--cyclerd") o.cyclerd = next();
    else if (a == "--keep") o.keep = true;
    else die("unknown option " + a + " (see the comment at the top of bench_rpc_load.cpp)");
  }
  if (o.channels < 1 || o.clients < 1 || o.rate_hz <= 0 || o.record_hz <= 0 || o.seconds <= 0) die("bad option values");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  const fs::path dir = fs::temp_directory_path() / ("cyclerd-load-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string loadavg;
  std::getline(std::ifstream("/proc/loadavg"), loadavg);

  const Daemon daemon = start_daemon(o, dir);
  LineClient control(daemon.port);
  control.call("cells.create", {{"name", "load-cell"}, {"active_mass_mg", 1.0}});
  const json protocol = {{"name", "load-cc"},
                         {"record", {{"every", std::to_string(1.0 / o.record_hz) + " s"}}},
                         {"steps", {"Discharge at 0.05 A/g until 0.01 V"}}};
  for (int i = 1; i <= o.channels; ++i) {
    control.call("runs.submit", {{"channel", "sim-" + std::to_string(i)}, {"cell", "load-cell"}, {"protocol", protocol}});
  }
  for (int tries = 0;; ++tries) {
    const json listed = control.call("channels.list");
    const json& channels = listed.is_object() ? listed["channels"] : listed;
    const auto running = std::count_if(channels.begin(), channels.end(), [](const json& c) { return c["state"] == "running"; });
    if (running == o.channels) break;
    if (tries > 300) die(std::to_string(running) + " of " + std::to_string(o.channels) + " channels running after 30 s");
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_s));

  // Clients and the echo anchor run on the same schedule; only calls inside the window are counted.
  EchoServer echo;
  std::atomic<bool> measuring{false}, stop{false};
  std::atomic<long> errors{0};
  std::atomic<std::size_t> reply_bytes{0};
  std::mutex mutex;
  std::vector<double> rpc_ms, echo_ms;
  auto client = [&](std::uint16_t port, bool is_echo, int seed) {
    LineClient c(port);
    std::mt19937 rng(static_cast<unsigned>(seed));
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o.rate_hz));
    auto next = Clock::now() + std::chrono::duration_cast<Clock::duration>(period * std::uniform_real_distribution<>(0, 1)(rng));
    std::vector<double> mine;
    int id = 0;
    while (!stop) {
      std::this_thread::sleep_until(next);
      next += period;
      const std::string line = json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", "channels.list"}, {"params", json::object()}}.dump();
      const auto t0 = Clock::now();
      const auto answer = c.exchange(line);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (!answer || (!is_echo && answer->find("\"result\"") == std::string::npos)) ++errors;
      else if (!is_echo) reply_bytes = answer->size();
      if (measuring) mine.push_back(ms);
    }
    std::lock_guard lock(mutex);
    auto& all = is_echo ? echo_ms : rpc_ms;
    all.insert(all.end(), mine.begin(), mine.end());
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < o.clients; ++i) threads.emplace_back(client, daemon.port, false, i + 1);
  threads.emplace_back(client, echo.port(), true, 0);
  std::this_thread::sleep_for(1s);  // every client connected and on its schedule

  const auto before = sample_counts(control);
  const double cpu0 = cpu_seconds(daemon.pid);
  const auto t0 = Clock::now();
  measuring = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  measuring = false;
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds(daemon.pid) - cpu0;
  const auto after = sample_counts(control);
  const long rss_kB = status_kB(daemon.pid, "VmRSS"), peak_kB = status_kB(daemon.pid, "VmHWM");
  stop = true;
  for (auto& t : threads) t.join();

  // Records of each run over the window. The counts are what is stored, which lags by up to one storage
  // batch (0.2 s) at each edge of the window: a run is on time when it misses no more than that.
  double slowest = 1e9, total = 0;
  for (const auto& [run, n] : after) {
    const double rate = static_cast<double>(n - before.at(run)) / wall;
    slowest = std::min(slowest, rate);
    total += rate;
  }
  const double allowed_short = 2 * 0.2 * o.record_hz + 2;
  ::kill(daemon.pid, SIGTERM);
  int status = 0;
  ::waitpid(daemon.pid, &status, 0);
  if (!o.keep) fs::remove_all(dir);

  const double p50 = percentile(rpc_ms, 0.5), p99 = percentile(rpc_ms, 0.99);
  const double e50 = percentile(echo_ms, 0.5), e99 = percentile(echo_ms, 0.99);
  std::printf("cyclerd under load: %d simulated channels in real time recording at %.0f Hz, %d clients x channels.list at %.0f Hz, %.0f s window\n",
              o.channels, o.record_hz, o.clients, o.rate_hz, wall);
  std::printf("  machine: %u cores, load average at start %s\n", std::thread::hardware_concurrency(), loadavg.c_str());
  std::printf("  channels.list: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu calls, %ld errors, reply %.0f kB)\n", p50, p99,
              rpc_ms.empty() ? 0.0 : *std::max_element(rpc_ms.begin(), rpc_ms.end()), rpc_ms.size(), errors.load(),
              static_cast<double>(reply_bytes.load()) / 1024);
  std::printf("  loopback echo (anchor, same run): p50 %.3f ms, p99 %.3f ms; channels.list p99 = %.0fx echo p99\n", e50, e99,
              e99 > 0 ? p99 / e99 : 0.0);
  std::printf("  daemon CPU: %.0f %% of one core (utime+stime %.1f s over %.1f s); resident %.0f MB (peak %.0f MB)\n",
              100 * cpu / wall, cpu, wall, static_cast<double>(rss_kB) / 1024, static_cast<double>(peak_kB) / 1024);
  std::printf("  recording: %zu runs, mean %.2f records/s, slowest %.2f records/s (target %.0f; stored counts lag by one 0.2 s batch)\n",
              after.size(), after.empty() ? 0.0 : total / static_cast<double>(after.size()), slowest, o.record_hz);
  std::printf("  p99 target (< 5 ms): %s\n", p99 < 5 ? "met" : "NOT met");
  // Failures of the daemon (not of the latency target) are the exit code: the smoke run checks them.
  const bool on_time = slowest * wall >= o.record_hz * wall - allowed_short;
  if (errors > 0 || !on_time || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::printf("  FAILED: %s\n", errors > 0 ? "unanswered calls" : !on_time ? "a channel fell behind" : "cyclerd did not exit cleanly");
    return 1;
  }
  return 0;
}

// A subscriber that never reads its socket is dropped (it gets subscription.dropped once its queue is
// full) while 64 simulated channels record every sample and other clients are served: the channels never
// wait for a client.
#include <atomic>
#include <set>

#include "schema/database.hpp"
#include "tests/daemon/push_client.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kChannels = 64;

// 10 simulated minutes at 10 records a second: 6001 records per run, ~12 s of wall time at speed 50 (the
// 64 channels together record ~32,000 samples a second, every one pushed to the silent subscriber).
const json kRest = {{"name", "slow-subscriber-rest"}, {"record", {{"every", "0.1 s"}}}, {"steps", {"Rest for 10 min"}}};

// A raw socket with a tiny receive buffer that is never read: the daemon's bounded queue fills quickly.
class SilentSubscriber {
 public:
  explicit SilentSubscriber(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int small = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~SilentSubscriber() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send_line(const std::string& line) {
    const std::string text = line + "\n";
    return ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }
  // Reads everything the daemon had queued (until it stays silent for a second); the lines, in order.
  std::vector<std::string> drain() {
    std::vector<std::string> lines;
    std::string buffer;
    char chunk[65536];
    while (true) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0) break;
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        lines.push_back(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
      }
    }
    return lines;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// The records of the same protocol run by `cyclerctl simulate` alone (no daemon, no subscribers).
std::int64_t reference_records(const fs::path& dir) {
  write_file(dir / "rest.json", kRest.dump());
  const std::string cmd = std::string(CYCLERD_BIN_DIR) + "/cyclerctl simulate --protocol " + (dir / "rest.json").string() +
                          " --preset zns --mass-mg 1 --json 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string text;
  char buf[65536];
  while (const auto n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  ::pclose(p);
  const auto j = json::parse(text, nullptr, false);
  return j.is_object() ? j["totals"]["records"].get<std::int64_t>() : -1;
}

TEST(PushSlow, SilentSubscriberIsDroppedWhileSixtyFourChannelsRecordEverySample) {
  Daemon daemon(sim_channels_config(kChannels, 50));
  PushClient control(daemon.port());
  control.result("cells.create", {{"name", "slow-cell"}, {"active_mass_mg", 1.0}});

  const json all_topics = {{{"topic", "runs.samples"}, {"max_rate_hz", 1000}}, {{"topic", "runs.cycles"}},
                           {{"topic", "events"}}, {{"topic", "runs.progress"}}};
  SilentSubscriber silent(daemon.port());
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(silent.send_line(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "subscribe"}, {"params", {{"topics", all_topics}}}}.dump()));

  // A subscriber that keeps up, on its own thread: it must never be dropped.
  std::atomic<bool> stop{false};
  std::atomic<long> fast_samples{0};
  std::atomic<bool> fast_dropped{false};
  std::atomic<bool> fast_disordered{false};
  PushClient fast(daemon.port());
  json fast_topics = all_topics;
  fast_topics[0]["max_rate_hz"] = 20;  // what a live plot takes; the test thread reads it with room to spare
  ASSERT_TRUE(fast.result("subscribe", {{"topics", fast_topics}}).is_object());
  // Joined on every way out of the test (a failed ASSERT returns early).
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } reader{stop, std::thread([&] {
    std::map<std::int64_t, std::int64_t> last_index;
    while (!stop) {
      const auto n = fast.next(200ms);
      if (!n) continue;
      const json& p = (*n)["params"];
      if (p["topic"] == "subscription.dropped") fast_dropped = true;
      if (p["topic"] == "runs.samples") {
        ++fast_samples;
        const std::int64_t run = p["run_id"], index = p["data"]["index"];
        if (last_index.count(run) && index <= last_index[run]) fast_disordered = true;
        last_index[run] = index;
      }
    }
  })};

  std::vector<std::int64_t> runs;
  for (int i = 1; i <= kChannels; ++i) {
    const json r = control.result("runs.submit", {{"channel", "sim-" + std::to_string(i)}, {"cell", "slow-cell"}, {"protocol", kRest}});
    ASSERT_TRUE(r.is_object());
    runs.push_back(r["run_id"]);
  }

  // Other clients are answered all along (each call must come back: the io thread never waits for the
  // silent client), and the runs finish.
  int answered = 0;
  bool all_final = false;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (!all_final && std::chrono::steady_clock::now() < deadline) {
    PushClient other(daemon.port());
    const json listed = other.result("channels.list");
    ASSERT_TRUE(listed.is_object()) << "a client was not answered";
    const json& channels = listed["channels"];
    ASSERT_EQ(channels.size(), static_cast<std::size_t>(kChannels));
    ++answered;
    all_final = true;
    const json runs_now = control.result("runs.list");  // kept: a range-for over a temporary's member dangles
    for (const auto& r : runs_now["runs"]) {
      if (r["state"] != "completed") all_final = false;
      ASSERT_NE(r["state"], "paused") << "a run paused (storage could not keep up?): " << r;
      ASSERT_NE(r["state"], "failed") << r;
    }
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_TRUE(all_final) << "the runs did not complete within 120 s";
  EXPECT_GT(answered, 4);
  stop = true;
  reader.thread.join();

  // The silent client was dropped: after what had been queued comes subscription.dropped, then nothing.
  const auto lines = silent.drain();
  ASSERT_FALSE(lines.empty());
  std::size_t dropped_at = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("\"subscription.dropped\"") != std::string::npos) {
      dropped_at = i;
      break;
    }
  }
  ASSERT_LT(dropped_at, lines.size()) << "no subscription.dropped among " << lines.size() << " lines";
  const json notice = json::parse(lines[dropped_at]);
  EXPECT_EQ(notice["method"], "notify");
  EXPECT_EQ(notice["params"]["data"]["topics"].size(), 4u) << notice;
  EXPECT_EQ(dropped_at, lines.size() - 1) << "notifications after the drop: " << lines.back();

  // The subscriber that kept up kept its subscriptions and saw each run's samples in order.
  EXPECT_FALSE(fast_dropped);
  EXPECT_FALSE(fast_disordered);
  EXPECT_GT(fast_samples.load(), 1000);

  // Every run recorded every sample: indices 0..n-1, and the same n for every run.
  const auto db = daemon.dir() / "test.sqlite";
  ASSERT_EQ(daemon.terminate(), 0);
  store::Connection c(db.string(), store::OpenMode::read_only);
  std::set<std::int64_t> counts;
  for (const auto run : runs) {
    auto s = c.prepare("SELECT count(*), min(sample_index), max(sample_index) FROM samples WHERE run_id=?");
    s.bind(1, run);
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.column_int(1), 0) << "run " << run;
    EXPECT_EQ(s.column_int(2), s.column_int(0) - 1) << "a gap in run " << run;
    counts.insert(s.column_int(0));
  }
  EXPECT_EQ(counts.size(), 1u) << "runs of the same protocol recorded different counts";
  EXPECT_EQ(*counts.begin(), reference_records(daemon.dir())) << "a run recorded fewer samples than without load";
}

}  // namespace
}  // namespace cyclerd::test

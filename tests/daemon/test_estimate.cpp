// protocols.estimate runs its dry run off the io thread: other clients and the channels are served while
// it runs, a protocol past the bound gets a partial estimate flagged as such, and SIGTERM does not wait
// for a dry run to end.
#include "tests/daemon/lab_helpers.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const char* kConfig = R"({"auth": {"required": false}, "limits": {"estimate_max_samples": 200000}, "channels": [
  {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"}]})";

// Long for a dry run: the paper's 1800 cycles at 15 A/g (some seconds of one core).
json long_estimate(int id) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "protocols.estimate"},
          {"params", {{"protocol", "long-cycling"}, {"cell", "A"}}}};
}

TEST(Estimate, OtherClientsAndChannelsAreServedWhileADryRunRuns) {
  const char* config = R"({"auth": {"required": false}, "channels": [
    {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"}]})";
  Daemon daemon(config);
  Client a(daemon.port()), b(daemon.port());
  call_ok(b, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  const json run = call_ok(b, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}});
  ASSERT_TRUE(a.send_line(long_estimate(7).dump()));
  // While the dry run goes on, the other client is answered, again and again, and the channel's run
  // records samples; the estimating client has no answer yet.
  std::int64_t samples_seen = 0;
  // (The dry run takes seconds; the run stores its first batch within 200 ms.)
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(call_ok(b, "daemon.info")["name"], "cyclerd");
    samples_seen = std::max(samples_seen, stored_samples(daemon.dir() / "test.sqlite", run["run_id"]).count);
    std::this_thread::sleep_for(60ms);
  }
  EXPECT_FALSE(a.read_line(0ms)) << "the dry run answered before the other client's ten calls";
  EXPECT_GT(samples_seen, 0) << "the channel's run did not progress during the dry run";
  const auto answer = a.read_line(120s);
  ASSERT_TRUE(answer);
  const json r = json::parse(*answer);
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(r["id"], 7);
  EXPECT_EQ(r["result"]["truncated"], false);
  EXPECT_EQ(r["result"]["cycles"], 1802);  // 2 activation cycles and 1800 more
}

TEST(Estimate, PastTheBoundItIsAPartialEstimateFlaggedAsSuch) {
  Daemon daemon(kConfig);
  Client c(daemon.port());
  call_ok(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  const json r = call_ok(c, "protocols.estimate", {{"protocol", "long-cycling"}, {"cell", "A"}});
  EXPECT_EQ(r["truncated"], true);
  EXPECT_NE(r["note"].get<std::string>().find("lower bounds"), std::string::npos);
  EXPECT_GT(r["cycles"].get<int>(), 0);
  EXPECT_LT(r["cycles"].get<int>(), 1802);
}

TEST(Estimate, BadRequestsAreAnsweredAtOnceWithTheirError) {
  Daemon daemon(kConfig);
  Client c(daemon.port());
  const json unknown = c.call(R"({"jsonrpc": "2.0", "id": 1, "method": "protocols.estimate", "params": {"protocol": "cv", "cell": "nobody"}})");
  EXPECT_EQ(unknown["error"]["code"], -32003);
  call_ok(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  const json bad = c.call(R"({"jsonrpc": "2.0", "id": 2, "method": "protocols.estimate", "params": {"protocol": {"name": "x", "steps": ["Rest for banana"]}, "cell": "A"}})");
  EXPECT_EQ(bad["error"]["code"], -32005) << bad.dump();
}

TEST(Estimate, ABatchWithAnEstimateAnswersEveryRequestInOrder) {
  Daemon daemon(kConfig);
  Client c(daemon.port());
  call_ok(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  const json batch = json::array({
      {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "protocols.estimate"}, {"params", {{"protocol", "cv"}, {"cell", "A"}}}},
      {{"jsonrpc", "2.0"}, {"method", "daemon.info"}},
      {{"jsonrpc", "2.0"}, {"id", 3}, {"method", "daemon.info"}}});
  ASSERT_TRUE(c.send_line(batch.dump()));
  const auto line = c.read_line(60s);
  ASSERT_TRUE(line);
  const json answers = json::parse(*line);
  ASSERT_EQ(answers.size(), 2u) << answers.dump();  // the notification gets no answer
  EXPECT_EQ(answers[0]["id"], 1);
  EXPECT_TRUE(answers[0]["result"].contains("duration_s"));
  EXPECT_EQ(answers[1]["id"], 3);
}

TEST(Estimate, SigtermDoesNotWaitForADryRun) {
  const char* config = R"({"auth": {"required": false}, "channels": [
    {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"}]})";
  Daemon daemon(config);
  Client c(daemon.port());
  call_ok(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
  ASSERT_TRUE(c.send_line(long_estimate(1).dump()));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(daemon.terminate(), 0);  // within 5 s, though the dry run would take longer
}

}  // namespace
}  // namespace cyclerd::test

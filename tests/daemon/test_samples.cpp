// runs.samples: pages of every row (from_index, limit, next_index) and sample times on the wall clock.
#include "tests/daemon/lab_helpers.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

const char* kConfig = R"({"auth": {"required": false}, "channels": [
  {"id": "sim-1", "driver": "sim", "uri": "sim://zns-znse?seed=1", "speed": "max"},
  {"id": "sim-2", "driver": "sim", "uri": "sim://zns?seed=2", "speed": 20000}]})";

double now_unix_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A completed run of a few thousand samples on `channel`.
std::int64_t completed_run(Client& c, const std::string& channel) {
  call_ok(c, "cells.create", {{"name", "A-" + channel}, {"active_mass_mg", 1.0}});
  const json run = call_ok(c, "runs.submit", {{"channel", channel}, {"cell", "A-" + channel}, {"protocol", "cv"},
                                              {"params", {{"cycles", 2}}}});
  EXPECT_TRUE(wait_run_state(c, run["run_id"], "completed", 60));
  return run["run_id"];
}

TEST(Samples, PagesJoinUpToEveryRowExactlyOnce) {
  Daemon daemon(kConfig);
  Client c(daemon.port());
  const auto run = completed_run(c, "sim-1");
  const std::int64_t total = call_ok(c, "runs.get", {{"run_id", run}})["samples"];
  ASSERT_GT(total, 2500);
  const json whole = call_ok(c, "runs.samples", {{"run_id", run}, {"max_points", 20000}});
  ASSERT_FALSE(whole["decimated"].get<bool>());

  json next = 0;
  std::vector<std::int64_t> index;
  std::vector<double> voltage;
  int pages = 0;
  while (!next.is_null()) {
    const json page = call_ok(c, "runs.samples", {{"run_id", run}, {"from_index", next}, {"limit", 1000}});
    EXPECT_FALSE(page["decimated"].get<bool>());
    EXPECT_LE(page["columns"]["index"].size(), 1000u);
    for (const auto& i : page["columns"]["index"]) index.push_back(i);
    for (const auto& v : page["columns"]["voltage_V"]) voltage.push_back(v);
    next = page["next_index"];
    ASSERT_LT(++pages, 1000);
  }
  ASSERT_EQ(static_cast<std::int64_t>(index.size()), total);
  for (std::int64_t i = 0; i < total; ++i) ASSERT_EQ(index[i], i);
  EXPECT_EQ(pages, (total + 999) / 1000);
  EXPECT_EQ(json(voltage), whole["columns"]["voltage_V"]);
}

TEST(Samples, PageRespectsTheTimeWindowAndEndsWithNullNextIndex) {
  Daemon daemon(kConfig);
  Client c(daemon.port());
  const auto run = completed_run(c, "sim-1");
  const json page = call_ok(c, "runs.samples", {{"run_id", run}, {"from_index", 0}, {"from_s", 100.0}, {"to_s", 200.0}});
  ASSERT_FALSE(page["columns"]["test_time_s"].empty());
  for (const auto& t : page["columns"]["test_time_s"]) {
    EXPECT_GE(t.get<double>(), 100.0);
    EXPECT_LE(t.get<double>(), 200.0);
  }
  EXPECT_TRUE(page["next_index"].is_null());
  const json past_the_end = call_ok(c, "runs.samples", {{"run_id", run}, {"from_index", 100000000}});
  EXPECT_TRUE(past_the_end["columns"]["index"].empty());
  EXPECT_TRUE(past_the_end["next_index"].is_null());
}

TEST(Samples, BadPagingParametersAreInvalidParamsNamingThem) {
  Daemon daemon(kConfig);
  Client c(daemon.port());
  const auto run = completed_run(c, "sim-1");
  const auto error_of = [&](const json& params) {
    const json a = c.call(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "runs.samples"}, {"params", params}}.dump());
    return a.value("error", json());
  };
  EXPECT_EQ(error_of({{"run_id", run}, {"limit", 0}})["data"]["errors"][0]["pointer"], "/limit");
  EXPECT_EQ(error_of({{"run_id", run}, {"limit", 20001}})["code"], -32602);
  EXPECT_EQ(error_of({{"run_id", run}, {"from_index", -1}})["data"]["errors"][0]["pointer"], "/from_index");
  EXPECT_EQ(error_of({{"run_id", run}, {"from_index", 0}, {"max_points", 10}})["data"]["errors"][0]["pointer"], "/max_points");
}

// Accelerated channels stamp a sample when it was taken: never in the future, never going back.
TEST(Samples, AcceleratedRunsHaveWallClockTimesThatNeverDecrease) {
  const double start = now_unix_s();
  Daemon daemon(kConfig);
  Client c(daemon.port());
  for (const std::string channel : {"sim-1", "sim-2"}) {
    const auto run = completed_run(c, channel);
    const double after = now_unix_s();
    json next = 0;
    double last = 0;
    std::int64_t rows = 0;
    while (!next.is_null()) {
      const json page = call_ok(c, "runs.samples", {{"run_id", run}, {"from_index", next}});
      for (const auto& t : page["columns"]["unix_time_s"]) {
        const double u = t.get<double>();
        ASSERT_GE(u, start) << channel;
        ASSERT_LE(u, after) << channel << ": a sample time in the future";
        ASSERT_GE(u, last) << channel << ": sample times went back";
        last = u;
        ++rows;
      }
      next = page["next_index"];
    }
    EXPECT_GT(rows, 0);
    // The simulated test time ran far ahead of the wall clock, the stamps did not.
    const json tail = call_ok(c, "runs.samples", {{"run_id", run}, {"max_points", 2}});
    EXPECT_GT(tail["columns"]["test_time_s"].back().get<double>(), after - start) << channel;
  }
}

// cyclerctl export from the daemon reads csv and json in pages; the bytes equal the store's own export.
TEST(Samples, CyclerctlExportInPagesEqualsTheStoresExport) {
  Daemon daemon(kConfig);
  Client c(daemon.port());
  const auto run = completed_run(c, "sim-1");
  const std::string ctl = std::string(CYCLERD_BIN_DIR) + "/cyclerctl";
  for (const std::string format : {"csv", "json"}) {
    const auto paged = daemon.dir() / ("paged." + format);
    const auto offline = daemon.dir() / ("offline." + format);
    const std::string r = std::to_string(run);
    ASSERT_EQ(std::system((ctl + " --connect 127.0.0.1:" + std::to_string(daemon.port()) + " export " + r +
                           " --format " + format + " -o " + paged.string() + " 2>/dev/null").c_str()), 0);
    ASSERT_EQ(std::system((ctl + " export --db " + (daemon.dir() / "test.sqlite").string() + " " + r + " --format " +
                           format + " -o " + offline.string()).c_str()), 0);
    const auto text = read_file(paged);
    EXPECT_GT(text.size(), 100000u) << format << ": a run of thousands of rows";
    EXPECT_TRUE(text == read_file(offline)) << format << ": the paged export differs from the store's";
  }
}

}  // namespace
}  // namespace cyclerd::test

// Live analysis persisted: a run through the real daemon stores its analyzers' results as it goes, and
// runs.analysis (and `cyclerctl analysis`) serve them, consistent with the run's cycle table.
#include <cmath>

#include "schema/database.hpp"
#include "tests/daemon/storage_daemon.hpp"

namespace cyclerd::test::storage {
namespace {

// DESIGN.md's rate table from a cycle table: consecutive cycles at the same current density (within 1 %)
// form a group, the run's first (formation) cycle is left out.
struct RateGroup {
  double rate_A_g = 0;
  int cycles = 0;
  double discharge_sum = 0;
};
std::vector<RateGroup> rate_groups(const json& cycles) {
  std::vector<RateGroup> out;
  for (std::size_t i = 1; i < cycles.size(); ++i) {
    if (cycles[i]["current_density_A_g"].is_null()) continue;
    const double rate = cycles[i]["current_density_A_g"];
    if (out.empty() || std::abs(out.back().rate_A_g - rate) > 0.01 * std::max(out.back().rate_A_g, rate)) {
      out.push_back({rate, 0, 0});
    }
    ++out.back().cycles;
    out.back().discharge_sum += cycles[i]["discharge_capacity_mAh_g"].get<double>();
  }
  return out;
}

class RunAnalysis : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon = std::make_unique<DaemonOnFile>(dir, kOneChannel, dir / "lab.sqlite");
    client = std::make_unique<Client>(daemon->port());
    result(*client, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
    run_id = result(*client, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"},
                                             {"params", {{"cycles_per_rate", "2"}}}})
                 .at("run_id");
    ASSERT_EQ(wait_for_state(*client, run_id, "completed", 90), "completed");
  }
  void TearDown() override {
    client.reset();
    daemon.reset();
    fs::remove_all(dir);
  }
  json analysis(const std::string& kind) { return result(*client, "runs.analysis", {{"run_id", run_id}, {"kind", kind}}); }

  fs::path dir = make_temp_dir();
  std::unique_ptr<DaemonOnFile> daemon;
  std::unique_ptr<Client> client;
  std::int64_t run_id = 0;
};

TEST_F(RunAnalysis, CyclesMatchTheRunsCycleTable) {
  const json table = result(*client, "runs.cycles", {{"run_id", run_id}})["cycles"];
  const json got = analysis("cycles");
  ASSERT_EQ(got["kind"], "cycles");
  ASSERT_EQ(got["cycles"].size(), table.size());
  ASSERT_EQ(table.size(), 20u);  // ten rates, two cycles each
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(got["cycles"][i]["cycle_index"], table[i]["cycle_index"]);
    EXPECT_NEAR(got["cycles"][i]["discharge_capacity_Ah"].get<double>(), table[i]["discharge_capacity_Ah"].get<double>(), 1e-12);
    EXPECT_NEAR(got["cycles"][i]["charge_capacity_Ah"].get<double>(), table[i]["charge_capacity_Ah"].get<double>(), 1e-12);
    EXPECT_NEAR(got["cycles"][i]["coulombic_efficiency"].get<double>(), table[i]["coulombic_efficiency"].get<double>(), 1e-9);
  }
  // The running summary was replaced cycle by cycle: one row, covering every cycle.
  ASSERT_TRUE(got["summary"].is_object()) << got.dump();
  EXPECT_EQ(got["summary"]["cycles_analysed"], table.size());
  EXPECT_NEAR(got["summary"]["first_cycle_efficiency"].get<double>(), table[0]["coulombic_efficiency"].get<double>(), 1e-9);
}

TEST_F(RunAnalysis, RateTableMatchesTheCyclesGroupedByCurrentDensity) {
  const json table = result(*client, "runs.cycles", {{"run_id", run_id}})["cycles"];
  const auto expected = rate_groups(table);
  const json got = analysis("rate")["rate_table"];
  ASSERT_EQ(got.size(), expected.size()) << got.dump(1);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(got[i]["current_density_A_g"].get<double>(), expected[i].rate_A_g, 1e-12);
    EXPECT_EQ(got[i]["cycles"], expected[i].cycles);
    const double mean = expected[i].discharge_sum / expected[i].cycles;
    EXPECT_NEAR(got[i]["mean_discharge_capacity_mAh_g"].get<double>(), mean, 1e-9 * mean);
    EXPECT_NEAR(got[i]["retention"].get<double>(), mean / (expected[0].discharge_sum / expected[0].cycles), 1e-9);
  }
  // The rate comes back to 0.1 A/g at the end: its recovery against the first visit is reported.
  EXPECT_FALSE(got.back()["recovery"].is_null());
}

TEST_F(RunAnalysis, DqdvHasOneCurvePerHalfCycleOnItsVoltageGrid) {
  const json curves = analysis("dqdv")["dqdv"];
  ASSERT_EQ(curves.size(), 40u);  // 20 cycles, two halves each
  EXPECT_EQ(curves[0]["cycle_index"], 1);
  EXPECT_EQ(curves[0]["half"], "discharge");
  EXPECT_EQ(curves[1]["half"], "charge");
  EXPECT_FALSE(curves[0]["voltage_V"].empty());
  EXPECT_EQ(curves[0]["voltage_V"].size(), curves[0]["dqdv_Ah_per_V"].size());
}

TEST_F(RunAnalysis, StoredResultsAreBoundedToOneRowPerResult) {
  // Not one per sample: cycles (20), summary (1), rate rows (10) and dQ/dV curves (40).
  store::Connection c((dir / "lab.sqlite").string(), store::OpenMode::read_only);
  EXPECT_EQ(c.query_int("SELECT count(*) FROM analysis_results WHERE run_id=" + std::to_string(run_id)), 71);
  EXPECT_EQ(c.query_int("SELECT count(*) FROM analysis_results WHERE kind='summary'"), 1);
}

TEST_F(RunAnalysis, UnknownKindNamesTheValidOnesAndUnknownRunIsNotFound) {
  const json bad_kind = call(*client, "runs.analysis", {{"run_id", run_id}, {"kind", "ocv"}});
  ASSERT_TRUE(bad_kind.contains("error")) << bad_kind.dump();
  EXPECT_EQ(bad_kind["error"]["code"], -32602);
  const std::string message = bad_kind["error"]["message"];
  for (const char* k : {"cycles", "rate", "dqdv", "cv", "gitt", "eis", "drt"}) {
    EXPECT_NE(message.find(k), std::string::npos) << k << " missing in: " << message;
  }
  const json bad_run = call(*client, "runs.analysis", {{"run_id", run_id + 100}, {"kind", "cycles"}});
  ASSERT_TRUE(bad_run.contains("error")) << bad_run.dump();
  EXPECT_EQ(bad_run["error"]["code"], -32003);
  EXPECT_EQ(bad_run["error"]["data"]["code"], "not_found");
}

TEST_F(RunAnalysis, CyclerctlAnalysisPrintsTheStoredResult) {
  int code = -1;
  const std::string connect = "--connect 127.0.0.1:" + std::to_string(daemon->port());
  const json got = json::parse(cyclerctl("analysis " + std::to_string(run_id) + " rate --json " + connect, code));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(got["rate_table"], analysis("rate")["rate_table"]);
  const std::string text = cyclerctl("analysis " + std::to_string(run_id) + " cycles " + connect, code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(text.find("discharge_capacity_mAh_g"), std::string::npos) << text;
  EXPECT_NE(text.find("summary:"), std::string::npos) << text;
  cyclerctl("analysis " + std::to_string(run_id) + " nonsense " + connect + " 2>/dev/null", code);
  EXPECT_EQ(code, 1);
}

}  // namespace
}  // namespace cyclerd::test::storage

// Live analysis persisted: a run through the real daemon stores its analyzers' results as it goes, and
// runs.analysis (and `cyclerctl analysis`) serve them, consistent with the run's cycle table; a run killed
// and resumed has the analysis of an uninterrupted one; GITT runs get D from the cell's material.
#include <cmath>
#include <set>

#include "schema/database.hpp"
#include "schema/reader.hpp"
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

// runs.analysis rate against the groups of the run's own cycle table: every row, in order.
void expect_rate_table_of(const json& got, const json& cycles) {
  const auto expected = rate_groups(cycles);
  ASSERT_EQ(got.size(), expected.size()) << got.dump(1);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(got[i]["current_density_A_g"].get<double>(), expected[i].rate_A_g, 1e-12);
    EXPECT_EQ(got[i]["cycles"], expected[i].cycles) << "rate row " << i;
    const double mean = expected[i].discharge_sum / expected[i].cycles;
    EXPECT_NEAR(got[i]["mean_discharge_capacity_mAh_g"].get<double>(), mean, 1e-9 * mean) << "rate row " << i;
    EXPECT_NEAR(got[i]["retention"].get<double>(), mean / (expected[0].discharge_sum / expected[0].cycles), 1e-9);
  }
  // The rate comes back to 0.1 A/g at the end: its recovery against the first visit is reported.
  ASSERT_FALSE(got.empty());
  ASSERT_FALSE(got.back()["recovery"].is_null()) << got.back().dump();
  EXPECT_NEAR(got.back()["recovery"].get<double>(),
              (expected.back().discharge_sum / expected.back().cycles) / (expected[0].discharge_sum / expected[0].cycles), 1e-9);
}

// The run's summary against its cycle table: retention of the last cycle against cycle 2 (the reference,
// after formation), the decay per cycle since, the first cycle's efficiency, every cycle counted.
void expect_summary_of(const json& summary, const json& cycles) {
  ASSERT_TRUE(summary.is_object()) << summary.dump();
  ASSERT_GE(cycles.size(), 3u);
  EXPECT_EQ(summary["cycles_analysed"], cycles.size());
  EXPECT_EQ(summary["reference_cycle"], 2);
  EXPECT_NEAR(summary["first_cycle_efficiency"].get<double>(), cycles[0]["coulombic_efficiency"].get<double>(), 1e-9);
  const double reference = cycles[1]["discharge_capacity_mAh_g"];
  const double retention = cycles.back()["discharge_capacity_mAh_g"].get<double>() / reference;
  EXPECT_NEAR(summary["reference_discharge_capacity_mAh_g"].get<double>(), reference, 1e-9 * reference);
  EXPECT_NEAR(summary["retention"].get<double>(), retention, 1e-9);
  EXPECT_NEAR(summary["decay_per_cycle"].get<double>(), (1.0 - retention) / static_cast<double>(cycles.size() - 2), 1e-9);
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
  expect_summary_of(analysis("summary")["summary"], table);
}

TEST_F(RunAnalysis, RateTableMatchesTheCyclesGroupedByCurrentDensity) {
  expect_rate_table_of(analysis("rate")["rate_table"], result(*client, "runs.cycles", {{"run_id", run_id}})["cycles"]);
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


// Cycles stored so far for a run (read from the file: the daemon may be about to be killed).
std::int64_t stored_cycles(const fs::path& db, std::int64_t run_id) {
  store::Connection c(db.string(), store::OpenMode::read_only);
  return c.query_int("SELECT count(*) FROM cycle_summaries WHERE run_id=" + std::to_string(run_id));
}

// Polls the file until at least `n` cycles of the run are stored (at most `seconds`); the count then.
std::int64_t wait_for_cycles(const fs::path& db, std::int64_t run_id, std::int64_t n, int seconds) {
  std::int64_t now = 0;
  for (int i = 0; i < seconds * 200 && (now = stored_cycles(db, run_id)) < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return now;
}

// Rows stored per analysis kind for a run.
std::int64_t stored_results(const fs::path& db, std::int64_t run_id, const std::string& kind) {
  store::Connection c(db.string(), store::OpenMode::read_only);
  return c.query_int("SELECT count(*) FROM analysis_results WHERE run_id=" + std::to_string(run_id) + " AND kind='" +
                     kind + "'");
}

TEST(RunAnalysisAfterRestart, KillNineThenSigtermMidRateTestGiveTheUninterruptedAnalysis) {
  const fs::path dir = make_temp_dir(), db = dir / "lab.sqlite";
  auto daemon = std::make_unique<DaemonOnFile>(dir, kOneChannel, db);
  std::int64_t run_id = 0;
  {
    Client c(daemon->port());
    result(c, "cells.create", {{"name", "A"}, {"active_mass_mg", 1.0}});
    // Five cycles per rate (50): long enough to interrupt twice at full speed.
    run_id = result(c, "runs.submit", {{"channel", "sim-1"}, {"cell", "A"}, {"protocol", "rate-capability"}}).at("run_id");
  }
  // kill -9 early in the rate test, then SIGTERM a cycle later: each daemon resumes the run from its
  // checkpoint. Early, because the first rates' cycles are the slow ones (the last rates run dozens of
  // cycles in the time a daemon takes to start), so both interruptions land before the run ends.
  const std::int64_t at_kill = wait_for_cycles(db, run_id, 3, 60);
  daemon.reset();  // SIGKILL
  const std::int64_t after_kill = stored_cycles(db, run_id);
  daemon = std::make_unique<DaemonOnFile>(dir, kOneChannel, db);
  const std::int64_t at_term = wait_for_cycles(db, run_id, after_kill + 1, 60);
  daemon->terminate();
  const std::int64_t after_term = stored_cycles(db, run_id);
  // Both interruptions really happened mid-run (else this test would show nothing).
  ASSERT_GE(at_kill, 3);
  ASSERT_LT(after_kill, 50) << "the run ended before the kill";
  ASSERT_GT(at_term, after_kill);
  ASSERT_LT(after_term, 50) << "the run ended before SIGTERM";
  std::printf("cycles stored at kill -9: %lld, at SIGTERM: %lld (of 50)\n", static_cast<long long>(after_kill),
              static_cast<long long>(after_term));

  daemon = std::make_unique<DaemonOnFile>(dir, kOneChannel, db);
  Client c(daemon->port());
  ASSERT_EQ(wait_for_state(c, run_id, "completed", 90), "completed") << read_file(dir / "stderr.txt");
  const json cycles = result(c, "runs.cycles", {{"run_id", run_id}})["cycles"];
  ASSERT_EQ(cycles.size(), 50u);

  // The cycles equal an uninterrupted run's within one record (the cell resumes from its snapshot) ...
  int code = -1;
  const json reference = json::parse(cyclerctl("simulate --protocol rate-capability --preset zns-znse --mass-mg 1 "
                                               "--seed 1 --json 2>/dev/null", code));
  ASSERT_EQ(code, 0);
  ASSERT_EQ(reference["cycles"].size(), cycles.size());
  for (std::size_t i = 0; i < cycles.size(); ++i) {
    EXPECT_NEAR(cycles[i]["discharge_capacity_Ah"].get<double>(), reference["cycles"][i]["discharge_capacity_Ah"].get<double>(), 1e-9)
        << "cycle " << i + 1;
  }
  // ... and so does the analysis: the rate table and summary of the whole run, not of the part after a restart.
  expect_rate_table_of(result(c, "runs.analysis", {{"run_id", run_id}, {"kind", "rate"}})["rate_table"], cycles);
  expect_summary_of(result(c, "runs.analysis", {{"run_id", run_id}, {"kind", "summary"}})["summary"], cycles);
  const json rate = result(c, "runs.analysis", {{"run_id", run_id}, {"kind", "rate"}})["rate_table"];
  ASSERT_EQ(rate.size(), reference["rate_table"].size());
  for (std::size_t i = 0; i < rate.size(); ++i) {
    const double want = reference["rate_table"][i]["mean_discharge_capacity_mAh_g"];
    EXPECT_NEAR(rate[i]["mean_discharge_capacity_mAh_g"].get<double>(), want, 1e-5 * want) << "rate row " << i;
  }
  // Every cycle row's retention is against cycle 2, including the rows recorded after each restart.
  const json table = result(c, "runs.analysis", {{"run_id", run_id}, {"kind", "cycles"}})["cycles"];
  ASSERT_EQ(table.size(), cycles.size());
  const double reference_mAh_g = cycles[1]["discharge_capacity_mAh_g"];
  for (std::size_t i = 1; i < table.size(); ++i) {
    EXPECT_NEAR(table[i]["retention"].get<double>(), cycles[i]["discharge_capacity_mAh_g"].get<double>() / reference_mAh_g, 1e-9)
        << "cycle " << i + 1;
    EXPECT_NEAR(table[i]["first_cycle_efficiency"].get<double>(), cycles[0]["coulombic_efficiency"].get<double>(), 1e-9);
  }
  daemon->terminate();
  // One stored row per result, as in an uninterrupted run: nothing overwritten, nothing doubled.
  EXPECT_EQ(stored_results(db, run_id, "rate_table"), 10);
  EXPECT_EQ(stored_results(db, run_id, "cycles"), 50);
  EXPECT_EQ(stored_results(db, run_id, "summary"), 1);
  fs::remove_all(dir);
}

// A short titration through the daemon: three discharge and three charge pulses with relaxation.
const json kShortGitt = json::parse(R"({"name": "gitt-short", "record": {"every": "1 s", "dV": "1 mV"},
  "safety": {"v_min": "-0.1 V", "v_max": "3.3 V"},
  "steps": ["Rest for 1 h",
    {"kind": "pulse", "current": "-0.1 A/g", "pulse": "600 s", "relax": "1 h", "max_pulses": 3},
    {"kind": "pulse", "current": "0.1 A/g", "pulse": "600 s", "relax": "1 h", "max_pulses": 3}]})");

class DaemonGitt : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon = std::make_unique<DaemonOnFile>(dir, kOneChannel, dir / "lab.sqlite");
    client = std::make_unique<Client>(daemon->port());
  }
  void TearDown() override {
    client.reset();
    daemon.reset();
    fs::remove_all(dir);
  }
  // Runs the short titration on `cell` to completion; its stored GITT pulses.
  json titrate(const std::string& cell) {
    const auto run = result(*client, "runs.submit", {{"channel", "sim-1"}, {"cell", cell}, {"protocol", kShortGitt}}).at("run_id");
    EXPECT_EQ(wait_for_state(*client, run, "completed", 60), "completed") << read_file(dir / "stderr.txt");
    return result(*client, "runs.analysis", {{"run_id", run}, {"kind", "gitt"}})["gitt"];
  }

  fs::path dir = make_temp_dir();
  std::unique_ptr<DaemonOnFile> daemon;
  std::unique_ptr<Client> client;
};

TEST_F(DaemonGitt, CellWithItsMaterialGetsDPerPulse) {
  // A ZnS-like material; L = m Vm / (M S) = 1 mg * 23.8 / (97.5 * 0.5 cm2).
  result(*client, "cells.create", {{"name", "G"}, {"active_mass_mg", 1.0}, {"molar_mass_g_mol", 97.5},
                                   {"molar_volume_cm3_mol", 23.8}, {"electrode_area_cm2", 0.5}});
  const json pulses = titrate("G");
  ASSERT_EQ(pulses.size(), 6u) << pulses.dump(1);
  std::set<int> indices;
  for (const auto& p : pulses) {
    indices.insert(p["pulse_index"].get<int>());
    ASSERT_TRUE(p["diffusion_cm2_s"].is_number()) << p.dump();
    const double d = p["diffusion_cm2_s"];
    EXPECT_TRUE(std::isfinite(d) && d > 0) << p.dump();
    EXPECT_NEAR(p["length_cm"].get<double>(), 1e-3 * 23.8 / (97.5 * 0.5), 1e-12);
    EXPECT_TRUE(p["valid"].is_boolean()) << p.dump();
    EXPECT_FALSE(p.contains("diffusion_error")) << p.dump();
    // The titration ended: each pulse knows its state of charge.
    EXPECT_TRUE(p["state_of_charge"].is_number()) << p.dump();
  }
  EXPECT_EQ(indices, (std::set<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(pulses[0]["direction"], "discharge");
  EXPECT_EQ(pulses[5]["direction"], "charge");
}

TEST_F(DaemonGitt, CellWithoutMaterialGetsPulsesAndTheMissingQuantityNamed) {
  result(*client, "cells.create", {{"name", "N"}, {"active_mass_mg", 1.0}});
  const json pulses = titrate("N");  // completes: a missing quantity is not a failed run
  ASSERT_EQ(pulses.size(), 6u) << pulses.dump(1);
  for (const auto& p : pulses) {
    EXPECT_TRUE(p["diffusion_cm2_s"].is_null()) << p.dump();
    EXPECT_TRUE(p["delta_et_V"].is_number()) << p.dump();  // the pulse itself is measured
    const std::string why = p.value("diffusion_error", "");
    EXPECT_NE(why.find("molar_mass_g_mol"), std::string::npos) << p.dump();
    EXPECT_NE(why.find("cells.create"), std::string::npos) << p.dump();
  }
}

TEST_F(DaemonGitt, KillNineMidTitrationNumbersNewPulsesAfterTheStoredOnes) {
  result(*client, "cells.create", {{"name", "G"}, {"active_mass_mg", 1.0}, {"molar_mass_g_mol", 97.5},
                                   {"molar_volume_cm3_mol", 23.8}, {"electrode_area_cm2", 0.5}});
  // Twelve discharge pulses with 2 h relaxations: long enough to be killed mid-titration.
  json protocol = kShortGitt;
  protocol["steps"][1]["max_pulses"] = 12;
  protocol["steps"][1]["relax"] = "2 h";
  protocol["steps"].erase(2);
  const fs::path db = dir / "lab.sqlite";
  const auto run = result(*client, "runs.submit", {{"channel", "sim-1"}, {"cell", "G"}, {"protocol", protocol}}).at("run_id").get<std::int64_t>();
  std::int64_t stored = 0;
  for (int i = 0; i < 12000 && (stored = stored_results(db, run, "gitt")) < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  client.reset();
  daemon.reset();  // SIGKILL
  store::Reader reader(db.string());
  const auto before = reader.analyses(run, {"gitt"});
  ASSERT_GE(before.size(), 3u);
  ASSERT_LT(before.size(), 12u) << "the titration ended before the kill";
  daemon = std::make_unique<DaemonOnFile>(dir, kOneChannel, db);
  client = std::make_unique<Client>(daemon->port());
  ASSERT_EQ(wait_for_state(*client, run, "completed", 60), "completed")
      << result(*client, "runs.events", {{"run_id", run}}).dump();
  const json pulses = result(*client, "runs.analysis", {{"run_id", run}, {"kind", "gitt"}})["gitt"];
  std::printf("GITT pulses stored at kill -9: %zu; after the run: %zu (of 12)\n", before.size(), pulses.size());
  // At most the pulse under way is lost; none is stored twice or replaced by a later one.
  EXPECT_GE(pulses.size(), 11u);
  EXPECT_LE(pulses.size(), 12u);
  for (std::size_t i = 0; i < pulses.size(); ++i) {
    EXPECT_EQ(pulses[i]["pulse_index"], static_cast<int>(i) + 1) << pulses[i].dump();
    EXPECT_GT(pulses[i]["diffusion_cm2_s"].get<double>(), 0) << pulses[i].dump();
    if (i > 0) {
      EXPECT_GT(pulses[i]["start_t_s"].get<double>(), pulses[i - 1]["start_t_s"].get<double>());
    }
  }
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(pulses[i]["start_t_s"], json::parse(before[i].result_json)["start_t_s"]) << "pulse " << i + 1;
  }
}

}  // namespace
}  // namespace cyclerd::test::storage

// Instrument faults on some channels while others record (label "reliability"). The faulty channels get the
// sim driver's injected faults through the daemon's configuration (the channel URI's "faults" key): a
// disconnect, a run of timed-out readings, corrupt readings and a voltage excursion, each at a random moment
// of the run. Three neighbours record a rate test meanwhile; each must store exactly what an uninterrupted
// `cyclerctl simulate --db` stores, sample for sample (same indices without a gap or a repeat, the same test
// times, so the same record rate, and the same voltages) and the same cycle table. A neighbour that differs
// counts as disturbed; the count must be 0.
#include "tests/reliability/reliability_support.hpp"

namespace cyclerd::test {
namespace {

using nlohmann::json;

struct Neighbour {
  const char* cell;
  const char* preset;
  int seed;
};
constexpr Neighbour kNeighbours[] = {{"A", "zns-znse", 1}, {"B", "zns", 2}, {"C", "znse", 3}};

// A faulty channel: its preset, and the fault rule it gets (its "at_s" drawn per trial).
struct FaultyChannel {
  const char* preset;
  json rule;
};

const FaultyChannel kFaulty[] = {
    {"zns", {{"kind", "disconnect"}}},
    {"znse", {{"kind", "timeout"}, {"duration_s", 30}}},
    {"zns-znse", {{"kind", "corrupt"}, {"duration_s", 60}}},
    {"zns", {{"kind", "excursion"}, {"voltage_V", 4.5}}},
};

// The daemon configuration: sim-1..3 clean, sim-4..7 with one fault rule each in their URI.
std::string configuration(const std::vector<json>& rules) {
  json channels = json::array();
  for (int i = 0; i < 3; ++i) {
    channels.push_back({{"id", "sim-" + std::to_string(i + 1)}, {"driver", "sim"},
                        {"uri", std::string("sim://") + kNeighbours[i].preset + "?seed=" + std::to_string(i + 1)},
                        {"speed", "max"}});
  }
  for (std::size_t i = 0; i < rules.size(); ++i) {
    // A short reading timeout: a timed-out reading costs the faulty channel this much wall time.
    const std::string uri = std::string("sim://") + kFaulty[i].preset + "?seed=" + std::to_string(i + 4) +
                            "&timeout_ms=50&faults=" + json::array({rules[i]}).dump();
    channels.push_back({{"id", "sim-" + std::to_string(i + 4)}, {"driver", "sim"}, {"uri", uri}, {"speed", "max"}});
  }
  return json{{"database", "x.sqlite"}, {"auth", {{"required", false}}}, {"channels", channels}}.dump();
}

// Whether the run on a faulty channel shows its fault: it did not complete, or an event names a fault.
bool shows_fault(Client& c, std::int64_t run_id, const std::string& state) {
  if (state != "completed") return true;
  const json events = rpc(c, "runs.events", {{"run_id", run_id}})["events"];
  for (const auto& e : events) {
    const std::string kind = e.value("kind", "");
    if (kind != "state" && kind != "note") return true;
  }
  return false;
}

TEST(Reliability, InjectedInstrumentFaultsDisturbNoNeighbour) {
  const int trials = trial_count(1);
  std::mt19937 rng(20261126);
  const auto reference_dir = make_temp_dir();
  const auto reference_db = reference_dir / "reference.sqlite";
  std::vector<json> references;
  for (const auto& n : kNeighbours) references.push_back(simulate("rate-capability", n.preset, n.seed, reference_db));
  store::Connection reference_conn(reference_db.string(), store::OpenMode::read_only);
  std::vector<SampleSeries> reference_samples;
  for (const auto& r : references) reference_samples.push_back(stored_samples(reference_conn, r["run_id"]));

  CampaignCounts n;
  int faulty_runs = 0, faults_shown = 0;
  std::map<std::string, int> outcomes;  // "fault kind:final state of its run" -> runs
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<json> rules;
    for (const auto& f : kFaulty) {
      json rule = f.rule;
      // Anywhere in the first 0.1 A/g cycles (simulated seconds), so every fault strikes within the run.
      rule["at_s"] = std::uniform_int_distribution<int>(600, 20000)(rng);
      rules.push_back(rule);
    }
    const auto dir = make_temp_dir();
    const auto db = dir / "lab.sqlite";
    write_file(dir / "c.json", configuration(rules));
    std::uint16_t port = 0;
    const pid_t pid = start_cyclerd(dir, db, port);
    Client c(port);
    for (const auto& nb : kNeighbours) {
      rpc(c, "cells.create", {{"name", nb.cell}, {"active_mass_mg", 1.0}, {"sim_preset", nb.preset}});
    }
    for (std::size_t i = 0; i < rules.size(); ++i) {
      rpc(c, "cells.create", {{"name", "F" + std::to_string(i)}, {"active_mass_mg", 1.0}, {"sim_preset", kFaulty[i].preset}});
    }
    // Faulty channels first, so their faults strike while the neighbours record.
    for (std::size_t i = 0; i < rules.size(); ++i) {
      rpc(c, "runs.submit", {{"channel", "sim-" + std::to_string(i + 4)}, {"cell", "F" + std::to_string(i)},
                             {"protocol", "rate-capability"}});
    }
    std::vector<std::int64_t> neighbour_runs;
    for (int i = 0; i < 3; ++i) {
      neighbour_runs.push_back(rpc(c, "runs.submit", {{"channel", "sim-" + std::to_string(i + 1)},
                                                      {"cell", kNeighbours[i].cell},
                                                      {"protocol", "rate-capability"}})["run_id"]);
    }
    ASSERT_TRUE(wait_all_final(c, 600)) << read_file(dir / "stderr.txt");
    std::map<std::int64_t, std::string> states;
    const json runs = rpc(c, "runs.list")["runs"];  // a copy: the answer is a temporary
    for (const auto& r : runs) states[r["run_id"].get<std::int64_t>()] = r["state"];
    for (std::int64_t run = 1; run <= static_cast<std::int64_t>(rules.size()); ++run) {
      ++faulty_runs;
      const bool shown = shows_fault(c, run, states[run]);
      if (shown) ++faults_shown;
      ++outcomes[rules[run - 1]["kind"].get<std::string>() + ":" + states[run]];
      EXPECT_TRUE(shown) << "trial " << trial << ": the " << rules[run - 1].dump() << " fault left no trace";
    }
    std::vector<json> cycles;
    for (const auto run : neighbour_runs) cycles.push_back(rpc(c, "runs.cycles", {{"run_id", run}})["cycles"]);
    stop(pid, SIGTERM);

    store::Connection conn(db.string(), store::OpenMode::read_only);
    if (!integrity_ok(conn)) ++n.corrupt_databases;
    for (int i = 0; i < 3; ++i) {
      ++n.runs;
      const auto got = stored_samples(conn, neighbour_runs[i]);
      const std::string difference = first_difference(got, reference_samples[i]);
      const bool exact = states[neighbour_runs[i]] == "completed" && difference.empty() &&
                         same_cycles(cycles[i], references[i]["cycles"], 1e-9);
      if (!exact) ++n.disturbed_neighbours;
      EXPECT_TRUE(exact) << "trial " << trial << " neighbour sim-" << i + 1 << ": " << states[neighbour_runs[i]]
                         << "; " << difference;
    }
    ++n.trials;
    fs::remove_all(dir);
  }
  n.print("instrument-faults");
  std::printf("reliability instrument-faults: faulty_runs=%d faults_shown=%d outcomes=%s\n", faulty_runs, faults_shown,
              json(outcomes).dump().c_str());
  fs::remove_all(reference_dir);
  EXPECT_EQ(n.disturbed_neighbours, 0);
  EXPECT_EQ(n.corrupt_databases, 0);
  EXPECT_EQ(faults_shown, faulty_runs);
}

// A fault table the sim driver cannot read is a configuration error naming the channel, before anything runs.
TEST(Reliability, ABadFaultTableInAChannelUriIsAConfigurationErrorNamingTheChannel) {
  const auto dir = make_temp_dir();
  const json config = {{"auth", {{"required", false}}},
                       {"channels", {{{"id", "sim-9"}, {"driver", "sim"},
                                      {"uri", R"(sim://zns?faults=[{"kind":"meltdown","at_s":1}])"}}}}};
  write_file(dir / "c.json", config.dump());
  const auto bad = run_cyclerd({"--config", (dir / "c.json").string(), "--check-config"}, dir);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.stderr_text.find("sim-9"), std::string::npos) << bad.stderr_text;
  EXPECT_NE(bad.stderr_text.find("meltdown"), std::string::npos) << bad.stderr_text;

  write_file(dir / "c.json", json{{"auth", {{"required", false}}},
                                  {"channels", {{{"id", "sim-9"}, {"driver", "sim"}, {"uri", "sim://zns?faults=[{"}}}}}
                                     .dump());
  const auto garbled = run_cyclerd({"--config", (dir / "c.json").string(), "--check-config"}, dir);
  EXPECT_EQ(garbled.exit_code, 1);
  EXPECT_NE(garbled.stderr_text.find("faults"), std::string::npos) << garbled.stderr_text;
  EXPECT_NE(garbled.stderr_text.find("sim-9"), std::string::npos) << garbled.stderr_text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cyclerd::test

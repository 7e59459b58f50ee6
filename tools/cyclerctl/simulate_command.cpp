// `cyclerctl simulate`: a protocol through the channel runner on a simulated cell at full speed, no daemon;
// with --db, recorded into a database through the daemon's own run recording (samples, summaries, events,
// checkpoints, live analysis), so `cyclerctl export --db` and the analyzers read it like any daemon run.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/quantity.hpp"
#include "daemon/lab/storage_consumer.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"
#include "protocols/runner/cycle_summary.hpp"
#include "protocols/runner/rate_table.hpp"
#include "protocols/runner/run_totals.hpp"
#include "protocols/runner/simulated_channel.hpp"
#include "protocols/validate.hpp"
#include "tools/cyclerctl/commands.hpp"
#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {
namespace {

struct SimulateArgs {
  std::string protocol;
  std::string preset = "zns-znse";
  double mass_mg = 1.0;
  std::vector<std::string> params;
  std::uint64_t seed = 1;
  bool json = false;
  std::string db;    // record into this database file
  std::string cell;  // the stored cell's name (default: preset and mass)
};

// Progress on stderr, at most every ten simulated cycles, so a long run shows it is alive.
class Progress : public RunConsumer {
 public:
  void on_cycle_end(const CycleEnd& c) override {
    if (c.cycle_index % 10 == 0) std::cerr << "simulate: cycle " << c.cycle_index << " done\n";
  }
};

// A library name, or a path to a protocol file; `text` gets the protocol text as it will be stored.
ParseResult load(const SimulateArgs& a, std::string& text_out) {
  for (const auto& name : library_protocol_names()) {
    if (name == a.protocol) {
      text_out = std::string(library_protocol_text(name).value_or(""));
      return load_library_protocol(name, a.params);
    }
  }
  std::ifstream in(a.protocol);
  if (!in) {
    std::string names;
    for (const auto& n : library_protocol_names()) names += (names.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::not_found, "no library protocol or file named \"" + a.protocol + "\" (library: " + names + ")",
                "--protocol");
  }
  std::ostringstream text;
  text << in.rdbuf();
  text_out = text.str();
  return parse_protocol(text_out, a.params);
}

// The --param overrides as the daemon stores them: {"name": "value", ...}.
nlohmann::json overrides_json(const std::vector<std::string>& params) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& p : params) {
    const auto eq = p.find('=');
    if (eq == std::string::npos) continue;  // the parser has refused it already
    out[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return out;
}

double now_unix_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Runs the protocol on `channel` and records it into a.db as one run; returns the final state and the
// run id. Storage backpressure (a full queue) makes the simulation wait; a storage failure ends it.
RunState run_recorded(const SimulateArgs& a, SimulatedChannel& channel, const Protocol& protocol,
                      const std::string& text, const std::vector<RunConsumer*>& consumers, std::int64_t& run_id) {
  store::Writer writer(a.db);
  store::CellRow cell;
  cell.name = a.cell.empty() ? a.preset + "-" + fixed(a.mass_mg, 3) + "mg" : a.cell;
  cell.active_mass_mg = a.mass_mg;
  cell.sim_preset = a.preset;
  cell.notes = "simulated by cyclerctl";
  writer.put_cell(cell).get();
  std::ostringstream uri;
  uri << "sim://" << a.preset << "?seed=" << a.seed << "&mass_mg=" << a.mass_mg;
  writer.put_channel({"simulate", "sim", uri.str(), R"({"options": {"speed": "max"}})"}).get();
  store::RunRow row{"simulate", cell.name, protocol.name, text, overrides_json(a.params).dump(),
                    R"(["simulate"])", "queued"};
  run_id = writer.create_run(row).get();

  ChannelRunner runner(channel.driver(), 0, protocol, channel.engine_options());
  // Refused (the queue is full): wait for the writer to catch up; the rows are kept for the next batch.
  auto refused = [&writer](const std::string& why) {
    if (!writer.flush() && writer.failing()) {
      throw Error(ErrorCode::storage_error, "recording failed: " + why, writer.path());
    }
  };
  lab::StoredRun stored;
  stored.run_id = run_id;
  stored.active_mass_g = a.mass_mg * 1e-3;
  stored.start_unix_s = now_unix_s();  // simulated time: unix = start + test time
  lab::StorageConsumer storage(writer, runner, protocol, stored, refused);
  for (auto* c : consumers) runner.subscribe(*c);
  runner.subscribe(storage);
  storage.add_state(RunState::running, "cyclerctl", "simulated by cyclerctl on " + a.preset);
  RunState final_state = RunState::running;
  runner.async_run([&final_state](RunState s) { final_state = s; }, channel.driver().cell(0).time_s());
  channel.io().run();
  channel.io().restart();
  storage.add_state(final_state, "cyclerctl", std::string(to_string(final_state)));
  if (!storage.submit(runner.checkpoint()) && !(writer.flush() && storage.submit(runner.checkpoint()))) {
    throw Error(ErrorCode::storage_error, "the run's last rows could not be stored: " + writer.last_error(), a.db);
  }
  if (!writer.flush(std::chrono::seconds(60))) {
    throw Error(ErrorCode::storage_error, "the run could not be stored: " + writer.last_error(), a.db);
  }
  return final_state;
}

std::string or_dash(const std::optional<double>& v, int decimals, double scale = 1) {
  return v ? fixed(*v * scale, decimals) : "-";
}

int run_simulate(const SimulateArgs& a) {
  if (!(a.mass_mg > 0)) throw Error(ErrorCode::out_of_range, "must be > 0 mg", "--mass-mg");
  const double mass_g = a.mass_mg * 1e-3;
  SimulatedChannel channel(SimulatedCell{a.preset, mass_g, a.seed});
  std::string text;
  ParseResult parsed = load(a, text);
  if (parsed.ok()) {
    parsed.errors = validate(*parsed.protocol, {channel.driver().capabilities(0), channel.cell_info()});
  }
  if (!parsed.errors.empty()) {
    for (const auto& e : parsed.errors) std::cerr << "cyclerctl: " << (e.pointer.empty() ? "/" : e.pointer) << ": " << e.message << '\n';
    return kExitRefused;
  }
  const Protocol protocol = resolve(*parsed.protocol, channel.cell_info());

  std::cerr << "simulate: " << protocol.name << " on " << a.preset << " (" << a.mass_mg << " mg)...\n";
  CycleTable cycles(mass_g);
  RunTotals totals;
  Progress progress;
  std::int64_t run_id = 0;
  if (a.db.empty()) {
    channel.run(protocol, {&cycles, &totals, &progress});
  } else {
    run_recorded(a, channel, protocol, text, {&cycles, &totals, &progress}, run_id);
    std::cerr << "simulate: recorded as run " << run_id << " in " << a.db << '\n';
  }
  const auto rates = rate_table(cycles.rows());

  if (a.json) {
    nlohmann::json out = {{"cycles", nlohmann::json::array()}, {"rate_table", nlohmann::json::array()}};
    if (run_id > 0) out["run_id"] = run_id;
    for (const auto& r : cycles.rows()) out["cycles"].push_back(to_json(r));
    for (const auto& r : rates) out["rate_table"].push_back(to_json(r));
    out["totals"] = totals.to_json();
    std::cout << out.dump(2) << '\n';
  } else {
    TextTable ct({"cycle", "A/g", "charge mAh/g", "discharge mAh/g", "CE %", "mean Vch", "mean Vdis", "hours"});
    for (const auto& r : cycles.rows()) {
      ct.add_row({std::to_string(r.cycle_index), or_dash(r.current_density_A_g, 2), fixed(r.charge_capacity_mAh_g, 1),
                  fixed(r.discharge_capacity_mAh_g, 1), or_dash(r.coulombic_efficiency, 1, 100),
                  or_dash(r.mean_charge_voltage_V, 3), or_dash(r.mean_discharge_voltage_V, 3),
                  fixed(r.duration_s / 3600, 2)});
    }
    ct.print(std::cout);
    std::cout << '\n';
    TextTable rt({"A/g", "cycles", "discharge mAh/g", "charge mAh/g", "retention"});
    for (const auto& r : rates) {
      rt.add_row({fixed(r.current_density_A_g, 2), std::to_string(r.cycles), fixed(r.mean_discharge_capacity_mAh_g, 1),
                  fixed(r.mean_charge_capacity_mAh_g, 1), fixed(100 * r.retention, 1) + " %"});
    }
    rt.print(std::cout);
    std::cout << "\nrun " << to_string(totals.state()) << ": " << totals.steps() << " steps, " << totals.cycles()
              << " cycles, " << totals.records() << " records, " << fixed(totals.duration_s() / 3600, 1)
              << " h simulated\n";
    if (run_id > 0) std::cout << "recorded as run " << run_id << " in " << a.db << '\n';
  }
  return totals.state() == RunState::completed ? kExitDone : kExitRefused;
}

}  // namespace

void add_simulate_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<SimulateArgs>();
  auto* cmd = app.add_subcommand("simulate",
                                 "Run a protocol through the channel runner on a simulated cell at full speed (no "
                                 "daemon) and print the cycle table, the rate table and the totals");
  cmd->add_option("--protocol", args->protocol, "A library protocol name or a protocol file")->required();
  cmd->add_option("--preset", args->preset, "Cell preset (see `cyclerctl presets`)")->capture_default_str();
  cmd->add_option("--mass-mg", args->mass_mg, "Active mass in mg")->capture_default_str();
  cmd->add_option("--param", args->params, "A parameter override, name=value (repeatable)");
  cmd->add_option("--seed", args->seed, "Seed of the measurement noise")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object {cycles, rate_table, totals, run_id (with --db)}");
  cmd->add_option("--db", args->db,
                  "Record the run into this database file (created if missing), as cyclerd would; prints the run id");
  cmd->add_option("--cell", args->cell, "With --db: the stored cell's name (default: preset and mass)");
  cmd->callback([&action, args] { action = [args] { return run_simulate(*args); }; });
}

}  // namespace cyclerd::ctl

// A run's results from a running cyclerd: cycles (the cycle table and the rate table), events, analysis
// (runs.analysis), and `export RUN` without --db (every sample, page by page). Tables for people, one
// JSON object with --json.
#include <fstream>
#include <iostream>
#include <sstream>

#include "protocols/runner/rate_table.hpp"
#include "schema/export_samples.hpp"
#include "tools/cyclerctl/daemon_commands.hpp"
#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {

using nlohmann::json;

namespace {

void print_cycles(const json& cycles) {
  TextTable t({"cycle", "A/g", "charge mAh/g", "discharge mAh/g", "CE %", "hours"});
  for (const auto& c : cycles) {
    t.add_row({text_of(c["cycle_index"]), text_of(c["current_density_A_g"], 2), text_of(c["charge_capacity_mAh_g"], 1),
               text_of(c["discharge_capacity_mAh_g"], 1),
               c["coulombic_efficiency"].is_null() ? "-" : fixed(100 * c["coulombic_efficiency"].get<double>(), 1),
               fixed(c["duration_s"].get<double>() / 3600, 2)});
  }
  t.print(std::cout);
}

void print_rate_table(const json& rows) {
  TextTable t({"A/g", "cycles", "discharge mAh/g", "charge mAh/g", "retention"});
  for (const auto& row : rows) {
    t.add_row({text_of(row["current_density_A_g"], 2), text_of(row["cycles"]),
               text_of(row["mean_discharge_capacity_mAh_g"], 1), text_of(row["mean_charge_capacity_mAh_g"], 1),
               fixed(100 * row["retention"].get<double>(), 1) + " %"});
  }
  t.print(std::cout);
}

// runs.analysis for people: each table's scalar columns (arrays such as a dQ/dV curve are left to --json),
// and one-per-run results as "name: value" lines.
void print_analysis(const json& result) {
  for (const auto& [name, value] : result.items()) {
    if (name == "run_id" || name == "kind") continue;
    std::cout << name << ":\n";
    if (value.is_object()) {
      for (const auto& [k, v] : value.items()) {
        if (!v.is_structured()) std::cout << "  " << k << ": " << text_of(v, 4) << '\n';
      }
    } else if (value.is_array() && !value.empty()) {
      std::vector<std::string> columns;
      for (const auto& [k, v] : value.front().items()) {
        if (!v.is_structured()) columns.push_back(k);
      }
      TextTable t(columns);
      for (const auto& row : value) {
        std::vector<std::string> cells;
        for (const auto& k : columns) cells.push_back(text_of(row.value(k, json()), 4));
        t.add_row(cells);
      }
      t.print(std::cout);
    } else {
      std::cout << "  (none yet)\n";
    }
  }
}

// The rate table of a run's cycles (DESIGN.md: the formation cycle is left out).
json rate_json(const json& cycles) {
  std::vector<CycleSummary> rows;
  for (const auto& c : cycles) {
    CycleSummary s;
    s.cycle_index = c["cycle_index"].get<int>();
    if (!c["current_density_A_g"].is_null()) s.current_density_A_g = c["current_density_A_g"].get<double>();
    s.charge_capacity_mAh_g = c.value("charge_capacity_mAh_g", 0.0);
    s.discharge_capacity_mAh_g = c.value("discharge_capacity_mAh_g", 0.0);
    rows.push_back(s);
  }
  json out = json::array();
  for (const auto& r : rate_table(rows)) out.push_back(to_json(r));
  return out;
}

// Every sample of a run, page by page (runs.samples from_index/limit), as the store's csv or json export
// writes it (test_daemon_ops checks the bytes against `cyclerctl export --db`).
std::string export_in_pages(RpcClient& rpc, std::int64_t run, const std::string& format) {
  rpc.call("runs.get", {{"run_id", run}});  // an unknown run is refused before anything is written
  static const std::vector<std::string> kColumns = {"index", "test_time_s", "unix_time_s", "voltage_V", "current_A",
                                                    "temperature_C", "cycle_index", "step_index", "step_id",
                                                    "step_capacity_Ah", "step_energy_Wh"};
  json columns = json::object();
  for (const auto& c : kColumns) columns[c] = json::array();
  std::ostringstream csv;
  if (format == "csv") {
    for (std::size_t i = 0; i < kColumns.size(); ++i) csv << (i ? "," : "") << kColumns[i];
    csv << '\n';
  }
  json next = 0;
  while (!next.is_null()) {
    const json page = rpc.call("runs.samples", {{"run_id", run}, {"from_index", next}, {"limit", 20000}});
    const json& col = page.at("columns");
    const std::size_t rows = col.at("index").size();
    for (std::size_t r = 0; r < rows; ++r) {
      if (format == "json") {
        for (const auto& c : kColumns) columns[c].push_back(col.at(c)[r]);
        continue;
      }
      for (std::size_t i = 0; i < kColumns.size(); ++i) {
        const json& v = col.at(kColumns[i])[r];
        if (i) csv << ',';
        if (v.is_number_float()) csv << store::format_number(v.get<double>());
        else if (!v.is_null()) csv << v.dump();
      }
      csv << '\n';
    }
    next = page.at("next_index");
  }
  if (format == "csv") return csv.str();
  return json{{"decimated", false}, {"columns", columns}, {"run_id", run}}.dump() + "\n";
}

// `export RUN [--format F] [--out FILE]` through the daemon; the storage commands call it without --db.
int export_run(const DaemonOptions& options, std::int64_t run, const std::string& format, const std::string& out) {
  return guarded([&] {
    auto rpc = connect(options);
    // csv and json are put together here from pages of runs.samples, so a run of any length never
    // becomes one huge answer held in the daemon's memory; bdf comes whole from runs.export.
    const std::string text = format == "bdf" ? rpc->call("runs.export", {{"run_id", run}, {"format", format}})["text"].get<std::string>()
                                             : export_in_pages(*rpc, run, format);
    const json r = {{"run_id", run}, {"format", format}, {"text", text}};
    if (out.empty()) {
      if (options.json) std::cout << r.dump() << '\n';  // {run_id, format, text}: one JSON object
      else std::cout << text;
    } else {
      std::ofstream file(out, std::ios::binary);
      file << text;
      if (!file) throw RpcFailure(0, "cannot write " + out, nullptr);
      if (options.json) {
        std::cout << json{{"run_id", run}, {"format", format}, {"file", out}, {"bytes", text.size()}}.dump(2) << '\n';
      } else {
        std::cerr << "run " << run << " -> " << out << " (" << format << ")\n";
      }
    }
    return kExitDone;
  });
}

}  // namespace

void add_result_commands(CLI::App& app, DaemonCommands& commands) {
  struct Args {
    std::int64_t run = 0;
    std::string kind;
  };
  auto args = std::make_shared<Args>();

  auto* cycles = commands.add_shown(
      app, "cycles", "a run's cycle table and rate table",
      [args](RpcClient& rpc) {
        json r = rpc.call("runs.cycles", {{"run_id", args->run}});
        r["rate_table"] = rate_json(r["cycles"]);
        return r;
      },
      [](const json& x) {
        print_cycles(x["cycles"]);
        std::cout << '\n';
        print_rate_table(x["rate_table"]);
      });
  cycles->add_option("run", args->run, "the run id")->required();

  auto* events = commands.add_shown(
      app, "events", "a run's events", [args](RpcClient& rpc) { return rpc.call("runs.events", {{"run_id", args->run}}); },
      [](const json& r) {
        TextTable t({"kind", "who", "text"});
        for (const auto& e : r["events"]) t.add_row({text_of(e["kind"]), text_of(e["who"]), text_of(e["text"])});
        t.print(std::cout);
      });
  events->add_option("run", args->run, "the run id")->required();

  auto* analysis = commands.add_shown(
      app, "analysis", "a run's live analysis as stored (runs.analysis)",
      [args](RpcClient& rpc) { return rpc.call("runs.analysis", {{"run_id", args->run}, {"kind", args->kind}}); },
      print_analysis);
  analysis->add_option("run", args->run, "the run id")->required();
  analysis->add_option("kind", args->kind, "cycles, rate, dqdv, cv, gitt, eis, drt or summary")->required();

  daemon_export_hook() = [options = commands.options()](std::int64_t run, const std::string& format,
                                                        const std::string& out) {
    return export_run(*options, run, format, out);
  };
}

std::function<int(std::int64_t, const std::string&, const std::string&)>& daemon_export_hook() {
  static std::function<int(std::int64_t, const std::string&, const std::string&)> hook;
  return hook;
}

}  // namespace cyclerd::ctl

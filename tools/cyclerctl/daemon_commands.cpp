// The commands that talk to a running cyclerd over JSON-RPC: status, submit, run control, runs, show,
// cycles, events, export RUN, cells, protocols. Tables for people, one JSON object with --json.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "protocols/runner/rate_table.hpp"
#include "schema/export_samples.hpp"
#include "tools/cyclerctl/commands.hpp"
#include "tools/cyclerctl/rpc_client.hpp"
#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {
namespace {

using nlohmann::json;

// Options every daemon command shares (given before or after the subcommand).
struct Connection {
  std::string connect = "127.0.0.1:7710";
  std::string token_file;
  bool json = false;
};

std::string text_of(const json& v, int decimals = 3) {
  if (v.is_null()) return "-";
  if (v.is_number_float()) return fixed(v.get<double>(), decimals);
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// Connects and logs in with the token file's first token (a line "TOKEN", or "ROLE TOKEN NAME").
std::unique_ptr<RpcClient> connect(const Connection& c) {
  auto client = std::make_unique<RpcClient>(c.connect);
  if (c.token_file.empty()) return client;
  std::ifstream in(c.token_file);
  if (!in) throw RpcFailure(0, "cannot read the token file " + c.token_file, nullptr);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    if (w.empty() || w[0][0] == '#') continue;
    const std::string token = w.size() >= 2 ? w[1] : w[0];
    try {
      client->call("auth.login", {{"token", token}});
    } catch (const RpcFailure& e) {
      throw RpcFailure(e.code, "the daemon refused the token in " + c.token_file + ": " + e.what(), e.data);
    }
    return client;
  }
  throw RpcFailure(0, "no token in " + c.token_file, nullptr);
}

// Runs `body`, mapping failures to DESIGN.md's exit codes with a message that says why.
int guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const Unreachable& e) {
    std::cerr << "cyclerctl: " << e.what() << '\n';
    return kExitUnreachable;
  } catch (const RpcFailure& e) {
    std::cerr << "cyclerctl: " << e.what() << '\n';
    if (e.code == -32001) std::cerr << "cyclerctl: log in with --token-file FILE (a token of the daemon's token file)\n";
    if (e.data.is_object() && e.data.contains("errors")) {
      for (const auto& err : e.data["errors"]) {
        std::cerr << "  " << err.value("pointer", std::string("/")) << ": " << err.value("message", std::string()) << '\n';
      }
    }
    return kExitRefused;
  }
}

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

struct Args {
  std::string channel, cell, protocol, text, format = "csv", out, state, file;
  std::vector<std::string> params, tags;
  std::int64_t run = 0;
  double mass_mg = 0;
  std::string preset;
};

}  // namespace

void add_daemon_commands(CLI::App& app, Action& action) {
  auto conn = std::make_shared<Connection>();
  auto args = std::make_shared<Args>();
  app.add_option("--connect", conn->connect, "the daemon, HOST:PORT")->capture_default_str();
  app.add_option("--token-file", conn->token_file, "log in with this token file's token");
  app.add_flag("--json", conn->json, "print one JSON object");

  // Registers a subcommand whose action calls the daemon.
  auto command = [&app, &action, conn](const std::string& name, const std::string& help,
                                       std::function<int(RpcClient&, const Connection&)> body) {
    auto* cmd = app.add_subcommand(name, help);
    cmd->fallthrough();
    cmd->callback([&action, conn, body] {
      action = [conn, body] { return guarded([&] { return body(*connect(*conn), *conn); }); };
    });
    return cmd;
  };
  // Prints the result as JSON or through `show` for people.
  auto emit = [](const Connection& c, const json& result, const std::function<void(const json&)>& show) {
    if (c.json) std::cout << result.dump(2) << '\n';
    else show(result);
    return kExitDone;
  };

  command("status", "the channels: state, run, step, cycle, V, I", [emit](RpcClient& rpc, const Connection& c) {
    json out = {{"channels", rpc.call("channels.list")}};
    if (out["channels"].is_object()) out["channels"] = out["channels"]["channels"];
    return emit(c, out, [&rpc](const json& r) {
      TextTable t({"channel", "state", "run", "cell", "protocol", "step", "cycle", "V", "I mA", "progress", "left h"});
      for (const auto& ch : r["channels"]) {
        std::string progress = "-", left = "-";
        if (!ch["run"].is_null()) {
          const auto run = rpc.call("runs.get", {{"run_id", ch["run"]}});
          if (!run["progress"].is_null()) progress = fixed(100 * run["progress"].get<double>(), 0) + " %";
          if (!run["time_left_s"].is_null()) left = fixed(run["time_left_s"].get<double>() / 3600, 1);
        }
        t.add_row({text_of(ch["id"]), text_of(ch["state"]), text_of(ch["run"]), text_of(ch.value("cell", json())),
                   text_of(ch.value("protocol", json())), text_of(ch["step"]), text_of(ch["cycle"]),
                   text_of(ch["voltage_V"]),
                   ch["current_A"].is_null() ? "-" : fixed(1000 * ch["current_A"].get<double>(), 3), progress, left});
      }
      t.print(std::cout);
    });
  });

  auto* submit = command("submit", "queue a run", [args, emit](RpcClient& rpc, const Connection& c) {
    json params = {{"channel", args->channel}, {"cell", args->cell}, {"tags", args->tags}};
    std::ifstream file(args->protocol);
    params["protocol"] = file ? json::parse(file) : json(args->protocol);
    json overrides = json::object();
    for (const auto& p : args->params) {
      const auto eq = p.find('=');
      if (eq == std::string::npos) throw RpcFailure(0, "--param wants name=value, not \"" + p + "\"", nullptr);
      overrides[p.substr(0, eq)] = p.substr(eq + 1);
    }
    params["params"] = overrides;
    return emit(c, rpc.call("runs.submit", params), [](const json& r) { std::cout << "run " << r["run_id"] << " queued\n"; });
  });
  submit->add_option("--channel", args->channel, "the channel")->required();
  submit->add_option("--cell", args->cell, "the cell")->required();
  submit->add_option("--protocol", args->protocol, "a library protocol or a protocol file")->required();
  submit->add_option("--param", args->params, "name=value (repeatable)");
  submit->add_option("--tag", args->tags, "a tag (repeatable)");

  for (const auto& [name, method] : std::vector<std::pair<std::string, std::string>>{
           {"pause", "runs.pause"}, {"resume", "runs.resume"}, {"stop", "runs.stop"},
           {"cancel", "runs.cancel"}, {"skip", "runs.skip_step"}}) {
    auto* cmd = command(name, method + " RUN", [args, emit, method](RpcClient& rpc, const Connection& c) {
      return emit(c, rpc.call(method, {{"run_id", args->run}}),
                  [](const json& r) { std::cout << "run " << r["run_id"] << ": " << text_of(r["state"]) << '\n'; });
    });
    cmd->add_option("run", args->run, "the run id")->required();
  }
  auto* note = command("note", "add a note to a run", [args, emit](RpcClient& rpc, const Connection& c) {
    return emit(c, rpc.call("runs.note", {{"run_id", args->run}, {"text", args->text}}),
                [](const json&) { std::cout << "noted\n"; });
  });
  note->add_option("run", args->run, "the run id")->required();
  note->add_option("text", args->text, "the note")->required();

  auto* runs = command("runs", "the runs", [args, emit](RpcClient& rpc, const Connection& c) {
    json p = json::object();
    if (!args->state.empty()) p["state"] = args->state;
    if (!args->channel.empty()) p["channel"] = args->channel;
    return emit(c, rpc.call("runs.list", p), [](const json& r) {
      TextTable t({"run", "channel", "cell", "protocol", "state", "samples"});
      for (const auto& x : r["runs"]) {
        t.add_row({text_of(x["run_id"]), text_of(x["channel"]), text_of(x["cell"]), text_of(x["protocol"]),
                   text_of(x["state"]), text_of(x["samples"])});
      }
      t.print(std::cout);
    });
  });
  runs->add_option("--state", args->state, "only runs in this state");
  runs->add_option("--channel", args->channel, "only runs of this channel");

  auto* show_cmd = command("show", "one run", [args, emit](RpcClient& rpc, const Connection& c) {
    return emit(c, rpc.call("runs.get", {{"run_id", args->run}}), [](const json& r) {
      for (const auto& [k, v] : r.items()) std::cout << k << ": " << text_of(v) << '\n';
    });
  });
  show_cmd->add_option("run", args->run, "the run id")->required();

  auto* cycles = command("cycles", "a run's cycle table and rate table", [args, emit](RpcClient& rpc, const Connection& c) {
    json r = rpc.call("runs.cycles", {{"run_id", args->run}});
    r["rate_table"] = rate_json(r["cycles"]);
    return emit(c, r, [](const json& x) {
      print_cycles(x["cycles"]);
      std::cout << '\n';
      TextTable t({"A/g", "cycles", "discharge mAh/g", "charge mAh/g", "retention"});
      for (const auto& row : x["rate_table"]) {
        t.add_row({text_of(row["current_density_A_g"], 2), text_of(row["cycles"]),
                   text_of(row["mean_discharge_capacity_mAh_g"], 1), text_of(row["mean_charge_capacity_mAh_g"], 1),
                   fixed(100 * row["retention"].get<double>(), 1) + " %"});
      }
      t.print(std::cout);
    });
  });
  cycles->add_option("run", args->run, "the run id")->required();

  auto* events = command("events", "a run's events", [args, emit](RpcClient& rpc, const Connection& c) {
    return emit(c, rpc.call("runs.events", {{"run_id", args->run}}), [](const json& r) {
      TextTable t({"kind", "who", "text"});
      for (const auto& e : r["events"]) t.add_row({text_of(e["kind"]), text_of(e["who"]), text_of(e["text"])});
      t.print(std::cout);
    });
  });
  events->add_option("run", args->run, "the run id")->required();

  auto* analysis = command("analysis", "a run's live analysis as stored (runs.analysis)",
                           [args, emit](RpcClient& rpc, const Connection& c) {
                             return emit(c, rpc.call("runs.analysis", {{"run_id", args->run}, {"kind", args->text}}),
                                         print_analysis);
                           });
  analysis->add_option("run", args->run, "the run id")->required();
  analysis->add_option("kind", args->text, "cycles, rate, dqdv, cv, gitt, eis, drt or summary")->required();

  auto* cells = app.add_subcommand("cells", "the cells under test");
  cells->require_subcommand(1);
  cells->fallthrough();
  auto* add = cells->add_subcommand("add", "add a cell");
  add->fallthrough();
  add->add_option("name", args->cell, "the cell's name")->required();
  add->add_option("--mass-mg", args->mass_mg, "active mass, mg")->required();
  add->add_option("--preset", args->preset, "simulated channels simulate this preset");
  add->callback([&action, conn, args] {
    action = [conn, args] {
      return guarded([&] {
        json p = {{"name", args->cell}, {"active_mass_mg", args->mass_mg}};
        if (!args->preset.empty()) p["sim_preset"] = args->preset;
        const json r = connect(*conn)->call("cells.create", p);
        if (conn->json) std::cout << r.dump(2) << '\n';
        else std::cout << "cell " << args->cell << " added\n";
        return kExitDone;
      });
    };
  });
  auto* list = cells->add_subcommand("list", "every cell");
  list->fallthrough();
  list->callback([&action, conn] {
    action = [conn] {
      return guarded([&] {
        const json r = connect(*conn)->call("cells.list");
        if (conn->json) {
          std::cout << r.dump(2) << '\n';
          return kExitDone;
        }
        TextTable t({"cell", "mass mg", "preset"});
        for (const auto& x : r["cells"]) t.add_row({text_of(x["name"]), text_of(x["active_mass_mg"]), text_of(x["sim_preset"])});
        t.print(std::cout);
        return kExitDone;
      });
    };
  });

  auto* protocols = app.add_subcommand("protocols", "the daemon's protocols");
  protocols->require_subcommand(1);
  protocols->fallthrough();
  auto protocol_value = [args] {
    std::ifstream file(args->protocol);
    return file ? json::parse(file) : json(args->protocol);
  };
  auto sub = [&action, conn](CLI::App* parent, const std::string& name, const std::string& help,
                             std::function<json(RpcClient&)> call, std::function<void(const json&)> show) {
    auto* cmd = parent->add_subcommand(name, help);
    cmd->fallthrough();
    cmd->callback([&action, conn, call, show] {
      action = [conn, call, show] {
        return guarded([&] {
          const json r = call(*connect(*conn));
          if (conn->json) std::cout << r.dump(2) << '\n';
          else show(r);
          return kExitDone;
        });
      };
    });
    return cmd;
  };
  sub(protocols, "list", "library protocols", [](RpcClient& rpc) { return rpc.call("protocols.list"); },
      [](const json& r) {
        for (const auto& p : r["protocols"]) std::cout << text_of(p["name"]) << "  " << text_of(p["description"]) << '\n';
      });
  auto* show_protocol = sub(protocols, "show", "a protocol's text (with --json: the protocol object and its summary)",
      [args](RpcClient& rpc) {
        json r = rpc.call("protocols.get", {{"name", args->protocol}});
        // The stored text is a protocol object: --json gives it as one, not as a string to parse again.
        if (r.contains("text") && r["text"].is_string()) {
          r["protocol"] = json::parse(r["text"].get<std::string>(), nullptr, false);
          if (r["protocol"].is_discarded()) r["protocol"] = nullptr;
        }
        return r;
      },
      [](const json& r) {
        std::string text = r.value("text", "");
        std::cout << text << (text.empty() || text.back() == '\n' ? "" : "\n");
      });
  show_protocol->add_option("name", args->protocol, "a protocol name (protocols list)")->required();
  auto* validate = sub(protocols, "validate", "check a protocol (against a cell and channel)",
      [args, protocol_value](RpcClient& rpc) {
        json p = {{"protocol", protocol_value()}};
        if (!args->cell.empty()) p["cell"] = args->cell;
        if (!args->channel.empty()) p["channel"] = args->channel;
        return rpc.call("protocols.validate", p);
      },
      [](const json&) { std::cout << "valid\n"; });
  validate->add_option("protocol", args->protocol, "a library name or a protocol file")->required();
  validate->add_option("--cell", args->cell, "a cell");
  validate->add_option("--channel", args->channel, "a channel");
  auto* estimate = sub(protocols, "estimate", "dry run on a simulated clone",
      [args, protocol_value](RpcClient& rpc) {
        json p = {{"protocol", protocol_value()}, {"cell", args->cell}};
        if (!args->channel.empty()) p["channel"] = args->channel;
        return rpc.call("protocols.estimate", p);
      },
      [](const json& r) {
        std::cout << "duration " << fixed(r["duration_s"].get<double>() / 3600, 1) << " h, " << r["cycles"] << " cycles, "
                  << r["records"] << " records, " << r["limit_hits"] << " limit hits"
                  << (r["truncated"].get<bool>() ? " (stopped early: a lower bound)" : "") << '\n';
      });
  estimate->add_option("protocol", args->protocol, "a library name or a protocol file")->required();
  estimate->add_option("--cell", args->cell, "a cell")->required();
  estimate->add_option("--channel", args->channel, "a channel");

  daemon_export_hook() = [conn](std::int64_t run, const std::string& format, const std::string& out) {
    return guarded([&] {
      auto rpc = connect(*conn);
      // csv and json are put together here from pages of runs.samples, so a run of any length never
      // becomes one huge answer held in the daemon's memory; bdf comes whole from runs.export.
      const std::string text = format == "bdf" ? rpc->call("runs.export", {{"run_id", run}, {"format", format}})["text"].get<std::string>()
                                               : export_in_pages(*rpc, run, format);
      const json r = {{"run_id", run}, {"format", format}, {"text", text}};
      if (out.empty()) {
        if (conn->json) std::cout << r.dump() << '\n';  // {run_id, format, text}: one JSON object
        else std::cout << text;
      } else {
        std::ofstream file(out, std::ios::binary);
        file << text;
        if (!file) throw RpcFailure(0, "cannot write " + out, nullptr);
        if (conn->json) {
          std::cout << json{{"run_id", run}, {"format", format}, {"file", out}, {"bytes", text.size()}}.dump(2) << '\n';
        } else {
          std::cerr << "run " << run << " -> " << out << " (" << format << ")\n";
        }
      }
      return kExitDone;
    });
  };
}

std::function<int(std::int64_t, const std::string&, const std::string&)>& daemon_export_hook() {
  static std::function<int(std::int64_t, const std::string&, const std::string&)> hook;
  return hook;
}

}  // namespace cyclerd::ctl

// Queueing and controlling runs on a running cyclerd: status, submit, pause, resume, stop, cancel, skip,
// note, runs, show, wait. Tables for people, one JSON object with --json.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "core/error.hpp"
#include "protocols/engine/run_state.hpp"
#include "tools/cyclerctl/daemon_commands.hpp"
#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {

using nlohmann::json;

namespace {

// What the run commands are given.
struct RunArgs {
  std::string channel, cell, protocol, text, state;
  std::vector<std::string> params, tags;
  std::int64_t run = 0;
  double timeout_s = 0;     // wait: 0 waits for ever
  double every_s = 0.5;     // wait: between two looks
};

// The states a run does not leave, by the engine's transition table (an interrupted run goes on when the
// daemon starts again). A state this cyclerctl does not know is not final: it goes on asking.
bool is_final(const std::string& state) {
  try {
    return is_terminal(run_state_from(state));
  } catch (const Error&) {
    return false;
  }
}

// `wait RUN`: asks runs.get on one connection until the run is in a final state (the daemon shows a final
// state once the run's last rows are stored, so what follows, an export, finds every sample). 0 when it
// completed; 1 when it ended otherwise or the time ran out, saying which.
int wait_for_run(RpcClient& rpc, const DaemonOptions& o, const RunArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  const auto every = std::chrono::duration<double>(std::max(0.01, args.every_s));
  for (;;) {
    const json run = rpc.call("runs.get", {{"run_id", args.run}});
    const std::string state = run.value("state", std::string());
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool out_of_time = !is_final(state) && args.timeout_s > 0 && waited >= args.timeout_s;
    if (is_final(state) || out_of_time) {
      if (o.json) std::cout << run.dump(2) << '\n';
      else std::cout << "run " << args.run << ": " << state << " (" << text_of(run["samples"]) << " samples)\n";
      if (state == "completed") return kExitDone;
      if (out_of_time) {
        std::cerr << "cyclerctl: run " << args.run << " is still " << state << " after " << fixed(waited, 1) << " s\n";
      } else {
        std::cerr << "cyclerctl: run " << args.run << " ended " << state << " (cyclerctl events " << args.run
                  << " says why)\n";
      }
      return kExitRefused;
    }
    // The last look comes when the time is up, not a whole interval later.
    const double left_s = args.timeout_s > 0 ? args.timeout_s - waited : every.count();
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(every.count(), left_s)));
  }
}

// The channels table; each running channel's progress and time left come from runs.get.
void print_status(RpcClient& rpc, const json& result) {
  TextTable t({"channel", "state", "run", "cell", "protocol", "step", "cycle", "V", "I mA", "progress", "left h"});
  for (const auto& ch : result["channels"]) {
    std::string progress = "-", left = "-";
    if (!ch["run"].is_null()) {
      const auto run = rpc.call("runs.get", {{"run_id", ch["run"]}});
      if (!run["progress"].is_null()) progress = fixed(100 * run["progress"].get<double>(), 0) + " %";
      if (!run["time_left_s"].is_null()) left = fixed(run["time_left_s"].get<double>() / 3600, 1);
    }
    t.add_row({text_of(ch["id"]), text_of(ch["state"]), text_of(ch["run"]), text_of(ch.value("cell", json())),
               text_of(ch.value("protocol", json())), text_of(ch["step"]), text_of(ch["cycle"]), text_of(ch["voltage_V"]),
               ch["current_A"].is_null() ? "-" : fixed(1000 * ch["current_A"].get<double>(), 3), progress, left});
  }
  t.print(std::cout);
}

}  // namespace

void add_run_commands(CLI::App& app, DaemonCommands& commands) {
  auto args = std::make_shared<RunArgs>();

  commands.add(app, "status", "the channels: state, run, step, cycle, V, I", [](RpcClient& rpc, const DaemonOptions& o) {
    json out = {{"channels", rpc.call("channels.list")}};
    if (out["channels"].is_object()) out["channels"] = out["channels"]["channels"];
    if (o.json) std::cout << out.dump(2) << '\n';
    else print_status(rpc, out);
    return kExitDone;
  });

  auto* submit = commands.add_shown(
      app, "submit", "queue a run",
      [args](RpcClient& rpc) {
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
        return rpc.call("runs.submit", params);
      },
      [](const json& r) { std::cout << "run " << r["run_id"] << " queued\n"; });
  submit->add_option("--channel", args->channel, "the channel")->required();
  submit->add_option("--cell", args->cell, "the cell")->required();
  submit->add_option("--protocol", args->protocol, "a library protocol or a protocol file")->required();
  submit->add_option("--param", args->params, "name=value (repeatable)");
  submit->add_option("--tag", args->tags, "a tag (repeatable)");

  for (const auto& [name, method] : std::vector<std::pair<std::string, std::string>>{
           {"pause", "runs.pause"}, {"resume", "runs.resume"}, {"stop", "runs.stop"},
           {"cancel", "runs.cancel"}, {"skip", "runs.skip_step"}}) {
    auto* cmd = commands.add_shown(
        app, name, method + " RUN", [args, method](RpcClient& rpc) { return rpc.call(method, {{"run_id", args->run}}); },
        [](const json& r) { std::cout << "run " << r["run_id"] << ": " << text_of(r["state"]) << '\n'; });
    cmd->add_option("run", args->run, "the run id")->required();
  }
  auto* note = commands.add_shown(
      app, "note", "add a note to a run",
      [args](RpcClient& rpc) { return rpc.call("runs.note", {{"run_id", args->run}, {"text", args->text}}); },
      [](const json&) { std::cout << "noted\n"; });
  note->add_option("run", args->run, "the run id")->required();
  note->add_option("text", args->text, "the note")->required();

  auto* runs = commands.add_shown(
      app, "runs", "the runs",
      [args](RpcClient& rpc) {
        json p = json::object();
        if (!args->state.empty()) p["state"] = args->state;
        if (!args->channel.empty()) p["channel"] = args->channel;
        return rpc.call("runs.list", p);
      },
      [](const json& r) {
        TextTable t({"run", "channel", "cell", "protocol", "state", "samples"});
        for (const auto& x : r["runs"]) {
          t.add_row({text_of(x["run_id"]), text_of(x["channel"]), text_of(x["cell"]), text_of(x["protocol"]),
                     text_of(x["state"]), text_of(x["samples"])});
        }
        t.print(std::cout);
      });
  runs->add_option("--state", args->state, "only runs in this state");
  runs->add_option("--channel", args->channel, "only runs of this channel");

  auto* show = commands.add_shown(
      app, "show", "one run", [args](RpcClient& rpc) { return rpc.call("runs.get", {{"run_id", args->run}}); },
      [](const json& r) {
        for (const auto& [k, v] : r.items()) std::cout << k << ": " << text_of(v) << '\n';
      });
  show->add_option("run", args->run, "the run id")->required();

  auto* wait = commands.add(app, "wait", "wait until a run ends (exit 0 completed, 1 ended otherwise or timed out)",
                            [args](RpcClient& rpc, const DaemonOptions& o) { return wait_for_run(rpc, o, *args); });
  wait->add_option("run", args->run, "the run id")->required();
  wait->add_option("--timeout", args->timeout_s, "give up after this many seconds (default: wait for ever)")
      ->check(CLI::NonNegativeNumber);
  wait->add_option("--every", args->every_s, "seconds between two looks (default 0.5, at least 0.01)")
      ->check(CLI::PositiveNumber);
}

}  // namespace cyclerd::ctl

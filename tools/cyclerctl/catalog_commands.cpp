// The cells and protocols a running cyclerd knows: cells add|list, protocols list|show|validate|estimate.
// Tables for people, one JSON object with --json.
#include <fstream>
#include <iostream>

#include "tools/cyclerctl/daemon_commands.hpp"
#include "tools/cyclerctl/table.hpp"

namespace cyclerd::ctl {

using nlohmann::json;

namespace {

struct CatalogArgs {
  std::string cell, channel, protocol, preset;
  double mass_mg = 0;
};

// A protocol argument: a file holding a protocol object, or a library protocol's name.
json protocol_value(const std::string& argument) {
  std::ifstream file(argument);
  return file ? json::parse(file) : json(argument);
}

void add_cell_commands(CLI::App& app, DaemonCommands& commands, const std::shared_ptr<CatalogArgs>& args) {
  auto* cells = app.add_subcommand("cells", "the cells under test");
  cells->require_subcommand(1);
  cells->fallthrough();
  auto* add = commands.add_shown(
      *cells, "add", "add a cell",
      [args](RpcClient& rpc) {
        json p = {{"name", args->cell}, {"active_mass_mg", args->mass_mg}};
        if (!args->preset.empty()) p["sim_preset"] = args->preset;
        return rpc.call("cells.create", p);
      },
      [args](const json&) { std::cout << "cell " << args->cell << " added\n"; });
  add->add_option("name", args->cell, "the cell's name")->required();
  add->add_option("--mass-mg", args->mass_mg, "active mass, mg")->required();
  add->add_option("--preset", args->preset, "simulated channels simulate this preset");
  commands.add_shown(
      *cells, "list", "every cell", [](RpcClient& rpc) { return rpc.call("cells.list"); },
      [](const json& r) {
        TextTable t({"cell", "mass mg", "preset"});
        for (const auto& x : r["cells"]) t.add_row({text_of(x["name"]), text_of(x["active_mass_mg"]), text_of(x["sim_preset"])});
        t.print(std::cout);
      });
}

void add_protocol_commands(CLI::App& app, DaemonCommands& commands, const std::shared_ptr<CatalogArgs>& args) {
  auto* protocols = app.add_subcommand("protocols", "the daemon's protocols");
  protocols->require_subcommand(1);
  protocols->fallthrough();
  commands.add_shown(
      *protocols, "list", "library protocols", [](RpcClient& rpc) { return rpc.call("protocols.list"); },
      [](const json& r) {
        for (const auto& p : r["protocols"]) std::cout << text_of(p["name"]) << "  " << text_of(p["description"]) << '\n';
      });
  auto* show = commands.add_shown(
      *protocols, "show", "a protocol's text (with --json: the protocol object and its summary)",
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
  show->add_option("name", args->protocol, "a protocol name (protocols list)")->required();
  auto* validate = commands.add_shown(
      *protocols, "validate", "check a protocol (against a cell and channel)",
      [args](RpcClient& rpc) {
        json p = {{"protocol", protocol_value(args->protocol)}};
        if (!args->cell.empty()) p["cell"] = args->cell;
        if (!args->channel.empty()) p["channel"] = args->channel;
        return rpc.call("protocols.validate", p);
      },
      [](const json&) { std::cout << "valid\n"; });
  validate->add_option("protocol", args->protocol, "a library name or a protocol file")->required();
  validate->add_option("--cell", args->cell, "a cell");
  validate->add_option("--channel", args->channel, "a channel");
  auto* estimate = commands.add_shown(
      *protocols, "estimate", "dry run on a simulated clone",
      [args](RpcClient& rpc) {
        json p = {{"protocol", protocol_value(args->protocol)}, {"cell", args->cell}};
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
}

}  // namespace

void add_catalog_commands(CLI::App& app, DaemonCommands& commands) {
  auto args = std::make_shared<CatalogArgs>();
  add_cell_commands(app, commands, args);
  add_protocol_commands(app, commands, args);
}

}  // namespace cyclerd::ctl

#include "tools/cyclerctl/daemon_commands.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

namespace cyclerd::ctl {

using nlohmann::json;

std::unique_ptr<RpcClient> connect(const DaemonOptions& options) {
  auto client = std::make_unique<RpcClient>(options.connect);
  if (options.token_file.empty()) return client;
  std::ifstream in(options.token_file);
  if (!in) throw RpcFailure(0, "cannot read the token file " + options.token_file, nullptr);
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
      throw RpcFailure(e.code, "the daemon refused the token in " + options.token_file + ": " + e.what(), e.data);
    }
    return client;
  }
  throw RpcFailure(0, "no token in " + options.token_file, nullptr);
}

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

CLI::App* DaemonCommands::add(CLI::App& parent, const std::string& name, const std::string& help,
                              std::function<int(RpcClient&, const DaemonOptions&)> body) {
  auto* cmd = parent.add_subcommand(name, help);
  cmd->fallthrough();  // the shared options may follow the subcommand
  cmd->callback([&action = action_, options = options_, body = std::move(body)] {
    action = [options, body] { return guarded([&] { return body(*connect(*options), *options); }); };
  });
  return cmd;
}

CLI::App* DaemonCommands::add_shown(CLI::App& parent, const std::string& name, const std::string& help,
                                    std::function<json(RpcClient&)> call, std::function<void(const json&)> show) {
  return add(parent, name, help,
             [call = std::move(call), show = std::move(show)](RpcClient& rpc, const DaemonOptions& options) {
               const json result = call(rpc);
               if (options.json) std::cout << result.dump(2) << '\n';
               else show(result);
               return kExitDone;
             });
}

void add_daemon_commands(CLI::App& app, Action& action) {
  auto options = std::make_shared<DaemonOptions>();
  app.add_option("--connect", options->connect, "the daemon, HOST:PORT")->capture_default_str();
  app.add_option("--token-file", options->token_file, "log in with this token file's token");
  app.add_flag("--json", options->json, "print one JSON object");
  DaemonCommands commands(action, options);
  add_run_commands(app, commands);
  add_result_commands(app, commands);
  add_catalog_commands(app, commands);
}

}  // namespace cyclerd::ctl

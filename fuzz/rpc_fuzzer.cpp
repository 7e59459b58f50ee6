// JSON-RPC framing and dispatch (daemon/rpc): the input is what a client writes on one TCP connection,
// split into lines as TcpSession does ('\n', a trailing '\r' dropped, blank lines skipped), each line handed
// to the Dispatcher with one Connection kept across them (so auth.login changes what later lines may do).
// The method table is the daemon's real one without the Lab: daemon.info, protocols.list/get/validate
// (the protocol parser through JSON-RPC) and channels.list/get over the embedded configuration's channels.
// Properties: handle() never throws, every answer is one JSON text that is a JSON-RPC 2.0 response (or a
// batch of them), and nothing is answered for a line of only notifications.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/auth.hpp"
#include "daemon/channels.hpp"
#include "daemon/config.hpp"
#include "daemon/methods/methods.hpp"
#include "daemon/rpc/dispatcher.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace cyclerd;
using nlohmann::json;

namespace {

struct Daemon {
  Daemon()
      : config(default_config()),
        channels(config.channels),
        tokens(TokenStore::parse("operator op-0123456789abcdef Ana\nviewer view-0123456789abcdef dash\n", "tokens")) {
    spdlog::set_level(spdlog::level::off);
    add_daemon_methods(methods, {"fuzz", "fuzz.sqlite", std::chrono::steady_clock::now()});
    add_protocol_methods(methods, channels, [](std::string_view name) -> std::optional<CellInfo> {
      if (name == "ZS-07") return CellInfo{1e-3, 0.5e-3};
      return std::nullopt;
    });
    add_channel_methods(methods, channels);
  }
  Config config;
  StaticChannelDirectory channels;
  TokenStore tokens;
  rpc::MethodTable methods;
};

void check_response(const json& r, std::string_view line) {
  if (!r.is_object() || r.value("jsonrpc", "") != "2.0" || !r.contains("id")) {
    fuzz::finding("an answer that is not a JSON-RPC 2.0 response", line);
  }
  if (r.contains("result") == r.contains("error")) fuzz::finding("a response needs exactly one of result/error", line);
  if (r.contains("error") && (!r["error"].contains("code") || !r["error"]["code"].is_number_integer() ||
                              !r["error"].contains("message") || !r["error"]["message"].is_string())) {
    fuzz::finding("an error object without an integer code and a message", line);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return -1;
  static const Daemon daemon;
  const auto input = fuzz::text_of(data, size);
  // The first byte chooses whether the daemon demands a token (both are deployed configurations).
  const bool auth_required = size > 0 && (data[0] & 1);
  const rpc::Dispatcher dispatcher(daemon.methods, &daemon.tokens, auth_required);
  rpc::Connection connection{1, "127.0.0.1:1", std::nullopt, {}};
  std::size_t start = 0;
  while (start < input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    std::optional<std::string> answer;
    try {
      answer = dispatcher.handle(line, connection);
    } catch (const std::exception& e) {
      fuzz::finding("Dispatcher::handle threw", e.what());
    }
    if (!answer) continue;
    json parsed;
    try {
      parsed = json::parse(*answer);
    } catch (const json::exception&) {
      fuzz::finding("an answer that is not JSON", *answer);
    }
    if (parsed.is_array()) {
      if (parsed.empty()) fuzz::finding("an empty batch answer (nothing must be sent instead)", line);
      for (const auto& r : parsed) check_response(r, line);
    } else {
      check_response(parsed, line);
    }
  }
  return 0;
}

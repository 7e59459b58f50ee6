// The methods the daemon serves without the Lab: daemon.info, protocols.list/get/validate and
// channels.list/get (through a ChannelDirectory, which the Lab will implement with live channels).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/channels.hpp"
#include "daemon/rpc/method_table.hpp"
#include "protocols/protocol.hpp"

namespace cyclerd {

// The version of the JSON-RPC method set; raised when a method changes incompatibly.
inline constexpr int kApiVersion = 1;

// What daemon.info reports.
struct DaemonFacts {
  std::string version;
  std::filesystem::path database;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Finds a stored cell by name (the Lab provides it); nullopt for an unknown name.
using CellLookup = std::function<std::optional<CellInfo>(std::string_view name)>;

// daemon.info (viewer).
void add_daemon_methods(rpc::MethodTable& table, DaemonFacts facts);
// protocols.list, protocols.get, protocols.validate (viewer). `cells` may be empty until the Lab exists:
// then only an inline cell object is understood.
void add_protocol_methods(rpc::MethodTable& table, const ChannelDirectory& channels, CellLookup cells = {});
// channels.list, channels.get (viewer).
void add_channel_methods(rpc::MethodTable& table, const ChannelDirectory& channels);

// A short description of a parsed protocol: name, description, parameters, steps (kind, text, pointer).
nlohmann::json protocol_summary(const Protocol& protocol);

}  // namespace cyclerd

// Cells, channels, protocols and runs: the rows records refer to. Written on the writer's connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "schema/records.hpp"

namespace cyclerd::store {

class Connection;

// The 64-bit FNV-1a hash of a text as 16 hex digits: the protocols table's lookup key (not a security hash).
std::string fnv1a64_hex(std::string_view text);

// Adds or replaces a cell (by name).
void store_cell(Connection& db, const CellRow& cell);
// Adds or replaces a channel (by id).
void store_channel(Connection& db, const ChannelRow& channel);
// Returns the id of the protocol with exactly this text, storing it if new.
std::int64_t store_protocol(Connection& db, const std::string& name, const std::string& text);
// Creates a run and returns its id; its cell must exist.
std::int64_t store_run(Connection& db, const RunRow& run);

}  // namespace cyclerd::store

#include "schema/catalog.hpp"

#include <cstdio>
#include <ctime>

#include <sqlite3.h>

#include "core/error.hpp"
#include "schema/database.hpp"

namespace cyclerd::store {

namespace {
double now_unix_s() { return static_cast<double>(std::time(nullptr)); }
}  // namespace

std::string fnv1a64_hex(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a 64-bit offset basis and prime
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

void store_cell(Connection& db, const CellRow& c) {
  if (c.name.empty()) throw Error(ErrorCode::invalid_input, "a cell needs a name", "name");
  auto stmt = db.prepare(
      "INSERT OR REPLACE INTO cells (name, active_mass_mg, nominal_capacity_mAh, electrode_area_cm2, "
      "molar_mass_g_mol, molar_volume_cm3_mol, first_half, sim_preset, notes, created_unix_s) "
      "VALUES (?,?,?,?,?,?,?,?,?,?)");
  stmt.bind(1, c.name).bind(2, c.active_mass_mg).bind(3, c.nominal_capacity_mAh).bind(4, c.electrode_area_cm2);
  stmt.bind(5, c.molar_mass_g_mol).bind(6, c.molar_volume_cm3_mol).bind(7, c.first_half).bind(8, c.sim_preset);
  stmt.bind(9, c.notes).bind(10, now_unix_s());
  stmt.run();
}

void store_channel(Connection& db, const ChannelRow& ch) {
  auto stmt = db.prepare("INSERT OR REPLACE INTO channels (id, driver, uri, config_json) VALUES (?,?,?,?)");
  stmt.bind(1, ch.id).bind(2, ch.driver).bind(3, ch.uri).bind(4, ch.config_json);
  stmt.run();
}

std::int64_t store_protocol(Connection& db, const std::string& name, const std::string& text) {
  const std::string hash = fnv1a64_hex(text);
  auto find = db.prepare("SELECT id FROM protocols WHERE text_hash=? AND text=?");
  find.bind(1, hash).bind(2, text);
  if (find.step()) return find.column_int(0);
  auto insert = db.prepare("INSERT INTO protocols (name, text_hash, text, created_unix_s) VALUES (?,?,?,?)");
  insert.bind(1, name).bind(2, hash).bind(3, text).bind(4, now_unix_s());
  insert.run();
  return sqlite3_last_insert_rowid(db.handle());
}

std::int64_t store_run(Connection& db, const RunRow& run) {
  db.exec("BEGIN IMMEDIATE");
  try {
    const std::int64_t protocol_id = store_protocol(db, run.protocol_name, run.protocol_text);
    auto stmt = db.prepare(
        "INSERT INTO runs (channel_id, cell_name, protocol_id, params_json, tags_json, state, created_unix_s) "
        "VALUES (?,?,?,?,?,?,?)");
    stmt.bind(1, run.channel_id).bind(2, run.cell_name).bind(3, protocol_id).bind(4, run.params_json);
    stmt.bind(5, run.tags_json).bind(6, run.state).bind(7, now_unix_s());
    stmt.run();
    const std::int64_t id = sqlite3_last_insert_rowid(db.handle());
    db.exec("COMMIT");
    return id;
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace cyclerd::store

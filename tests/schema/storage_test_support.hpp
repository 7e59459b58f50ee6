// Shared pieces of the storage tests: a temporary directory, a run to record into, synthetic samples.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <sqlite3.h>

#include "schema/records.hpp"
#include "schema/writer.hpp"

namespace cyclerd::store::test {

// A fresh directory under /tmp, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cyclerd-store-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Creates the test cell (once) and a run; returns its id.
inline std::int64_t make_run(Writer& writer, const std::string& channel = "sim-1") {
  CellRow cell;
  cell.name = "zns-1";
  cell.active_mass_mg = 1.2;
  cell.first_half = "discharge";
  writer.put_cell(cell).get();
  RunRow run;
  run.channel_id = channel;
  run.cell_name = "zns-1";
  run.protocol_name = "cc-test";
  run.protocol_text = R"({"name": "cc-test", "steps": ["cc -0.05 A/g until V < 0.01 V"]})";
  run.tags_json = R"(["test"])";
  run.state = "running";
  return writer.create_run(run).get();
}

// A deterministic sample: a slow sawtooth voltage with ripple, current switching sign every 500 samples.
inline SampleRow synthetic_sample(std::int64_t run_id, std::int64_t index) {
  const double x = static_cast<double>(index);
  SampleRow s;
  s.run_id = run_id;
  s.index = index;
  s.test_time_s = 0.5 * x;
  s.unix_time_s = 1.7e9 + 0.5 * x;
  s.voltage_V = 1.5 + std::sin(x * 1e-3) + 0.01 * std::sin(x * 0.37);
  s.current_A = (index / 500) % 2 == 0 ? 1e-4 + 1e-6 * std::cos(x) : -1e-4 - 1e-6 * std::cos(x);
  if (index % 3 != 0) s.temperature_C = 25.0 + 0.001 * x;
  s.cycle_index = 1 + index / 1000;
  s.step_index = 1 + index / 500;
  s.step_id = 1 + (index / 500) % 2;
  s.step_capacity_Ah = 1e-7 * static_cast<double>(index % 500);
  s.step_energy_Wh = 1.5e-7 * static_cast<double>(index % 500);
  return s;
}

// Samples [first, first + count) of a run as one batch.
inline RecordBatch sample_batch(std::int64_t run_id, std::int64_t first, std::int64_t count) {
  RecordBatch b;
  b.samples.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = first; i < first + count; ++i) b.samples.push_back(synthetic_sample(run_id, i));
  return b;
}

// The first result line of a query on a fresh raw connection (e.g. PRAGMA integrity_check).
inline std::string query_text(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string out = "(error)";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "";
    } else if (rc == SQLITE_DONE) {
      out = "";
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return out;
}

}  // namespace cyclerd::store::test

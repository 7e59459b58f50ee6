#include <sstream>

#include "daemon/lab/lab_methods.hpp"
#include "daemon/push/record_topics.hpp"
#include "schema/export_samples.hpp"
#include "schema/reader.hpp"

namespace cyclerd::lab {

using nlohmann::json;
using rpc::ParamType;

namespace {

std::int64_t run_id(const json& p) { return p.at("run_id").get<std::int64_t>(); }

// runs.samples answers at most this many rows at once (each ~100 bytes of JSON: under the 1 MiB limit
// of the other transports' messages, and one page never holds the io thread for long).
constexpr std::int64_t kMaxSampleRows = 20000;

// One page of every sample from `from_index` on (within the time window): the rows and where the next
// page starts (null after the last row), so a client reads a run of any length in bounded answers.
json sample_page(Lab& lab, std::int64_t run, const store::SampleRange& range, const json& p) {
  if (p.contains("max_points")) {
    throw rpc::RpcError::invalid_params("max_points decimates, from_index/limit page through every row: give one or the other",
                                        {{"/max_points", "not with from_index or limit"}});
  }
  const std::int64_t from = p.value("from_index", std::int64_t{0});
  const std::int64_t limit = p.value("limit", kMaxSampleRows);
  if (from < 0) throw rpc::RpcError::invalid_params("from_index is a sample index (0 or more)", {{"/from_index", "0 or more"}});
  if (limit < 1 || limit > kMaxSampleRows) {
    throw rpc::RpcError::invalid_params("limit is from 1 to " + std::to_string(kMaxSampleRows),
                                        {{"/limit", "from 1 to " + std::to_string(kMaxSampleRows)}});
  }
  std::string sql = std::string("SELECT ") + store::kSampleColumns + " FROM samples WHERE run_id=? AND sample_index>=?";
  if (range.from_s) sql += " AND test_time_s>=?";
  if (range.to_s) sql += " AND test_time_s<=?";
  sql += " ORDER BY sample_index LIMIT ?";
  auto stmt = lab.reader().connection().prepare(sql);
  int k = 1;
  stmt.bind(k++, run);
  stmt.bind(k++, from);
  if (range.from_s) stmt.bind(k++, *range.from_s);
  if (range.to_s) stmt.bind(k++, *range.to_s);
  stmt.bind(k++, limit + 1);  // one more row says whether there is a next page
  store::SampleSeries page;
  while (stmt.step()) page.rows.push_back(store::read_sample(stmt));
  json next = nullptr;
  if (static_cast<std::int64_t>(page.rows.size()) > limit) {
    next = page.rows.back().index;
    page.rows.pop_back();
  }
  json out = store::samples_to_json(page);
  out["next_index"] = next;
  return out;
}

// runs.analysis: each kind a client asks for, the analyzer tables (stored kinds) it answers with, and
// whether a table holds one result per run (an object) rather than rows (an array).
struct AnalysisKind {
  std::string_view kind;
  std::vector<std::pair<std::string_view, bool>> tables;  // stored kind, one per run
};
const std::vector<AnalysisKind>& analysis_kinds() {
  static const std::vector<AnalysisKind> kinds = {
      {"cycles", {{"cycles", false}, {"summary", true}}},
      {"rate", {{"rate_table", false}}},
      {"dqdv", {{"dqdv", false}}},
      {"cv", {{"cv_cycles", false}, {"cv_peak_tracks", false}, {"cv_kinetics", true}}},
      {"gitt", {{"gitt", false}}},
      {"eis", {{"eis", false}}},
      {"drt", {{"eis", false}}},  // the DRT of each spectrum, taken from its EIS result
      {"summary", {{"summary", true}}},
  };
  return kinds;
}

json analysis_result(Lab& lab, std::int64_t run, const std::string& kind) {
  const auto& kinds = analysis_kinds();
  const auto it = std::find_if(kinds.begin(), kinds.end(), [&](const AnalysisKind& k) { return k.kind == kind; });
  if (it == kinds.end()) {
    std::string valid;
    for (const auto& k : kinds) valid += (valid.empty() ? "" : ", ") + std::string(k.kind);
    throw rpc::RpcError::invalid_params("unknown analysis kind \"" + kind + "\" (kinds: " + valid + ")",
                                        {{"/kind", "one of " + valid}});
  }
  lab.run_info(run);  // -32003 for an unknown run
  std::vector<std::string> stored;
  for (const auto& [table, one] : it->tables) stored.emplace_back(table);
  const auto rows = lab.reader().analyses(run, stored);
  json out = {{"run_id", run}, {"kind", kind}};
  for (const auto& [table, one] : it->tables) {
    const std::string name = kind == "drt" ? "drt" : std::string(table);
    json value = one ? json(nullptr) : json::array();
    for (const auto& r : rows) {
      if (r.kind != table) continue;
      json row = json::parse(r.result_json, nullptr, false);
      if (kind == "drt") {
        if (!row.contains("drt") || row["drt"].is_null()) continue;
        json drt = row["drt"];
        drt["step_index"] = row.value("step_index", json(nullptr));
        row = std::move(drt);
      }
      if (one) {
        value = std::move(row);
      } else {
        value.push_back(std::move(row));
      }
    }
    out[name] = std::move(value);
  }
  return out;
}

// A control method: {run_id} in, the Lab acts with the caller's name, the run's status out.
void add_control(rpc::MethodTable& table, Lab& lab, std::string name, std::string summary,
                 void (Lab::*act)(std::int64_t, const std::string&)) {
  table.add({
      .name = std::move(name),
      .role = rpc::Role::operator_,
      .params = {{"run_id", ParamType::integer, true, "the run"}},
      .handler =
          [&lab, act](const json& p, const rpc::Caller& who) {
            (lab.*act)(run_id(p), who.name);
            return lab.run_status(lab.run_info(run_id(p)));
          },
      .summary = std::move(summary),
  });
}

}  // namespace

void add_run_methods(rpc::MethodTable& table, Lab& lab) {
  table.add({
      .name = "runs.submit",
      .role = rpc::Role::operator_,
      .params = {{"channel", ParamType::string, true, "the channel"},
                 {"cell", ParamType::string, true, "a stored cell's name"},
                 {"protocol", ParamType::any, true, "a library name or a protocol object"},
                 {"params", ParamType::object, false, "parameter overrides {name: \"value\"}"},
                 {"tags", ParamType::array, false, "labels to find the run by"}},
      .handler = [&lab](const json& p, const rpc::Caller& who) { return json{{"run_id", lab.submit(p, who.name)}}; },
      .summary = "queue a run on a channel (validated against the channel and the cell; -32005 lists every problem)",
  });
  table.add({
      .name = "runs.list",
      .role = rpc::Role::viewer,
      .params = {{"state", ParamType::string, false, ""}, {"channel", ParamType::string, false, ""},
                 {"cell", ParamType::string, false, ""}, {"tag", ParamType::string, false, ""}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            json out = json::array();
            for (const auto& info : lab.reader().runs()) {
              json s = lab.run_status(info);
              if (p.contains("state") && s["state"] != p["state"]) continue;
              if (p.contains("channel") && info.channel_id != p["channel"]) continue;
              if (p.contains("cell") && info.cell_name != p["cell"]) continue;
              if (p.contains("tag")) {
                const auto tags = json::parse(info.tags_json);
                if (std::find(tags.begin(), tags.end(), p["tag"]) == tags.end()) continue;
              }
              out.push_back(std::move(s));
            }
            return json{{"runs", out}};
          },
      .summary = "runs, filtered by state, channel, cell or tag",
  });
  table.add({
      .name = "runs.get",
      .role = rpc::Role::viewer,
      .params = {{"run_id", ParamType::integer, true, "the run"}},
      .handler = [&lab](const json& p, const rpc::Caller&) { return lab.run_status(lab.run_info(run_id(p))); },
      .summary = "state, progress, elapsed and estimated time left",
  });
  add_control(table, lab, "runs.pause", "pause a running run (output safe)", &Lab::pause);
  add_control(table, lab, "runs.resume", "resume a paused or held run", &Lab::resume);
  add_control(table, lab, "runs.stop", "stop a running or paused run", &Lab::stop);
  add_control(table, lab, "runs.cancel", "cancel a queued run", &Lab::cancel);
  table.add({
      .name = "runs.skip_step",
      .role = rpc::Role::operator_,
      .params = {{"run_id", ParamType::integer, true, "the run"}},
      .handler =
          [&lab](const json& p, const rpc::Caller& who) -> json {
            lab.skip_step(run_id(p), who.name);
            return json{{"run_id", run_id(p)}, {"skipped", true}};
          },
      .summary = "end the present step now and go on with the next one",
  });
  table.add({
      .name = "runs.note",
      .role = rpc::Role::operator_,
      .params = {{"run_id", ParamType::integer, true, "the run"}, {"text", ParamType::string, true, "the note"}},
      .handler =
          [&lab](const json& p, const rpc::Caller& who) {
            lab.note(run_id(p), rpc::string_param(p, "text"), who.name);
            return json{{"run_id", run_id(p)}, {"noted", true}};
          },
      .summary = "a technician's note, stored as an event",
  });
  table.add({
      .name = "runs.samples",
      .role = rpc::Role::viewer,
      .params = {{"run_id", ParamType::integer, true, "the run"}, {"from_s", ParamType::number, false, "test time"},
                 {"to_s", ParamType::number, false, "test time"},
                 {"max_points", ParamType::integer, false, "decimate to at most this many rows"},
                 {"from_index", ParamType::integer, false, "page: the first sample index (every row, never decimated)"},
                 {"limit", ParamType::integer, false, "page: at most this many rows (20000 at most)"}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            lab.run_info(run_id(p));
            store::SampleRange range;
            if (p.contains("from_s")) range.from_s = p["from_s"].get<double>();
            if (p.contains("to_s")) range.to_s = p["to_s"].get<double>();
            if (p.contains("from_index") || p.contains("limit")) return sample_page(lab, run_id(p), range, p);
            // Unbounded answers would break the 1 MiB message limit: 20000 rows at most.
            const auto max_points =
                static_cast<std::size_t>(std::clamp<std::int64_t>(p.value("max_points", kMaxSampleRows), 1, kMaxSampleRows));
            return store::samples_to_json(lab.reader().samples(run_id(p), range, max_points));
          },
      .summary = "a run's samples as column arrays (decimated rows keep their index); with from_index/limit, "
                 "every row page by page, next_index saying where the next page starts",
  });
  table.add({
      .name = "runs.cycles",
      .role = rpc::Role::viewer,
      .params = {{"run_id", ParamType::integer, true, "the run"}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            lab.run_info(run_id(p));
            json out = json::array();
            for (const auto& c : lab.reader().cycles(run_id(p))) out.push_back(push::cycle_json(c));
            return json{{"cycles", out}};
          },
      .summary = "the cycle table",
  });
  table.add({
      .name = "runs.events",
      .role = rpc::Role::viewer,
      .params = {{"run_id", ParamType::integer, true, "the run"}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            lab.run_info(run_id(p));
            json out = json::array();
            for (const auto& e : lab.reader().events(run_id(p))) {
              out.push_back({{"unix_time_s", e.unix_time_s}, {"kind", e.kind}, {"text", e.text}, {"who", e.who},
                             {"data", json::parse(e.data_json, nullptr, false)}});
            }
            return json{{"events", out}};
          },
      .summary = "a run's events: state changes with who, safety trips, faults, notes",
  });
  table.add({
      .name = "runs.analysis",
      .role = rpc::Role::viewer,
      .params = {{"run_id", ParamType::integer, true, "the run"},
                 {"kind", ParamType::string, true, "cycles, rate, dqdv, cv, gitt, eis, drt or summary"}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            return analysis_result(lab, run_id(p), rpc::string_param(p, "kind"));
          },
      .summary = "a run's live analysis as stored (the latest result of each analyzer, DESIGN.md field names)",
  });
  table.add({
      .name = "runs.export",
      .role = rpc::Role::viewer,
      .params = {{"run_id", ParamType::integer, true, "the run"}, {"format", ParamType::string, true, "csv, bdf or json"}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            lab.run_info(run_id(p));
            const auto format = store::parse_export_format(rpc::string_param(p, "format"));
            std::ostringstream out;
            store::export_run(lab.reader(), run_id(p), format, out);
            return json{{"run_id", run_id(p)}, {"format", p["format"]}, {"text", out.str()}};
          },
      .summary = "every sample of a run as csv, bdf (Battery Data Format) or json text",
  });
  table.add({
      .name = "channels.reset",
      .role = rpc::Role::operator_,
      .params = {{"channel", ParamType::string, true, "the channel"}},
      .handler =
          [&lab](const json& p, const rpc::Caller& who) {
            const auto& id = rpc::string_param(p, "channel");
            lab.reset_channel(id, who.name);
            return lab.get(id);
          },
      .summary = "clear a faulted channel after a person has looked",
  });
}

}  // namespace cyclerd::lab

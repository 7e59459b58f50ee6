#include <sstream>

#include "daemon/lab/lab_methods.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"
#include "protocols/runner/run_totals.hpp"
#include "protocols/runner/simulated_channel.hpp"
#include "protocols/validate.hpp"
#include "schema/export_samples.hpp"

namespace cyclerd::lab {

using nlohmann::json;
using rpc::ParamType;

namespace {

std::int64_t run_id(const json& p) { return p.at("run_id").get<std::int64_t>(); }

json cycle_json(const store::CycleSummaryRow& c) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  return {{"cycle_index", c.cycle_index}, {"current_density_A_g", opt(c.current_density_A_g)},
          {"charge_capacity_Ah", c.charge_capacity_Ah}, {"discharge_capacity_Ah", c.discharge_capacity_Ah},
          {"charge_capacity_mAh_g", opt(c.charge_capacity_mAh_g)},
          {"discharge_capacity_mAh_g", opt(c.discharge_capacity_mAh_g)},
          {"coulombic_efficiency", opt(c.coulombic_efficiency)}, {"charge_energy_Wh", c.charge_energy_Wh},
          {"discharge_energy_Wh", c.discharge_energy_Wh}, {"mean_charge_voltage_V", opt(c.mean_charge_voltage_V)},
          {"mean_discharge_voltage_V", opt(c.mean_discharge_voltage_V)}, {"duration_s", c.duration_s}};
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
                 {"max_points", ParamType::integer, false, "decimate to at most this many rows"}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            lab.run_info(run_id(p));
            store::SampleRange range;
            if (p.contains("from_s")) range.from_s = p["from_s"].get<double>();
            if (p.contains("to_s")) range.to_s = p["to_s"].get<double>();
            // Unbounded answers would break the 1 MiB message limit: 20000 rows at most.
            const auto max_points = static_cast<std::size_t>(std::clamp<std::int64_t>(p.value("max_points", 20000), 1, 20000));
            return store::samples_to_json(lab.reader().samples(run_id(p), range, max_points));
          },
      .summary = "a run's samples as column arrays (decimated rows keep their index)",
  });
  table.add({
      .name = "runs.cycles",
      .role = rpc::Role::viewer,
      .params = {{"run_id", ParamType::integer, true, "the run"}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            lab.run_info(run_id(p));
            json out = json::array();
            for (const auto& c : lab.reader().cycles(run_id(p))) out.push_back(cycle_json(c));
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

void add_estimate_method(rpc::MethodTable& table, Lab& lab) {
  table.add({
      .name = "protocols.estimate",
      .role = rpc::Role::viewer,
      .params = {{"protocol", ParamType::any, true, "a library name or a protocol object"},
                 {"cell", ParamType::string, true, "a stored cell's name"},
                 {"channel", ParamType::string, false, "simulate this channel's preset"},
                 {"params", ParamType::object, false, "parameter overrides"}},
      .handler =
          [&lab](const json& p, const rpc::Caller&) {
            const auto cell = lab.cell(rpc::string_param(p, "cell"));
            if (!cell) throw rpc::RpcError::not_found("unknown cell \"" + p["cell"].get<std::string>() + "\"");
            std::string preset = cell->sim_preset.value_or("zns-znse");
            if (!cell->sim_preset && p.contains("channel")) {
              const auto ch = lab.get(rpc::string_param(p, "channel"));
              const std::string uri = ch["uri"];
              if (uri.rfind("sim://", 0) == 0) preset = uri.substr(6, uri.find_first_of("?/", 6) - 6);
            }
            std::string text;
            if (p["protocol"].is_string()) {
              const auto t = library_protocol_text(p["protocol"].get<std::string>());
              if (!t) throw rpc::RpcError::not_found("unknown library protocol " + p["protocol"].dump());
              text = std::string(*t);
            } else {
              text = p["protocol"].dump();
            }
            auto parsed = parse_run_protocol(text, p.value("params", json::object()));
            const double mass_g = cell->active_mass_mg * 1e-3;
            SimulatedChannel clone(SimulatedCell{preset, mass_g, 1});
            CellInfo info{mass_g, cell->nominal_capacity_mAh ? std::optional<double>(*cell->nominal_capacity_mAh / 1e3)
                                                             : std::nullopt};
            std::vector<ValidationError> errors = parsed.errors;
            if (parsed.ok()) errors = validate(*parsed.protocol, {clone.driver().capabilities(0), info});
            if (!errors.empty()) {
              std::vector<rpc::FieldError> fields;
              for (const auto& e : errors) fields.push_back({e.pointer, e.message});
              throw rpc::RpcError::validation_failed("the protocol has problems", fields);
            }
            // Bounded so that one estimate cannot stall the other clients for long (handlers run on the
            // io thread): ~2 s of simulation at most; longer protocols report a lower bound.
            constexpr std::int64_t kMaxSamples = 1'500'000;
            RunTotals totals;
            const auto state = clone.run(resolve(*parsed.protocol, info), {&totals}, std::nullopt, kMaxSamples);
            json out = totals.to_json();
            out["preset"] = preset;
            out["truncated"] = state == RunState::interrupted;
            return out;
          },
      .summary = "dry run on a simulated clone: duration, cycles, records, limit hits",
  });
}

}  // namespace cyclerd::lab

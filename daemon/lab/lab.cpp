#include "daemon/lab/lab.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "daemon/push/record_topics.hpp"
#include "daemon/rpc/method_table.hpp"
#include "daemon/rpc/rpc_error.hpp"
#include "protocols/library.hpp"
#include "protocols/validate.hpp"

namespace cyclerd::lab {

using nlohmann::json;

ParseResult parse_run_protocol(const std::string& text, const json& params) {
  std::vector<std::string> overrides;
  for (const auto& [name, value] : params.items()) {
    overrides.push_back(name + "=" + (value.is_string() ? value.get<std::string>() : value.dump()));
  }
  return parse_protocol(text, overrides);
}

Lab::Lab(const Config& config, boost::asio::io_context& io)
    : config_(config), io_(io), alerts_(config.on_event_command, config.on_event_events) {
  store::WriterOptions options;
  // The writer's thread only posts: the Lab's state is touched on the io thread alone.
  options.on_status = [this, alive = std::weak_ptr<bool>(alive_)](const store::StorageStatus& s) {
    boost::asio::post(io_, [this, alive, s] {
      if (alive.lock()) storage_status(s);
    });
  };
  // storage.*: the size cap (a quota, and how tests fill the "disk") and the queue's bounds.
  constexpr double kMiB = 1024.0 * 1024.0;
  if (config.storage_max_size_mb) {
    options.max_size_bytes = static_cast<std::int64_t>(*config.storage_max_size_mb * kMiB);
  }
  if (config.storage_queue_max_rows) options.queue_capacity_rows = *config.storage_queue_max_rows;
  if (config.storage_queue_max_mb) {
    options.queue_capacity_bytes = static_cast<std::size_t>(*config.storage_queue_max_mb * kMiB);
  }
  writer_ = std::make_unique<store::Writer>(config.database.string(), options);
  reader_ = std::make_unique<store::Reader>(config.database.string());
  for (const auto& c : config.channels) {
    channels_.push_back(std::make_unique<Channel>(c, io));
    writer_->put_channel({c.id, c.driver, c.uri, json{{"options", c.driver_options()}}.dump()}).get();
  }
}

Lab::~Lab() { *alive_ = false; }

Channel& Lab::channel(std::string_view id) {
  return const_cast<Channel&>(static_cast<const Lab&>(*this).channel(id));
}

const Channel& Lab::channel(std::string_view id) const {
  std::string known;
  for (const auto& ch : channels_) {
    if (ch->config.id == id) return *ch;
    known += (known.empty() ? "" : ", ") + ch->config.id;
  }
  throw rpc::RpcError::not_found("unknown channel \"" + std::string(id) + "\" (channels: " + known + ")");
}

ActiveRun* Lab::active(std::int64_t run_id, Channel** on) {
  for (auto& ch : channels_) {
    if (ch->run && ch->run->run_id == run_id) {
      if (on) *on = ch.get();
      return ch->run.get();
    }
  }
  return nullptr;
}

json Lab::status(const Channel& ch) const {
  json out = {{"channel", ch.config.id}, {"id", ch.config.id}, {"driver", ch.config.driver}, {"uri", ch.config.uri},
              {"state", to_string(ch.state())}, {"run", nullptr}, {"run_id", nullptr},
              {"speed", ch.config.speed}, {"on_restart", ch.config.on_restart == RestartPolicy::resume ? "resume" : "hold"}, {"step", nullptr}, {"cycle", nullptr},
              {"voltage_V", nullptr}, {"current_A", nullptr}, {"queued", ch.queue.size()}};
  out["range"] = {{"v_min_V", ch.capabilities.v_min_V}, {"v_max_V", ch.capabilities.v_max_V},
                  {"i_max_A", ch.capabilities.i_max_A}};
  if (ch.faulted) out["fault"] = ch.fault_reason;
  if (ch.run) {
    out["run"] = ch.run->run_id;
    out["run_id"] = ch.run->run_id;
    out["cell"] = ch.run->cell;
    out["protocol"] = ch.run->protocol_name;
    out["step"] = ch.run->watch.step_index;
    out["cycle"] = ch.run->watch.cycle_index;
    if (ch.run->watch.voltage_V) out["voltage_V"] = *ch.run->watch.voltage_V;
    if (ch.run->watch.current_A) out["current_A"] = *ch.run->watch.current_A;
  }
  return out;
}

json Lab::list() const {
  json out = json::array();
  for (const auto& ch : channels_) out.push_back(status(*ch));
  return out;
}

std::string Lab::list_text() const {
  const auto now = std::chrono::steady_clock::now();
  const auto max_age = std::chrono::duration<double, std::milli>(config_.status_max_age_ms);
  std::string out = "[";
  for (const auto& ch : channels_) {
    auto& cached = ch->status_text;
    StatusText::Key key{ch->state(),
                        ch->run ? ch->run->run_id : 0,
                        ch->run ? ch->run->watch.step_index : 0,
                        ch->run ? ch->run->watch.cycle_index : 0,
                        ch->queue.size(),
                        ch->faulted,
                        ch->fault_reason};
    if (cached.text.empty() || key != cached.key || now - cached.built > max_age) {
      cached.text = status(*ch).dump(-1, ' ', false, json::error_handler_t::replace);
      cached.key = std::move(key);
      cached.built = now;
    }
    if (out.size() > 1) out += ',';
    out += cached.text;
  }
  out += ']';
  return out;
}

json Lab::get(std::string_view id) const { return status(channel(id)); }

Capabilities Lab::capabilities(std::string_view id) const { return channel(id).capabilities; }

void Lab::reset_channel(const std::string& id, const std::string& who) {
  Channel& ch = channel(id);
  if (!ch.faulted) throw rpc::RpcError::invalid_state("channel " + id + " is not faulted");
  ch.faulted = false;
  store::RecordBatch batch;
  batch.events.push_back({std::nullopt, 0, "channel_reset", "channel " + id + " reset by " + who, who,
                          json{{"channel", id}, {"fault", ch.fault_reason}}.dump()});
  batch.events.back().unix_time_s =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ch.fault_reason.clear();
  push::publish(push_, batch.events.back());
  if (!writer_->submit(std::move(batch)).accepted()) throw rpc::RpcError::storage_error("storage refused the event");
  ch.online = true;
  start_next(ch);
}

void Lab::create_cell(const store::CellRow& cell) {
  try {
    writer_->put_cell(cell).get();
  } catch (const Error& e) {
    throw rpc::RpcError::storage_error(e.what());
  }
}

namespace {
store::CellRow read_cell(const store::Statement& s) {
  store::CellRow c;
  c.name = s.column_text(0);
  c.active_mass_mg = s.column_double(1);
  c.nominal_capacity_mAh = s.column_optional_double(2);
  c.electrode_area_cm2 = s.column_optional_double(3);
  c.molar_mass_g_mol = s.column_optional_double(4);
  c.molar_volume_cm3_mol = s.column_optional_double(5);
  c.first_half = s.column_optional_text(6);
  c.sim_preset = s.column_optional_text(7);
  c.notes = s.column_optional_text(8);
  return c;
}
constexpr const char* kCellColumns =
    "SELECT name, active_mass_mg, nominal_capacity_mAh, electrode_area_cm2, molar_mass_g_mol, "
    "molar_volume_cm3_mol, first_half, sim_preset, notes FROM cells";
}  // namespace

std::vector<store::CellRow> Lab::cells() {
  std::vector<store::CellRow> out;
  auto s = reader_->connection().prepare(std::string(kCellColumns) + " ORDER BY name");
  while (s.step()) out.push_back(read_cell(s));
  return out;
}

std::optional<store::CellRow> Lab::cell(std::string_view name) {
  auto s = reader_->connection().prepare(std::string(kCellColumns) + " WHERE name=?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_cell(s);
}

std::optional<CellInfo> Lab::cell_info(std::string_view name) {
  const auto c = cell(name);
  if (!c) return std::nullopt;
  CellInfo info;
  info.active_mass_g = c->active_mass_mg * 1e-3;
  if (c->nominal_capacity_mAh) info.nominal_capacity_Ah = *c->nominal_capacity_mAh * 1e-3;
  return info;
}

std::int64_t Lab::submit(const json& params, const std::string& who) {
  const auto& channel_id = rpc::string_param(params, "channel");
  const auto& cell_name = rpc::string_param(params, "cell");
  Channel& ch = channel(channel_id);
  const auto info = cell_info(cell_name);
  if (!info) throw rpc::RpcError::not_found("unknown cell \"" + cell_name + "\" (cells.create adds it)");

  // The stored text is always a protocol object, so a run can be parsed again at recovery whatever the
  // library holds by then.
  const auto& protocol = params.at("protocol");
  std::string text;
  if (protocol.is_string()) {
    const auto t = library_protocol_text(protocol.get<std::string>());
    if (!t) throw rpc::RpcError::not_found("unknown library protocol \"" + protocol.get<std::string>() + "\"");
    text = std::string(*t);
  } else if (protocol.is_object()) {
    text = protocol.dump();
  } else {
    throw rpc::RpcError::invalid_params("protocol is a library name or a protocol object",
                                        {{"/protocol", "a string or an object"}});
  }
  const json overrides = params.value("params", json::object());
  for (const auto& [k, v] : overrides.items()) {
    if (!v.is_string() && !v.is_number()) {
      throw rpc::RpcError::invalid_params("a parameter value is a string such as \"0.01 V\"", {{"/params/" + k, "a string"}});
    }
  }
  ParseResult parsed = parse_run_protocol(text, overrides);
  std::vector<ValidationError> errors = parsed.errors;
  if (parsed.ok()) errors = validate(*parsed.protocol, ValidationContext{ch.capabilities, *info});
  if (!errors.empty()) {
    std::vector<rpc::FieldError> fields;
    const std::string prefix = protocol.is_object() ? "/protocol" : "";
    for (const auto& e : errors) fields.push_back({prefix + e.pointer, e.message});
    throw rpc::RpcError::validation_failed(
        "the run has " + std::to_string(errors.size()) + " problem" + (errors.size() == 1 ? "" : "s"), fields);
  }
  store::RunRow row{channel_id, cell_name, parsed.protocol->name, text, overrides.dump(),
                    params.value("tags", json::array()).dump(), "queued"};
  std::int64_t run_id = 0;
  try {
    run_id = writer_->create_run(row).get();
  } catch (const Error& e) {
    throw rpc::RpcError::storage_error(e.what());
  }
  live_[run_id] = LiveRun{RunState::queued, channel_id, 0};
  record_state(run_id, RunState::queued, who, "submitted by " + who + " to " + channel_id);
  ch.queue.push_back(run_id);
  boost::asio::post(ch.strand, [this, &ch] { start_next(ch); });
  return run_id;
}

}  // namespace cyclerd::lab

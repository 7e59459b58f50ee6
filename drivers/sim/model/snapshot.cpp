// Exact state as JSON: doubles round-trip exactly in nlohmann::json, the generator as its four state words.

#include "core/error.hpp"
#include "drivers/sim/model/cell_model.hpp"

namespace cyclerd::sim {

namespace {
// Version 2 holds the four-word generator (model/random.hpp); version 1 held std::mt19937_64, and restoring
// one reseeds the generator from it (the run resumes exactly but for its noise).
constexpr int snapshot_version = 2;

nlohmann::json setpoint_json(const Setpoint& sp) {
  nlohmann::json j;
  j["mode"] = std::string(to_string(sp.mode));
  j["value"] = sp.value;
  j["sweep"] = {{"start_V", sp.sweep.start_V},
                {"vertices_V", sp.sweep.vertices_V},
                {"scan_rate_V_s", sp.sweep.scan_rate_V_s},
                {"cycles", sp.sweep.cycles}};
  j["eis"] = {{"f_start_Hz", sp.eis.f_start_Hz},
              {"f_end_Hz", sp.eis.f_end_Hz},
              {"points_per_decade", sp.eis.points_per_decade},
              {"amplitude_V", sp.eis.amplitude_V}};
  j["stop_below_V"] = sp.stop_below_V ? nlohmann::json(*sp.stop_below_V) : nlohmann::json();
  j["stop_above_V"] = sp.stop_above_V ? nlohmann::json(*sp.stop_above_V) : nlohmann::json();
  j["sample_period_s"] = sp.sample_period_s;
  return j;
}

Setpoint setpoint_from(const nlohmann::json& j) {
  Setpoint sp;
  const std::string mode = j.at("mode").get<std::string>();
  bool found = false;
  for (Mode m : {Mode::rest, Mode::current, Mode::voltage, Mode::sweep, Mode::eis})
    if (to_string(m) == mode) sp.mode = m, found = true;
  if (!found) throw Error(ErrorCode::invalid_input, "unknown mode '" + mode + "'", "snapshot/setpoint/mode");
  sp.value = j.at("value").get<double>();
  const auto& s = j.at("sweep");
  sp.sweep = {s.at("start_V").get<double>(), s.at("vertices_V").get<std::vector<double>>(),
              s.at("scan_rate_V_s").get<double>(), s.at("cycles").get<int>()};
  const auto& e = j.at("eis");
  sp.eis = {e.at("f_start_Hz").get<double>(), e.at("f_end_Hz").get<double>(),
            e.at("points_per_decade").get<int>(), e.at("amplitude_V").get<double>()};
  if (!j.at("stop_below_V").is_null()) sp.stop_below_V = j.at("stop_below_V").get<double>();
  if (!j.at("stop_above_V").is_null()) sp.stop_above_V = j.at("stop_above_V").get<double>();
  sp.sample_period_s = j.at("sample_period_s").get<double>();
  return sp;
}
}  // namespace

nlohmann::json CellModel::snapshot() const {
  return {{"version", snapshot_version},
          {"params", to_json(params_)},
          {"active_mass_g", mass_g_},
          {"time_s", time_s_},
          {"setpoint_time_s", setpoint_time_s_},
          {"phi_V", phi_V_},
          {"voltage_V", voltage_V_},
          {"current_A", current_A_},
          {"faradaic_A", faradaic_A_},
          {"q_surface_Ah", q_surface_Ah_},
          {"q_side_Ah", q_side_Ah_},
          {"side_extreme_V", side_extreme_V_},
          {"hysteresis", hysteresis_},
          {"throughput_Ah_g", throughput_Ah_g_},
          {"capacity_factor", capacity_factor_},
          {"temperature_C", temperature_C_},
          {"bulk_soc", diffusion_.values()},
          {"setpoint", setpoint_json(setpoint_)},
          {"sweep_finished", sweep_finished_},
          {"setpoint_fresh", setpoint_fresh_},
          {"hold_direction", hold_direction_},
          {"rng", rng_.text()}};
}

void CellModel::restore(const nlohmann::json& state) {
  try {
    const int version = state.at("version").get<int>();
    if (version != snapshot_version && version != 1)
      throw Error(ErrorCode::invalid_input, "unsupported snapshot version " + state.at("version").dump(),
                  "snapshot/version");
    CellModel fresh(parse_preset(state.at("params"), "snapshot/params"), state.at("active_mass_g").get<double>(),
                    0);
    auto x = state.at("bulk_soc").get<std::vector<double>>();
    if (x.size() != fresh.diffusion_.values().size())
      throw Error(ErrorCode::invalid_input, "has " + std::to_string(x.size()) + " volumes, expected " +
                                                std::to_string(fresh.diffusion_.values().size()),
                  "snapshot/bulk_soc");
    fresh.diffusion_.values() = std::move(x);
    fresh.time_s_ = state.at("time_s").get<double>();
    fresh.setpoint_time_s_ = state.at("setpoint_time_s").get<double>();
    fresh.phi_V_ = state.at("phi_V").get<double>();
    fresh.voltage_V_ = state.at("voltage_V").get<double>();
    fresh.current_A_ = state.at("current_A").get<double>();
    fresh.faradaic_A_ = state.at("faradaic_A").get<double>();
    fresh.q_surface_Ah_ = state.at("q_surface_Ah").get<double>();
    fresh.q_side_Ah_ = state.at("q_side_Ah").get<double>();
    fresh.side_extreme_V_ = state.at("side_extreme_V").get<double>();
    fresh.hysteresis_ = state.at("hysteresis").get<double>();
    fresh.throughput_Ah_g_ = state.at("throughput_Ah_g").get<double>();
    fresh.capacity_factor_ = state.at("capacity_factor").get<double>();
    fresh.temperature_C_ = state.at("temperature_C").get<double>();
    fresh.setpoint_ = setpoint_from(state.at("setpoint"));
    fresh.sweep_finished_ = state.at("sweep_finished").get<bool>();
    fresh.setpoint_fresh_ = state.at("setpoint_fresh").get<bool>();
    fresh.hold_direction_ = state.at("hold_direction").get<double>();
    if (!fresh.rng_.restore(state.at("rng").get<std::string>()) && version == snapshot_version) {
      throw Error(ErrorCode::invalid_input, "unreadable generator state", "snapshot/rng");
    }
    *this = std::move(fresh);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::invalid_input, std::string("malformed snapshot: ") + e.what(), "snapshot");
  }
}

}  // namespace cyclerd::sim

#include "daemon/push/record_topics.hpp"

namespace cyclerd::push {

using nlohmann::json;

namespace {
json optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
}  // namespace

void publish(TopicBus& bus, const store::SampleRow& s) {
  bus.publish(Topic::runs_samples, s.run_id, [&s] {
    return json{{"index", s.index}, {"test_time_s", s.test_time_s}, {"unix_time_s", s.unix_time_s},
                {"voltage_V", s.voltage_V}, {"current_A", s.current_A}, {"temperature_C", optional(s.temperature_C)},
                {"cycle_index", s.cycle_index}, {"step_index", s.step_index}, {"step_id", s.step_id}};
  });
}

json cycle_json(const store::CycleSummaryRow& c) {
  return json{{"cycle_index", c.cycle_index}, {"current_density_A_g", optional(c.current_density_A_g)},
              {"charge_capacity_Ah", c.charge_capacity_Ah}, {"discharge_capacity_Ah", c.discharge_capacity_Ah},
              {"charge_capacity_mAh_g", optional(c.charge_capacity_mAh_g)},
              {"discharge_capacity_mAh_g", optional(c.discharge_capacity_mAh_g)},
              {"coulombic_efficiency", optional(c.coulombic_efficiency)}, {"charge_energy_Wh", c.charge_energy_Wh},
              {"discharge_energy_Wh", c.discharge_energy_Wh},
              {"mean_charge_voltage_V", optional(c.mean_charge_voltage_V)},
              {"mean_discharge_voltage_V", optional(c.mean_discharge_voltage_V)}, {"duration_s", c.duration_s}};
}

void publish(TopicBus& bus, const store::CycleSummaryRow& c) {
  bus.publish(Topic::runs_cycles, c.run_id, [&c] { return cycle_json(c); });
}

void publish(TopicBus& bus, const store::EventRow& e) {
  bus.publish(Topic::events, e.run_id, [&e] {
    return json{{"unix_time_s", e.unix_time_s}, {"kind", e.kind}, {"text", e.text}, {"who", e.who},
                {"data", json::parse(e.data_json, nullptr, false)}};
  });
}

}  // namespace cyclerd::push

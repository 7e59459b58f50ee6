#include "protocols/engine/engine_state.hpp"

#include <string>

namespace cyclerd {


NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LoopFrame, index, pass, charge_Ah, discharge_Ah, seen_voltage, v_low_V, v_high_V)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StepProgress, step_index, start_t_s, charge_Ah, energy_Wh, samples, phase,
                                   phase_start_t_s, pulses_done, limit_hit, sweep_start_V, awaiting_impedance,
                                   slope_anchor_t_s, slope_anchor_V, slope_valid, slope_V_s)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CycleProgress, order, index, half, start_t_s, first_half_current_A, charge_Ah,
                                   discharge_Ah, charge_Wh, discharge_Wh)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CycleCharges, charge_Ah, discharge_Ah, cycle_index)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LastRecord, valid, t_s, voltage_V, current_A, throughput_Ah)

void to_json(nlohmann::json& j, const EngineState& s) {
  j = nlohmann::json{{"version", 1},
                     {"run_state", std::string(to_string(s.run_state))},
                     {"frames", s.frames},
                     {"step", s.step},
                     {"cycle", s.cycle},
                     {"finished_cycles", s.finished_cycles},
                     {"record", s.record},
                     {"run_start_t_s", s.run_start_t_s},
                     {"last_t_s", s.last_t_s},
                     {"have_last_voltage", s.have_last_voltage},
                     {"last_voltage_V", s.last_voltage_V},
                     {"last_current_A", s.last_current_A},
                     {"throughput_Ah", s.throughput_Ah}};
}

void from_json(const nlohmann::json& j, EngineState& s) {
  s.run_state = run_state_from(j.at("run_state").get<std::string>());
  j.at("frames").get_to(s.frames);
  j.at("step").get_to(s.step);
  j.at("cycle").get_to(s.cycle);
  j.at("finished_cycles").get_to(s.finished_cycles);
  j.at("record").get_to(s.record);
  j.at("run_start_t_s").get_to(s.run_start_t_s);
  j.at("last_t_s").get_to(s.last_t_s);
  j.at("have_last_voltage").get_to(s.have_last_voltage);
  j.at("last_voltage_V").get_to(s.last_voltage_V);
  j.at("last_current_A").get_to(s.last_current_A);
  j.at("throughput_Ah").get_to(s.throughput_Ah);
}

}  // namespace cyclerd

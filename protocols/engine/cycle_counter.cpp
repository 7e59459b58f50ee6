#include "protocols/engine/cycle_counter.hpp"

namespace cyclerd {

std::optional<double> CycleEnd::coulombic_efficiency() const {
  const double first = discharge_first ? discharge_Ah : charge_Ah;
  const double second = discharge_first ? charge_Ah : discharge_Ah;
  if (!(first > 0)) return std::nullopt;
  return second / first;
}

namespace {

CycleEnd finish(CycleProgress& c, std::vector<CycleCharges>& finished, double t_s) {
  CycleEnd end{c.index, c.order < 0, c.first_half_current_A, c.charge_Ah, c.discharge_Ah, c.charge_Wh,
               c.discharge_Wh, c.start_t_s, t_s};
  finished.push_back(CycleCharges{c.charge_Ah, c.discharge_Ah, end.cycle_index});
  const int order = c.order;
  c = CycleProgress{};
  c.order = order;
  c.index = end.cycle_index + 1;
  c.start_t_s = t_s;
  return end;
}

}  // namespace

std::optional<CycleEnd> observe_direction(CycleProgress& c, std::vector<CycleCharges>& finished, int direction,
                                          double setpoint_A, double t_s) {
  if (direction == 0) return std::nullopt;
  if (c.order == 0) c.order = direction;
  std::optional<CycleEnd> ended;
  if (direction == c.order) {
    if (c.half == 2) ended = finish(c, finished, t_s);
    if (c.half == 0) {
      // The cycle starts with its first half; anything before (a rest) belongs to it too.
      c.half = 1;
      c.first_half_current_A = setpoint_A;
      if (c.index == 1 && finished.empty() && c.charge_Ah == 0 && c.discharge_Ah == 0) c.start_t_s = t_s;
    }
  } else if (c.half == 1) {
    c.half = 2;
  } else if (c.half == 0) {
    // A second half before any first half (a charge-first programme on a declared discharge-first
    // cell): count it as the second half of a cycle whose first half passed nothing.
    c.half = 2;
  }
  return ended;
}

void add_to_cycle(CycleProgress& c, double charge_Ah, double energy_Wh) {
  if (charge_Ah > 0) {
    c.charge_Ah += charge_Ah;
    c.charge_Wh += energy_Wh;
  } else {
    c.discharge_Ah -= charge_Ah;
    c.discharge_Wh -= energy_Wh;
  }
}

std::optional<CycleEnd> close_cycle(CycleProgress& c, std::vector<CycleCharges>& finished, double t_s) {
  if (c.half != 2) return std::nullopt;
  return finish(c, finished, t_s);
}

}  // namespace cyclerd

#include "protocols/resolve.hpp"

#include "core/error.hpp"

namespace cyclerd {

double to_amperes(const CurrentSpec& current, const CellInfo& cell, const std::string& pointer) {
  switch (current.unit) {
    case CurrentUnit::ampere: return current.value;
    case CurrentUnit::per_gram:
      if (!cell.active_mass_g || !(*cell.active_mass_g > 0)) {
        throw Error(ErrorCode::invalid_input,
                    "a current in A/g needs the cell's active mass; create the cell with active_mass_mg",
                    pointer);
      }
      return current.value * *cell.active_mass_g;
    case CurrentUnit::c_rate:
      if (!cell.nominal_capacity_Ah || !(*cell.nominal_capacity_Ah > 0)) {
        throw Error(ErrorCode::invalid_input,
                    "a C-rate needs the cell's nominal capacity; create the cell with nominal_capacity_mAh",
                    pointer);
      }
      return current.value * *cell.nominal_capacity_Ah;  // 1 C passes the nominal capacity in 1 h
  }
  return current.value;
}

namespace {

void resolve_current(CurrentSpec& c, const CellInfo& cell, const std::string& pointer) {
  c = {to_amperes(c, cell, pointer), CurrentUnit::ampere};
}

void resolve_ends(std::vector<EndCondition>& ends, const CellInfo& cell) {
  for (EndCondition& e : ends) {
    if (e.measure != Measure::current) continue;
    e.threshold = to_amperes({e.threshold, e.current_unit}, cell, e.pointer);
    e.current_unit = CurrentUnit::ampere;
  }
}

void resolve_steps(std::vector<Step>& steps, const CellInfo& cell, int depth) {
  if (depth > kMaxLoopDepth) throw Error(ErrorCode::invalid_input, "loops nest too deep", steps.front().pointer);
  for (Step& step : steps) {
    resolve_ends(step.until, cell);
    if (step.record.dI) resolve_current(*step.record.dI, cell, step.record.pointer + "/dI");
    if (auto* cc = std::get_if<ConstantCurrent>(&step.body)) resolve_current(cc->current, cell, step.where("current"));
    if (auto* cccv = std::get_if<Cccv>(&step.body)) resolve_current(cccv->current, cell, step.where("current"));
    if (auto* pulse = std::get_if<Pulse>(&step.body)) {
      resolve_current(pulse->current, cell, step.where("current"));
      resolve_ends(pulse->relax_until, cell);
    }
    if (auto* loop = std::get_if<Loop>(&step.body)) {
      for (LoopCondition& c : loop->until) {
        if (c.reference != Reference::per_gram) continue;
        if (!cell.active_mass_g || !(*cell.active_mass_g > 0)) {
          throw Error(ErrorCode::invalid_input,
                      "a capacity in mAh/g needs the cell's active mass; create the cell with active_mass_mg",
                      c.pointer);
        }
        c.value = c.value * 1e-3 * *cell.active_mass_g;  // mAh/g -> Ah
        c.reference = Reference::absolute;
      }
      if (!loop->steps.empty()) resolve_steps(loop->steps, cell, depth + 1);
    }
  }
}

}  // namespace

Protocol resolve(const Protocol& protocol, const CellInfo& cell) {
  Protocol out = protocol;
  if (out.safety.i_max) resolve_current(*out.safety.i_max, cell, "/safety/i_max");
  if (out.record.dI) resolve_current(*out.record.dI, cell, out.record.pointer + "/dI");
  if (!out.steps.empty()) resolve_steps(out.steps, cell, 0);
  return out;
}

}  // namespace cyclerd

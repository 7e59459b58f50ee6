#include "analysis/dqdv_analyzer.hpp"

#include <cmath>

namespace cyclerd::analysis {

DqdvAnalyzer::DqdvAnalyzer(DqdvOptions options, ResultSink sink)
    : options_(options),
      sink_(std::move(sink)),
      accumulator_(options.v_min_V, options.v_max_V, options.bins),
      kernel_(accumulator_.smoothing_kernel(options.smoothing_V)) {
  if (options_.keep == 0) options_.keep = 1;
  // The grid never changes: every slot's voltages are set here once.
  const auto grid = accumulator_.voltage_V();
  ring_.resize(options_.keep);
  for (auto& c : ring_) {
    c.voltage_V = grid;
    c.dqdv_Ah_per_V.reserve(options_.bins);
  }
  if (sink_) {
    DqdvCurve blank;
    blank.voltage_V = grid;
    blank.dqdv_Ah_per_V.assign(grid.size(), 0.0);
    row_ = to_json(blank);
  }
}

void DqdvAnalyzer::add(const AnalysisRecord& r) {
  const double i = r.sample.current_A;
  if (!std::isfinite(i) || !std::isfinite(r.sample.voltage_V)) return;
  const int dir = i > options_.current_threshold_A ? 1 : i < -options_.current_threshold_A ? -1 : 0;
  if (dir != 0 && dir != direction_) {
    if (direction_ != 0) close_half();
    accumulator_.reset();
    direction_ = dir;
    cycle_index_ = r.cycle_index;
  }
  if (direction_ != 0) accumulator_.add(r.sample);
}

void DqdvAnalyzer::finish() {
  if (direction_ != 0) close_half();
  direction_ = 0;
  accumulator_.reset();
}

void DqdvAnalyzer::close_half() {
  if (!(accumulator_.capacity_Ah() > 0)) return;
  DqdvCurve& slot = ring_[next_];
  slot.cycle_index = cycle_index_;
  slot.charge = direction_ > 0;
  slot.capacity_Ah = accumulator_.capacity_Ah();
  // Written into the slot's reserved vector: its storage is reused, never regrown.
  accumulator_.dqdv_Ah_per_V(slot.dqdv_Ah_per_V, kernel_);
  if (sink_) {
    // to_json(slot) without the mass, filled into the prebuilt row (the voltages are already there);
    // per-gram values follow from the mass, the full form is in results().
    row_["cycle_index"] = slot.cycle_index;
    row_["half"] = slot.charge ? "charge" : "discharge";
    row_["capacity_Ah"] = slot.capacity_Ah;
    auto& values = row_["dqdv_Ah_per_V"].get_ref<nlohmann::json::array_t&>();
    for (std::size_t k = 0; k < values.size(); ++k) *values[k].get_ptr<double*>() = slot.dqdv_Ah_per_V[k];
    sink_("dqdv", row_);
  }
  next_ = (next_ + 1) % ring_.size();
  if (filled_ < ring_.size()) ++filled_;
}

std::vector<DqdvCurve> DqdvAnalyzer::curves() const {
  std::vector<DqdvCurve> out;
  const std::size_t start = filled_ < ring_.size() ? 0 : next_;
  for (std::size_t k = 0; k < filled_; ++k) out.push_back(ring_[(start + k) % ring_.size()]);
  return out;
}

std::size_t DqdvAnalyzer::memory_bytes() const {
  std::size_t n = sizeof(*this) + heap_bytes(ring_) + 2 * options_.bins * sizeof(double)  // accumulator grid
                  + heap_bytes(kernel_);
  for (const auto& c : ring_) n += heap_bytes(c.voltage_V) + heap_bytes(c.dqdv_Ah_per_V);
  // The prebuilt row: two arrays of the grid's size plus a handful of keys.
  if (!row_.is_null()) n += 2 * options_.bins * sizeof(nlohmann::json) + 512;
  return n;
}

nlohmann::json to_json(const DqdvCurve& c, double mass_g) {
  nlohmann::json j = {{"cycle_index", c.cycle_index},
                      {"half", c.charge ? "charge" : "discharge"},
                      {"capacity_Ah", c.capacity_Ah},
                      {"voltage_V", c.voltage_V},
                      {"dqdv_Ah_per_V", c.dqdv_Ah_per_V}};
  if (mass_g > 0) {
    std::vector<double> per_g(c.dqdv_Ah_per_V.size());
    for (std::size_t k = 0; k < per_g.size(); ++k) per_g[k] = c.dqdv_Ah_per_V[k] * 1e3 / mass_g;
    j["dqdv_mAh_g_per_V"] = per_g;
  }
  return j;
}

}  // namespace cyclerd::analysis

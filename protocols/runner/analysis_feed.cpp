#include "protocols/runner/analysis_feed.hpp"

#include "protocols/runner/cycle_summary.hpp"

namespace cyclerd {
namespace {

void collect_sweeps(const std::vector<Step>& steps, std::vector<std::pair<std::string, double>>& out, int depth) {
  if (depth > kMaxLoopDepth) return;
  for (const auto& s : steps) {
    if (const auto* sweep = std::get_if<Sweep>(&s.body)) out.emplace_back(s.pointer, sweep->scan_rate_V_s);
    if (const auto* loop = std::get_if<Loop>(&s.body)) collect_sweeps(loop->steps, out, depth + 1);
  }
}

}  // namespace

AnalysisFeed::AnalysisFeed(const Protocol& protocol, analysis::ChannelAnalysisOptions options,
                           analysis::ResultSink sink)
    : analysis_(std::move(options), std::move(sink)) {
  collect_sweeps(protocol.steps, sweeps_, 0);
}

double AnalysisFeed::scan_rate_of(std::string_view step_id) {
  // step_id points into the engine's protocol and stays the same view for the whole step: compare the
  // pointer first so that the per-record cost is one comparison.
  if (step_id.data() == last_step_id_.data() && step_id.size() == last_step_id_.size()) return last_rate_;
  last_step_id_ = step_id;
  last_rate_ = 0;
  for (const auto& [pointer, rate] : sweeps_) {
    if (pointer == step_id) last_rate_ = rate;
  }
  return last_rate_;
}

void AnalysisFeed::on_record(const RunRecord& r) {
  analysis_.on_record({r.sample, r.cycle_index, r.step_index}, scan_rate_of(r.step_id));
}

void AnalysisFeed::on_cycle_end(const CycleEnd& c) {
  analysis_.on_cycle(to_cycle_record(c));
}

void AnalysisFeed::on_spectrum(std::int64_t step_index, const std::vector<ImpedancePoint>& spectrum) {
  analysis_.on_spectrum(step_index, spectrum);
}

}  // namespace cyclerd

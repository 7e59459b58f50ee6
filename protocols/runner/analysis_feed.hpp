// The bridge from a run's stream to the channel's analyzers: the runner layer composes, analysis/ stays
// pure. It turns RunRecords, CycleEnds and spectra into the analysis side's own records and tells the CV
// analyzer which records belong to a potential sweep (and at what programmed scan rate).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/channel_analysis.hpp"
#include "protocols/runner/channel_runner.hpp"

namespace cyclerd {

class AnalysisFeed : public RunConsumer {
 public:
  // `protocol` is the resolved protocol of the run (read once for its sweep steps, not kept).
  AnalysisFeed(const Protocol& protocol, analysis::ChannelAnalysisOptions options, analysis::ResultSink sink = {});

  void on_record(const RunRecord& r) override;
  void on_cycle_end(const CycleEnd& c) override;
  void on_spectrum(std::int64_t step_index, const std::vector<ImpedancePoint>& spectrum) override;
  void on_run_end(RunState) override { analysis_.finish(); }

  const analysis::ChannelAnalysis& analysis() const { return analysis_; }

 private:
  double scan_rate_of(std::string_view step_id);

  analysis::ChannelAnalysis analysis_;
  std::vector<std::pair<std::string, double>> sweeps_;  // step pointer -> scan rate, V/s
  std::string_view last_step_id_;                       // the last lookup, reused while the step lasts
  double last_rate_ = 0;
};

}  // namespace cyclerd

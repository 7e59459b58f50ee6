// Every analyzer of one channel behind one interface: what the runner's bridge feeds live and what
// `cyclerctl analyze` feeds from a file. Memory is bounded per channel whatever the run's length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <nlohmann/json.hpp>

#include "analysis/cv_analyzer.hpp"
#include "analysis/cycle_stats.hpp"
#include "analysis/dqdv_analyzer.hpp"
#include "analysis/eis_analyzer.hpp"
#include "analysis/gitt_analyzer.hpp"
#include "analysis/rate_analyzer.hpp"
#include "analysis/run_stream.hpp"

namespace cyclerd::analysis {

struct ChannelAnalysisOptions {
  double active_mass_g = 0;
  int reference_cycle = 2;
  DqdvOptions dqdv;
  CvOptions cv;
  GittOptions gitt;          // its material's active mass is filled from active_mass_g when unset
  EisOptions eis;
  bool cv_all_records = false;  // treat every record as a sweep (files, where no step says so)

  // The voltage window of dQ/dV and CV and the rest threshold (0.1 mA/g) for a cell of this mass.
  static ChannelAnalysisOptions for_cell(double active_mass_g, double v_min_V, double v_max_V);
};

class ChannelAnalysis {
 public:
  // Throws cyclerd::Error for a bad circuit or guess (before the run starts).
  explicit ChannelAnalysis(ChannelAnalysisOptions options, ResultSink sink = {});

  // A recorded sample; `scan_rate_V_s` > 0 while a potential sweep runs.
  void on_record(const AnalysisRecord& record, double scan_rate_V_s = 0);
  void on_cycle(const CycleRecord& cycle);
  void on_spectrum(std::int64_t step_index, std::span<const ImpedancePoint> spectrum);
  // End of run or file: closes what is open and publishes the final tables.
  void finish();

  // Everything known so far, DESIGN.md field names: {"summary", "last_cycle", "rate_table", "dqdv", "cv", "gitt", "eis"}.
  nlohmann::json results() const;
  // A size measure of everything the analyzers hold (object plus heap), for the memory-bound tests.
  std::size_t memory_bytes() const;

  const CycleStats& cycle_stats() const { return stats_; }
  const RateAnalyzer& rates() const { return rates_; }
  const DqdvAnalyzer& dqdv() const { return dqdv_; }
  const CvAnalyzer& cv() const { return cv_; }
  const GittAnalyzer& gitt() const { return gitt_; }
  const EisAnalyzer& eis() const { return eis_; }

 private:
  ChannelAnalysisOptions options_;
  ResultSink sink_;
  CycleStats stats_;
  RateAnalyzer rates_;
  DqdvAnalyzer dqdv_;
  CvAnalyzer cv_;
  GittAnalyzer gitt_;
  EisAnalyzer eis_;
};

}  // namespace cyclerd::analysis

// Cyclic voltammetry, streaming: per cycle the redox peaks (potential, current, anodic/cathodic) and the
// main pair's separation; peaks tracked over cycles (appearing, growing, fading); per scan rate the last
// cycle's binned curve, from which b-values per peak and the Dunn capacitive share per scan rate follow.
// Memory: two branches of a fixed grid, at most `max_scan_rates` stored curves and `max_tracks` tracks.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/cv_peaks.hpp"
#include "analysis/dunn.hpp"
#include "analysis/run_stream.hpp"

namespace cyclerd::analysis {

struct CvOptions {
  double v_min_V = 0.0, v_max_V = 3.0;
  std::size_t bins = 300;
  std::size_t max_scan_rates = 16;
  std::size_t max_tracks = 16;
  double track_window_V = 0.1;  // a peak within this of a tracked one (same direction) is the same peak
};

// The peaks of one cycle.
struct CvCycle {
  int cycle_index = 0;
  double scan_rate_V_s = 0;
  std::vector<CvPeak> peaks;           // anodic and cathodic, each by decreasing |current|
  std::optional<double> separation_V;  // main anodic minus main cathodic potential
};

// One peak followed across cycles.
struct CvPeakTrack {
  bool anodic = true;
  double potential_V = 0;          // latest
  int first_cycle = 0, last_cycle = 0;
  double first_current_A = 0, last_current_A = 0;
};

// A b-value for one peak of the slowest scan rate, matched at every other rate.
struct CvPeakBValue {
  CvPeak peak;
  BValueFit fit;
};

struct CvKinetics {
  std::vector<double> scan_rates_V_s;            // ascending
  std::vector<CvPeakBValue> b_values;
  std::vector<double> capacitive_fraction;       // per scan rate (Dunn), empty with fewer than two rates
};

class CvAnalyzer {
 public:
  CvAnalyzer(CvOptions options, ResultSink sink = {});

  // A sweep record; `scan_rate_V_s` is the programmed rate (0: estimated from the samples of the cycle).
  void add(const AnalysisRecord& record, double scan_rate_V_s);
  // Finishes the cycle in progress and publishes the kinetics (end of run or file).
  void finish();

  const std::vector<CvPeakTrack>& tracks() const { return tracks_; }
  const std::optional<CvCycle>& last_cycle() const { return last_; }
  // b-values and capacitive shares from the curves stored per scan rate.
  CvKinetics kinetics() const;
  // The stored curve (last cycle) of each scan rate: {"scan_rate_V_s", "voltage_V", "anodic_A", "cathodic_A"}.
  nlohmann::json curves() const;
  std::size_t memory_bytes() const;

 private:
  struct RateCurve {
    double scan_rate_V_s = 0;
    std::vector<double> anodic_A, cathodic_A;  // mean current per bin, NaN where empty
    std::vector<CvPeak> peaks;
  };
  void close_cycle();
  void track(const CvCycle& c);

  CvOptions options_;
  ResultSink sink_;
  CvBranch anodic_, cathodic_;
  int cycle_index_ = -1;
  double programmed_rate_ = 0, sweep_dv_ = 0, sweep_dt_ = 0;
  std::optional<AnalysisRecord> previous_;
  std::optional<CvCycle> last_;
  std::vector<CvPeakTrack> tracks_;
  std::vector<RateCurve> rates_;
};

nlohmann::json to_json(const CvCycle& c);
nlohmann::json to_json(const CvPeakTrack& t, int latest_cycle);
// {"scan_rates_V_s", "b_values": [{"direction", "potential_V", "b", "log10_a", "r_squared"}],
//  "capacitive_share": [{"scan_rate_V_s", "capacitive_fraction"}]}.
nlohmann::json to_json(const CvKinetics& k);

}  // namespace cyclerd::analysis

// Cyclic-voltammetry curves binned on a fixed potential grid (one branch per sweep direction) and the
// redox peaks found on them.
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

namespace cyclerd::analysis {

// The mean current per potential bin of one sweep direction; memory is the grid only.
class CvBranch {
 public:
  CvBranch(double v_min_V, double v_max_V, std::size_t bins);
  // Adds a current measured at potential v (outside the grid: ignored).
  void add(double v_V, double i_A);
  void clear();
  // Mean current per bin, NaN where the sweep left a bin empty.
  std::vector<double> mean_current_A() const;
  double bin_centre_V(std::size_t k) const { return v_min_ + width_ * (static_cast<double>(k) + 0.5); }
  std::size_t bins() const { return sum_.size(); }
  std::size_t memory_bytes() const { return (sum_.capacity() + count_.capacity()) * sizeof(double); }

 private:
  double v_min_, width_;
  std::vector<double> sum_, count_;
};

// A redox peak: anodic on the rising sweep (current > 0), cathodic on the falling one (current < 0).
struct CvPeak {
  bool anodic = true;
  double potential_V = 0;
  double current_A = 0;
};

// Peaks of one branch: local extrema of the 3-bin smoothed current in the branch's direction, with a
// prominence of at least `min_prominence` of the branch's largest |current|; by decreasing |current|.
std::vector<CvPeak> find_cv_peaks(const CvBranch& branch, bool anodic, double min_prominence = 0.05);

nlohmann::json to_json(const CvPeak& p);

}  // namespace cyclerd::analysis

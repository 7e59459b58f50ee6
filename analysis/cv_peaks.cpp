#include "analysis/cv_peaks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace cyclerd::analysis {

CvBranch::CvBranch(double v_min_V, double v_max_V, std::size_t bins)
    : v_min_(v_min_V), width_(0), sum_(bins, 0.0), count_(bins, 0.0) {
  if (bins < 3 || !(v_max_V > v_min_V)) {
    throw Error(ErrorCode::invalid_input, "CV grid needs v_max > v_min and at least three bins", "cv");
  }
  width_ = (v_max_V - v_min_V) / static_cast<double>(bins);
}

void CvBranch::add(double v, double i) {
  // For k >= 0 truncation is floor: no library call on this per-record path.
  const double k = (v - v_min_) / width_;
  if (!(k >= 0) || k >= static_cast<double>(sum_.size()) || !std::isfinite(i)) return;
  const auto b = static_cast<std::size_t>(k);
  sum_[b] += i;
  count_[b] += 1;
}

void CvBranch::clear() {
  std::fill(sum_.begin(), sum_.end(), 0.0);
  std::fill(count_.begin(), count_.end(), 0.0);
}

std::vector<double> CvBranch::mean_current_A() const {
  std::vector<double> m(sum_.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < m.size(); ++k) {
    if (count_[k] > 0) m[k] = sum_[k] / count_[k];
  }
  return m;
}

std::vector<CvPeak> find_cv_peaks(const CvBranch& branch, bool anodic, double min_prominence) {
  const std::vector<double> raw = branch.mean_current_A();
  const std::size_t n = raw.size();
  // Work on s = +-I so that every peak is a maximum; smooth over the filled neighbours only.
  const double sign = anodic ? 1.0 : -1.0;
  std::vector<double> s(n, std::numeric_limits<double>::quiet_NaN());
  double largest = 0;
  for (std::size_t k = 0; k < n; ++k) {
    double sum = 0, cnt = 0;
    for (std::size_t m = k == 0 ? 0 : k - 1; m <= std::min(n - 1, k + 1); ++m) {
      if (std::isfinite(raw[m])) sum += raw[m], cnt += 1;
    }
    if (std::isfinite(raw[k]) && cnt > 0) s[k] = sign * sum / cnt;
    if (std::isfinite(s[k])) largest = std::max(largest, std::abs(s[k]));
  }
  std::vector<CvPeak> peaks;
  if (!(largest > 0)) return peaks;
  for (std::size_t k = 1; k + 1 < n; ++k) {
    if (!std::isfinite(s[k]) || !(s[k] > 0)) continue;
    const double left = std::isfinite(s[k - 1]) ? s[k - 1] : -INFINITY;
    const double right = std::isfinite(s[k + 1]) ? s[k + 1] : -INFINITY;
    if (!(s[k] > left && s[k] >= right)) continue;
    // Prominence: the peak's height over the higher of the two lowest points before a higher peak.
    double low_left = s[k], low_right = s[k];
    for (std::size_t m = k; m-- > 0;) {
      if (!std::isfinite(s[m])) continue;
      if (s[m] > s[k]) break;
      low_left = std::min(low_left, s[m]);
    }
    for (std::size_t m = k + 1; m < n; ++m) {
      if (!std::isfinite(s[m])) continue;
      if (s[m] > s[k]) break;
      low_right = std::min(low_right, s[m]);
    }
    const double prominence = s[k] - std::max(low_left, low_right);
    if (prominence >= min_prominence * largest) {
      peaks.push_back({anodic, branch.bin_centre_V(k), sign * s[k]});
    }
  }
  std::sort(peaks.begin(), peaks.end(),
            [](const CvPeak& a, const CvPeak& b) { return std::abs(a.current_A) > std::abs(b.current_A); });
  return peaks;
}

nlohmann::json to_json(const CvPeak& p) {
  return {{"direction", p.anodic ? "anodic" : "cathodic"}, {"potential_V", p.potential_V}, {"current_A", p.current_A}};
}

}  // namespace cyclerd::analysis

// A console reporter that also prints, at the end, each benchmark's throughput as a ratio against a
// named baseline measured in the same run (figures are quoted as ratios: these machines are noisy).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

namespace cyclerd::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // pairs: {benchmark name, baseline name}; both report items_per_second.
  explicit RatioReporter(std::vector<std::pair<std::string, std::string>> pairs) : pairs_(std::move(pairs)) {}
  // The same, naming what items_per_second counts (e.g. "rows/s", "queries/s") in the printed ratios.
  RatioReporter(std::vector<std::pair<std::string, std::string>> pairs, std::string unit)
      : pairs_(std::move(pairs)), unit_(std::move(unit)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      const auto it = run.counters.find("items_per_second");
      if (it != run.counters.end() && run.run_type == Run::RT_Iteration) {
        rate_[run.benchmark_name()] = it->second.value;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    for (const auto& [name, baseline] : pairs_) {
      if (!rate_.count(name) || !rate_.count(baseline)) continue;
      std::printf("%s: %.3g %s = %.3fx of %s (%.3g %s), same run\n", name.c_str(), rate_[name], unit_.c_str(),
                  rate_[name] / rate_[baseline], baseline.c_str(), rate_[baseline], unit_.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
  std::map<std::string, double> rate_;
  std::string unit_ = "steps/s";
};

}  // namespace cyclerd::bench

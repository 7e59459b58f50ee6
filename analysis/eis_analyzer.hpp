// EIS of measured spectra: an equivalent-circuit fit (with an initial guess read off the spectrum when
// none is given) and the DRT of each spectrum; the last `keep` results are kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/circuit_fit.hpp"
#include "analysis/drt.hpp"
#include "analysis/run_stream.hpp"

namespace cyclerd::analysis {

struct EisOptions {
  std::string circuit = "R0-p(R1,C1)";
  std::vector<double> initial_guess;  // empty: guessed from each spectrum
  CircuitFitOptions fit;
  DrtOptions drt;
  bool run_drt = true;
  std::size_t keep = 8;
};

struct EisResult {
  std::int64_t step_index = 0;
  std::vector<ImpedancePoint> spectrum;
  std::optional<CircuitFit> fit;
  std::optional<DrtResult> drt;
  std::string error;  // why the fit or DRT failed, if it did
};

// A starting point for every parameter of `circuit` from the spectrum's shape: the high-frequency
// intercept for the first R, the arc's width shared by the other R's, C from the apex frequency, Warburg
// and CPE values of the same scale.
std::vector<double> guess_parameters(const Circuit& circuit, std::span<const ImpedancePoint> spectrum);

class EisAnalyzer {
 public:
  // Parses the circuit now, so that a bad circuit string is an error before the run starts.
  EisAnalyzer(EisOptions options, ResultSink sink = {});

  // Fits and DRTs one spectrum; failures are recorded in the result, never thrown (a run goes on).
  const EisResult& add(std::int64_t step_index, std::span<const ImpedancePoint> spectrum);

  // The kept results, oldest first.
  std::vector<EisResult> results() const;
  std::size_t memory_bytes() const;

 private:
  EisOptions options_;
  Circuit circuit_;
  ResultSink sink_;
  std::vector<EisResult> ring_;
  std::size_t next_ = 0, filled_ = 0;
};

// {"step_index", "spectrum": {"frequency_Hz", "re_ohm", "im_ohm"}, "fit": {...} | null, "drt": {...} | null, "error"}.
nlohmann::json to_json(const EisResult& r);

}  // namespace cyclerd::analysis

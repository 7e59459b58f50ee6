#include "analysis/eis_analyzer.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"

namespace cyclerd::analysis {

std::vector<double> guess_parameters(const Circuit& circuit, std::span<const ImpedancePoint> z) {
  double re_min = INFINITY, re_max = -INFINITY, apex_f = 1, apex = -INFINITY, f_min = INFINITY;
  for (const auto& p : z) {
    re_min = std::min(re_min, p.z_ohm.real());
    re_max = std::max(re_max, p.z_ohm.real());
    f_min = std::min(f_min, p.frequency_Hz);
    if (-p.z_ohm.imag() > apex) apex = -p.z_ohm.imag(), apex_f = p.frequency_Hz;
  }
  if (!std::isfinite(re_min)) re_min = 1, re_max = 2;
  const auto& names = circuit.parameter_names();
  std::size_t r_count = 0;
  for (const auto& n : names) r_count += (n[0] == 'R');
  const double span = std::max(re_max - re_min, 1e-6 * std::max(1.0, std::abs(re_min)));
  const double r_arc = span / static_cast<double>(std::max<std::size_t>(1, r_count > 1 ? r_count - 1 : 1));
  const double c = 1 / (2 * std::numbers::pi * apex_f * r_arc);
  std::vector<double> g;
  bool first_r = true;
  for (const auto& n : names) {
    const auto under = n.find('_');
    std::string letters;
    for (char ch : n.substr(0, under)) {
      if (std::isalpha(static_cast<unsigned char>(ch))) letters += ch;
    }
    const int index = under == std::string::npos ? 0 : std::stoi(n.substr(under + 1));
    if (letters == "R") {
      g.push_back(first_r ? std::max(re_min, 1e-9) : r_arc);
      first_r = false;
    } else if (letters == "C") {
      g.push_back(c);
    } else if (letters == "CPE") {
      g.push_back(index == 0 ? c : 0.9);
    } else if (letters == "L") {
      g.push_back(1e-7);
    } else if (letters == "W") {
      g.push_back(span);
    } else {  // Wo, Ws: Z0 and tau
      g.push_back(index == 0 ? span : 1 / (2 * std::numbers::pi * f_min));
    }
  }
  return g;
}

EisAnalyzer::EisAnalyzer(EisOptions options, ResultSink sink)
    : options_(std::move(options)), circuit_(Circuit::parse(options_.circuit)), sink_(std::move(sink)) {
  if (!options_.initial_guess.empty() && options_.initial_guess.size() != circuit_.parameter_count()) {
    throw Error(ErrorCode::invalid_input,
                "the initial guess has " + std::to_string(options_.initial_guess.size()) + " values but " +
                    options_.circuit + " has " + std::to_string(circuit_.parameter_count()) + " parameters",
                "guess");
  }
  if (options_.keep == 0) options_.keep = 1;
  ring_.resize(options_.keep);
}

const EisResult& EisAnalyzer::add(std::int64_t step_index, std::span<const ImpedancePoint> spectrum) {
  EisResult& r = ring_[next_];
  r = EisResult{};
  r.step_index = step_index;
  r.spectrum.assign(spectrum.begin(), spectrum.end());
  try {
    const auto guess = options_.initial_guess.empty() ? guess_parameters(circuit_, spectrum) : options_.initial_guess;
    r.fit = fit_circuit(circuit_, spectrum, guess, options_.fit);
    if (options_.run_drt) r.drt = compute_drt(spectrum, options_.drt);
  } catch (const Error& e) {
    r.error = e.what();
  }
  if (sink_) sink_("eis", to_json(r));
  next_ = (next_ + 1) % ring_.size();
  if (filled_ < ring_.size()) ++filled_;
  return r;
}

std::vector<EisResult> EisAnalyzer::results() const {
  std::vector<EisResult> out;
  const std::size_t start = filled_ < ring_.size() ? 0 : next_;
  for (std::size_t k = 0; k < filled_; ++k) out.push_back(ring_[(start + k) % ring_.size()]);
  return out;
}

std::size_t EisAnalyzer::memory_bytes() const {
  std::size_t n = sizeof(*this) + heap_bytes(ring_);
  for (const auto& r : ring_) {
    n += heap_bytes(r.spectrum);
    if (r.drt) n += heap_bytes(r.drt->tau_s) + heap_bytes(r.drt->gamma_ohm) + heap_bytes(r.drt->weights_ohm);
  }
  return n;
}

nlohmann::json to_json(const EisResult& r) {
  nlohmann::json f = nlohmann::json::array(), re = nlohmann::json::array(), im = nlohmann::json::array();
  for (const auto& p : r.spectrum) {
    f.push_back(p.frequency_Hz), re.push_back(p.z_ohm.real()), im.push_back(p.z_ohm.imag());
  }
  return {{"step_index", r.step_index},
          {"spectrum", {{"frequency_Hz", f}, {"re_ohm", re}, {"im_ohm", im}}},
          {"fit", r.fit ? to_json(*r.fit) : nlohmann::json()},
          {"drt", r.drt ? to_json(*r.drt) : nlohmann::json()},
          {"error", r.error.empty() ? nlohmann::json() : nlohmann::json(r.error)}};
}

}  // namespace cyclerd::analysis

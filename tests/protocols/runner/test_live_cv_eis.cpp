// CV kinetics and EIS end to end on the simulator, against the model's own quantities.
#include <cmath>
#include <complex>
#include <cstdio>
#include <map>

#include "tests/drivers/sim/test_cells.hpp"
#include "tests/protocols/runner/live_analysis_support.hpp"

namespace cyclerd::test {
namespace {

// Integrates |I| dt over the last cycle of each scan rate, to compute the model's capacitive share.
class ChargePerRate : public RunConsumer {
 public:
  void on_record(const RunRecord& r) override {
    if (r.cycle_index != cycle_) {
      if (cycle_ > 0 && step_ == r.step_index) charge_.clear();  // same sweep step: keep only its last cycle
      if (step_ != r.step_index) per_step_[step_] = charge_.total;
      charge_.clear();
      cycle_ = r.cycle_index;
      step_ = r.step_index;
    } else if (last_) {
      charge_.total += 0.5 * (std::abs(r.sample.current_A) + std::abs(last_->current_A)) * (r.sample.t_s - last_->t_s);
    }
    last_ = r.sample;
  }
  void on_run_end(RunState) override { per_step_[step_] = charge_.total; }
  // |charge| (C) of the last full cycle of each sweep step, in step order.
  std::vector<double> last_cycle_charges() const {
    std::vector<double> out;
    for (const auto& [step, q] : per_step_) {
      if (q > 0) out.push_back(q);
    }
    return out;
  }

 private:
  struct Acc {
    double total = 0;
    void clear() { total = 0; }
  } charge_;
  std::optional<Sample> last_;
  int cycle_ = 0;
  std::int64_t step_ = -1;
  std::map<std::int64_t, double> per_step_;
};

TEST(LiveCv, ScanRatesGiveTheModelsCapacitiveShareWithin5Points) {
  // A Nernstian, diffusion-limited slab (fast kinetics, no R0) in parallel with a constant double layer:
  // the capacitive current is exactly C m v at every potential, the diffusive one scales with sqrt(v).
  const double cdl_F_g = 50, v_lo = 0.7, v_hi = 1.3;
  sim::CellParams p = sim::test::diffusion_slab_cell(1e-11, 20.0, 0);
  p.ocv = {{0, 1.0}, {1, 1.0}};
  p.ocv_nernst_V = sim::test::thermal_V;
  p.initial_soc = 1 / (1 + std::exp(-(v_hi - 1.0) / sim::test::thermal_V));  // at rest at the start vertex
  p.double_layer_F_g = cdl_F_g;
  p.v_min_V = 0.0, p.v_max_V = 2.0;
  SimulatedChannel channel(SimulatedCell{"zns-znse", kMass_g, 1});
  hold(channel, p);
  const Protocol protocol = prepare(channel, "cv-scan-rates", {"cycles_per_rate=2", "v_min=0.7 V", "v_max=1.3 V"});
  auto options = analysis::ChannelAnalysisOptions::for_cell(kMass_g, v_lo, v_hi);
  options.cv.bins = 120;
  AnalysisFeed feed(protocol, options);
  ChargePerRate charges;
  EXPECT_EQ(channel.run(protocol, {&feed, &charges}), RunState::completed);

  const auto k = feed.analysis().cv().kinetics();
  const auto q = charges.last_cycle_charges();
  ASSERT_EQ(k.scan_rates_V_s.size(), 6u);
  ASSERT_EQ(k.capacitive_fraction.size(), 6u);
  ASSERT_EQ(q.size(), 6u);
  for (std::size_t r = 0; r < 6; ++r) {
    // The model's share: the double layer passes C m dV on each of the cycle's two sweeps.
    const double model = cdl_F_g * kMass_g * 2 * (v_hi - v_lo) / q[r];
    std::printf("%.1f mV/s: Dunn capacitive share %.3f, model %.3f\n", k.scan_rates_V_s[r] * 1e3,
                k.capacitive_fraction[r], model);
    EXPECT_NEAR(k.capacitive_fraction[r], model, 0.05) << k.scan_rates_V_s[r];
  }
}

// R0 + (Rct || Cdl) with measurement noise: what the fit and the DRT must find.
struct RcCell {
  double r0_ohm, rct_ohm, cdl_F;
  sim::CellParams params;
};

RcCell rc_cell() {
  const double r0_ohm_g = 0.01, i0_A_g = 1.0, cdl_F_g = 10;
  RcCell c{r0_ohm_g / kMass_g, sim::test::thermal_V / (i0_A_g * kMass_g), cdl_F_g * kMass_g,
           sim::test::ohmic_rc_cell(r0_ohm_g, i0_A_g, cdl_F_g)};
  c.params.noise_impedance_fraction = 0.002;
  // The helper's D = 1 cm2/s makes the sim's surface stoichiometry drift at rest (0.47 -> 0.42 in 3 s,
  // then the faradaic branch vanishes from the spectrum); 1e-4 cm2/s is still instantaneous here.
  c.params.diffusion_coefficient_cm2_s = 1e-4;
  return c;
}

constexpr const char* kEisProtocol = R"({"name": "eis-once",
  "steps": ["Rest for 10 min", "EIS 100 kHz to 10 mHz, 5 mV, 10 per decade"]})";

// Runs the one-spectrum protocol on the cell with the feed attached; returns the spectrum's result.
analysis::EisResult measure(const RcCell& cell) {
  SimulatedChannel channel(SimulatedCell{"zns-znse", kMass_g, 1});
  hold(channel, cell.params);
  const Protocol protocol = prepare(channel, kEisProtocol);
  auto options = analysis::ChannelAnalysisOptions::for_cell(kMass_g, 0, 2);
  options.eis.circuit = "R0-p(R1,C1)";
  options.eis.drt.lambda = 1e-3;
  AnalysisFeed feed(protocol, options);
  EXPECT_EQ(channel.run(protocol, {&feed}), RunState::completed);
  const auto results = feed.analysis().eis().results();
  EXPECT_EQ(results.size(), 1u);
  return results.empty() ? analysis::EisResult{} : results.back();
}

TEST(LiveEis, FitOfTheSimsSpectrumRecoversR0RctAndCdlWithin2Percent) {
  const RcCell cell = rc_cell();
  const auto r = measure(cell);
  ASSERT_TRUE(r.fit) << r.error;
  std::map<std::string, double> got;
  for (const auto& p : r.fit->parameters) got[p.name] = p.value;
  std::printf("R0 %.4f/%.4f, Rct %.4f/%.4f, Cdl %.6f/%.6f\n", got["R0"], cell.r0_ohm, got["R1"], cell.rct_ohm,
              got["C1"], cell.cdl_F);
  EXPECT_NEAR(got["R0"] / cell.r0_ohm, 1.0, 0.02);
  EXPECT_NEAR(got["R1"] / cell.rct_ohm, 1.0, 0.02);
  EXPECT_NEAR(got["C1"] / cell.cdl_F, 1.0, 0.02);
}

TEST(LiveEis, DrtOfTheSimsSpectrumPeaksAtRctCdlWithin10Percent) {
  const RcCell cell = rc_cell();
  const auto r = measure(cell);
  ASSERT_TRUE(r.drt) << r.error;
  ASSERT_FALSE(r.drt->peaks.empty());
  const double tau = cell.rct_ohm * cell.cdl_F;
  std::printf("DRT main peak tau %.4f s (R %.3f ohm), Rct*Cdl %.4f s\n", r.drt->peaks.front().tau_s,
              r.drt->peaks.front().resistance_ohm, tau);
  EXPECT_NEAR(r.drt->peaks.front().tau_s / tau, 1.0, 0.10);
}

}  // namespace
}  // namespace cyclerd::test

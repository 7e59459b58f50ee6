// GITT end to end on the simulator: protocol -> runner -> AnalysisFeed -> Weppner-Huggins D.
//
// How the expected D is computed. Weppner-Huggins is D = 4/(pi tau) (m Vm/(M S))^2 (dEs/dEt)^2, where
// m Vm/(M S) is the electrode's volume over its area: the length that the short-time solution calls L.
// The sim's presets are per gram and carry only D and a diffusion length (slab thickness or sphere
// radius), so the test gives the cell a molar mass and molar volume and chooses the area such that
// m Vm/(M S) is that volume over area: L for a slab, R/3 for a sphere (4/3 pi R^3 over 4 pi R^2).
// The model's "true D" is then the preset's diffusion_coefficient_cm2_s (the presets hold the paper's
// values; activation energies do not matter because the temperature stays at the 25 degC reference).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tests/drivers/sim/test_cells.hpp"
#include "tests/protocols/runner/live_analysis_support.hpp"

namespace cyclerd::test {
namespace {

// Molar mass and volume of a ZnS-like material; only their ratio with the area enters D.
constexpr double kMolarMass_g_mol = 97.5, kMolarVolume_cm3_mol = 23.8;

analysis::GittMaterial material_for_length(double length_cm) {
  analysis::GittMaterial m;
  m.active_mass_g = kMass_g;
  m.molar_mass_g_mol = kMolarMass_g_mol;
  m.molar_volume_cm3_mol = kMolarVolume_cm3_mol;
  m.electrode_area_cm2 = kMass_g * kMolarVolume_cm3_mol / (kMolarMass_g_mol * length_cm);
  return m;
}

// The Weppner-Huggins length of a sim cell: slab thickness, or a sphere's volume over its area.
double wh_length_cm(const sim::CellParams& p) {
  const double l_cm = p.diffusion_length_um * 1e-4;
  return p.geometry == sim::Geometry::slab ? l_cm : l_cm / 3.0;
}

analysis::ChannelAnalysisOptions options_for(const sim::CellParams& p) {
  auto o = analysis::ChannelAnalysisOptions::for_cell(kMass_g, p.v_min_V, p.v_max_V);
  o.gitt.material = material_for_length(wh_length_cm(p));
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v[v.size() / 2];
}

TEST(LiveGitt, DiffusionDominatedSlabGivesTheModelsDWithin20Percent) {
  // Slab of 10 um, D = 1e-10 cm2/s: L^2/D = 10^4 s against 600 s pulses (tau/(L^2/D) = 0.06).
  const double D = 1e-10;
  sim::CellParams p = sim::test::diffusion_slab_cell(D, 10.0, 1.0);
  p.v_min_V = 0.5, p.v_max_V = 2.5;
  SimulatedChannel channel(SimulatedCell{"zns-znse", kMass_g, 1});
  hold(channel, p);
  const Protocol protocol = prepare(channel, R"({
    "name": "gitt-slab", "record": {"every": "1 s", "dV": "1 mV"},
    "steps": ["Rest for 1 h",
      {"kind": "pulse", "current": "-0.02 A/g", "pulse": "600 s", "relax": "4 h", "max_pulses": 3},
      {"kind": "pulse", "current": "0.02 A/g", "pulse": "600 s", "relax": "4 h", "max_pulses": 3}]})");
  AnalysisFeed feed(protocol, options_for(p));
  EXPECT_EQ(channel.run(protocol, {&feed}), RunState::completed);

  const auto& pulses = feed.analysis().gitt().pulses();
  ASSERT_EQ(pulses.size(), 6u) << feed.analysis().gitt().material_error();
  for (const auto& pulse : pulses) {
    ASSERT_TRUE(pulse.diffusion);
    EXPECT_TRUE(pulse.diffusion->valid) << "pulse " << pulse.pulse_index;
    EXPECT_NEAR(pulse.diffusion->diffusion_cm2_s / D, 1.0, 0.20) << "pulse " << pulse.pulse_index;
    EXPECT_TRUE(pulse.state_of_charge.has_value());
    std::printf("pulse %d %s: tau %.0f s, dEs %.5f V, dEt %.5f V, D/D_model %.4f, valid %d\n", pulse.pulse_index,
                pulse.charge ? "charge" : "discharge", pulse.pulse.duration_s, pulse.pulse.delta_es_V,
                pulse.pulse.delta_et_V, pulse.diffusion->diffusion_cm2_s / D, pulse.diffusion->valid);
  }
}

// Median D of the `gitt` library protocol (0.1 A/g, 4800 s pulses) on a preset.
struct PresetD {
  double median_cm2_s = 0;
  int pulses = 0, valid = 0;
};

PresetD gitt_on_preset(const std::string& preset) {
  SimulatedChannel channel(SimulatedCell{preset, kMass_g, 1});
  const sim::CellParams p = sim::load_preset(preset);
  const Protocol protocol = prepare(channel, "gitt");
  AnalysisFeed feed(protocol, options_for(p));
  EXPECT_EQ(channel.run(protocol, {&feed}), RunState::completed) << preset;
  PresetD out;
  std::vector<double> d;
  for (const auto& pulse : feed.analysis().gitt().pulses()) {
    if (!pulse.diffusion || !(pulse.diffusion->diffusion_cm2_s > 0)) continue;
    d.push_back(pulse.diffusion->diffusion_cm2_s);
    ++out.pulses;
    out.valid += pulse.diffusion->valid;
  }
  out.median_cm2_s = median(d);
  std::printf("%s: %d pulses (%d valid by tau <= 0.1 L^2/D), median D %.3e cm2/s, model %.3e cm2/s\n",
              preset.c_str(), out.pulses, out.valid, out.median_cm2_s, p.diffusion_coefficient_cm2_s);
  return out;
}

TEST(LiveGitt, HalfCellPresetsReproduceThePapersOrderWithinAFactorOf3) {
  const PresetD hetero = gitt_on_preset("zns-znse"), znse = gitt_on_preset("znse"), zns = gitt_on_preset("zns");
  // The paper: ZnS/ZnSe 2.60e-12 > ZnSe 4.74e-13 > ZnS 2.55e-13 cm2/s.
  EXPECT_GT(hetero.median_cm2_s, znse.median_cm2_s);
  EXPECT_GT(znse.median_cm2_s, zns.median_cm2_s);
  for (const auto& [got, paper] : {std::pair{hetero, 2.60e-12}, std::pair{znse, 4.74e-13}, std::pair{zns, 2.55e-13}}) {
    EXPECT_GT(got.pulses, 3);
    EXPECT_LT(got.median_cm2_s / paper, 3.0);
    EXPECT_GT(got.median_cm2_s / paper, 1.0 / 3.0);
  }
}

}  // namespace
}  // namespace cyclerd::test

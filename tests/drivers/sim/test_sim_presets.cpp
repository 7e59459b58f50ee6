// Presets and bad input: every error names the field and the value, and nothing crashes.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "drivers/sim/model/cell_model.hpp"

namespace cyclerd::sim {
namespace {

nlohmann::json zns_znse_json() { return to_json(load_preset("zns-znse")); }

// Runs f, expects an Error of the given code whose text contains every fragment.
template <class F>
void expect_error(F f, ErrorCode code, std::initializer_list<std::string> fragments) {
  try {
    f();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const auto& frag : fragments) EXPECT_NE(std::string(e.what()).find(frag), std::string::npos)
        << "'" << frag << "' not in: " << e.what();
  }
}

TEST(SimPresets, EveryBuiltInPresetLoadsAndBuildsACell) {
  const auto names = preset_names();
  for (const char* expected : {"zns-znse", "zns", "znse", "nfm-zns-znse"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  for (const auto& n : names) {
    const CellParams p = load_preset(n);
    EXPECT_EQ(p.name, n);
    EXPECT_GE(p.finite_volumes, 20) << n;
    CellModel cell(p, 1e-3, 1);
    EXPECT_TRUE(std::isfinite(cell.advance(1).voltage_V)) << n;
  }
}

TEST(SimPresets, JsonFormRoundTripsExactly) {
  for (const auto& n : preset_names()) {
    const nlohmann::json j = to_json(load_preset(n));
    EXPECT_EQ(to_json(parse_preset(j, "x")), j) << n;
  }
}

TEST(SimPresets, UnknownPresetIsNotFoundAndListsTheKnownOnes) {
  expect_error([] { load_preset("zns-zsne"); }, ErrorCode::not_found, {"zns-zsne", "zns-znse", "znse"});
}

TEST(SimPresets, NegativeParameterNamesFieldAndValue) {
  auto j = zns_znse_json();
  j["diffusion_coefficient_cm2_s"] = -3;
  expect_error([&] { parse_preset(j, "presets/x.json"); }, ErrorCode::out_of_range,
               {"presets/x.json/diffusion_coefficient_cm2_s", "must be > 0", "-3"});
}

TEST(SimPresets, MissingParameterNamesField) {
  auto j = zns_znse_json();
  j.erase("ohmic_resistance_ohm_g");
  expect_error([&] { parse_preset(j, "p"); }, ErrorCode::invalid_input, {"p/ohmic_resistance_ohm_g", "missing"});
}

TEST(SimPresets, ValuesWithUnitsAreConvertedAndMalformedUnitsRejected) {
  auto j = zns_znse_json();
  j["diffusion_coefficient_cm2_s"] = "2.6e-16 m2/s";
  j["v_min_V"] = "10 mV";
  const CellParams p = parse_preset(j, "p");
  EXPECT_DOUBLE_EQ(p.diffusion_coefficient_cm2_s, 2.6e-12);
  EXPECT_DOUBLE_EQ(p.v_min_V, 0.01);
  j["diffusion_length_um"] = "3 parsecs";
  expect_error([&] { parse_preset(j, "p"); }, ErrorCode::unit_mismatch, {"p/diffusion_length_um", "3 parsecs", "um"});
  j["diffusion_length_um"] = "three um";
  expect_error([&] { parse_preset(j, "p"); }, ErrorCode::invalid_input, {"p/diffusion_length_um", "three um"});
}

TEST(SimPresets, UnknownKeyAndBadTablesAreErrors) {
  auto j = zns_znse_json();
  j["difusion_length_um"] = 1;
  expect_error([&] { parse_preset(j, "p"); }, ErrorCode::invalid_input, {"p/difusion_length_um", "unknown"});
  j = zns_znse_json();
  j["ocv"] = {{0.0, 0.1}, {0.5, 0.4}, {0.4, 0.5}};
  expect_error([&] { parse_preset(j, "p"); }, ErrorCode::out_of_range, {"p/ocv/2", "0.4"});
  j = zns_znse_json();
  j["surface_peaks"][0]["capacity_mAh_g"] = -5;
  expect_error([&] { parse_preset(j, "p"); }, ErrorCode::out_of_range, {"p/surface_peaks/0/capacity_mAh_g", "-5"});
  expect_error([] { parse_preset(nlohmann::json::array(), "p"); }, ErrorCode::invalid_input, {"p", "object"});
  j = zns_znse_json();
  j["first_half"] = "sideways";
  expect_error([&] { parse_preset(j, "p"); }, ErrorCode::invalid_input, {"p/first_half", "sideways"});
}

TEST(SimPresets, ConstructorRejectsBadMassAndParams) {
  const CellParams p = load_preset("zns");
  expect_error([&] { CellModel(p, -3, 1); }, ErrorCode::out_of_range, {"active_mass_g", "-3"});
  expect_error([&] { CellModel(p, 0, 1); }, ErrorCode::out_of_range, {"active_mass_g"});
  CellParams bad = p;
  bad.ohmic_resistance_ohm_g = -1;
  expect_error([&] { CellModel(bad, 1e-3, 1); }, ErrorCode::out_of_range, {"ohmic_resistance_ohm_g", "-1"});
  bad = p;
  bad.finite_volumes = 1;
  expect_error([&] { CellModel(bad, 1e-3, 1); }, ErrorCode::out_of_range, {"finite_volumes", "1"});
}

TEST(SimPresets, MalformedSnapshotIsAnErrorNotACrash) {
  CellModel cell(load_preset("zns"), 1e-3, 1);
  auto snap = cell.snapshot();
  snap.erase("phi_V");
  expect_error([&] { cell.restore(snap); }, ErrorCode::invalid_input, {"snapshot"});
  snap = cell.snapshot();
  snap["bulk_soc"] = {0.5};
  expect_error([&] { cell.restore(snap); }, ErrorCode::invalid_input, {"bulk_soc"});
}

}  // namespace
}  // namespace cyclerd::sim

// The instrument-paced sweep: the planner's segments (points within the model's longest integration,
// levels on the programme, the last vertex reached), the emulated SMU running a list on its own timing,
// and the driver's sweep against it, whose readings account for the charge the cell really moved.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "drivers/registry.hpp"
#include "drivers/scpi-smu/sweep_segment.hpp"
#include "drivers/sim/model/cell_params.hpp"
#include "tests/drivers/driver_test_support.hpp"
#include "tests/drivers/transport/fake_instrument.hpp"
#include "tools/emulators/scpi-smu/smu_instrument.hpp"

namespace cyclerd {
namespace {

using boost::asio::io_context;
using test::FakeInstrument;

SweepParams cv_sweep() {
  SweepParams sweep;
  sweep.start_V = 1.0;
  sweep.vertices_V = {0.8, 1.0};
  sweep.scan_rate_V_s = 2e-3;  // 200 s
  return sweep;
}

// The emulated SMU on a pty: each line the host sends takes `host_s` of the instrument's time to arrive.
FakeInstrument smu_link(io_context& io, emulator::SmuInstrument& smu, double host_s) {
  return FakeInstrument(io, FakeInstrument::Kind::pty, [&smu, host_s](const std::string& line) -> std::optional<std::string> {
    auto replies = smu.handle(line, smu.time_s() + host_s);
    if (replies.empty()) return std::nullopt;
    std::string out;
    for (auto& r : replies) out += r + "\n";
    return out;
  });
}

class SweepOnEveryModel : public testing::TestWithParam<std::string> {
 protected:
  // The driver for this model on `link`, compliance 0-3 V and 50 mA, half-second list segments.
  std::unique_ptr<Driver> sweep_driver(io_context& io, FakeInstrument& link) {
    nlohmann::json options = {{"model", GetParam()}, {"v_min", 0}, {"v_max", 3.0}, {"i_max", 0.05},
                              {"speed", 100}, {"sweep_segment_s", 0.5}, {"timeout_ms", 2000}};
    return make_driver("scpi-smu", io.get_executor(), {"smu-1", link.uri(), options});
  }
};

TEST_P(SweepOnEveryModel, SegmentsCoverTheProgrammeWithPointsTheModelIntegratesWhole) {
  const SmuModel& model = smu_model(GetParam(), "test");
  const SweepParams sweep = cv_sweep();
  double done_s = 0;
  std::vector<double> levels;
  int segments = 0;
  for (;;) {
    SweepSegment seg = plan_segment(model.list, sweep, done_s, 1.0, 1e-3, 60.0);
    if (seg.levels_V.empty()) break;
    ++segments;
    ASSERT_LE(seg.point_s, model.list.max_aperture_s + 1e-12);
    ASSERT_LE(seg.point_s, 0.5 + 1e-12) << "1 mV at 2 mV/s";
    EXPECT_DOUBLE_EQ(seg.aperture_s, seg.point_s);
    ASSERT_LE(static_cast<double>(seg.levels_V.size()) * seg.point_s, 60.0 + 1e-9);
    ASSERT_LE(static_cast<int>(seg.levels_V.size()), model.list.max_points);
    EXPECT_DOUBLE_EQ(seg.levels_V.front(), sweep_voltage(sweep, done_s)) << "each segment starts with a hold";
    done_s += seg.programme_s();
    levels.insert(levels.end(), seg.levels_V.begin(), seg.levels_V.end());
    ASSERT_LT(segments, 1000);
  }
  EXPECT_NEAR(done_s, 200.0, 0.5);
  EXPECT_GE(segments, 4) << "200 s in segments of at most 60 s";
  EXPECT_DOUBLE_EQ(levels.back(), 1.0) << "the sweep ends on its last vertex";
  EXPECT_NEAR(*std::min_element(levels.begin(), levels.end()), 0.8, 1e-12);
  for (std::size_t k = 1; k < levels.size(); ++k) ASSERT_LE(std::abs(levels[k] - levels[k - 1]), 1e-3 + 1e-12);
}

TEST_P(SweepOnEveryModel, TheSweepRunsOnTheInstrumentsTimingAndItsReadingsHoldTheChargeTheCellMoved) {
  io_context io;
  const SmuModel& model = smu_model(GetParam(), "test");
  emulator::SmuInstrument smu(model, sim::load_preset("zns-znse"), 1e-3, 1);
  // The instrument's clock: between commands it does not move (the host is infinitely quick), while a
  // list runs it moves by the list's own timing.
  FakeInstrument link = smu_link(io, smu, 0.0);
  auto driver = sweep_driver(io, link);
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::rest_setpoint(1.0)));
  Sample rest = test::sample_ok(io, *driver, 0);

  Setpoint sp;
  sp.mode = Mode::sweep;
  sp.sweep = cv_sweep();
  sp.sweep.start_V = rest.voltage_V;  // from the rest potential down to 0.8 V and back up
  sp.sample_period_s = 1.0;
  const double length_s = sweep_length_s(sp.sweep);
  auto error = test::apply(io, *driver, 0, sp);
  ASSERT_FALSE(error) << error->what();
  const double in0 = smu.protection().charge_in_Ah, out0 = smu.protection().charge_out_Ah;
  const double t0 = smu.time_s();  // the rest's reading: the instrument has not moved since
  double charged_Ah = 0, discharged_Ah = 0, last_t = rest.t_s;
  std::vector<Sample> samples;
  // Until the programme is over (the hold that starts each segment adds time) and the last vertex is read.
  double last_V = rest.voltage_V;
  while (last_t - rest.t_s < length_s - 1e-6 || std::abs(last_V - 1.0) > 2e-3) {
    Sample s = test::sample_ok(io, *driver, 0);
    const double dq = s.current_A * (s.t_s - last_t) / 3600;  // as the engine counts it
    (dq > 0 ? charged_Ah : discharged_Ah) += std::abs(dq);
    last_t = s.t_s;
    last_V = s.voltage_V;
    samples.push_back(s);
    ASSERT_LT(samples.size(), 20000u);
  }
  EXPECT_TRUE(samples.front().has(sample_flag::setpoint_start));
  EXPECT_NEAR(samples.back().voltage_V, 1.0, 0.01) << "the last reading is at the last vertex";
  EXPECT_GE(smu.time_s() - t0, length_s) << "the instrument ran the programme on its own clock";
  EXPECT_LE(smu.time_s() - t0, 1.02 * length_s) << "with one hold point a segment";
  for (std::size_t k = 1; k < samples.size(); ++k) ASSERT_GT(samples[k].t_s, samples[k - 1].t_s);
  // The readings integrate whole points: what the engine would count is what the cell moved.
  const double moved_in = smu.protection().charge_in_Ah - in0, moved_out = smu.protection().charge_out_Ah - out0;
  ASSERT_GT(moved_out, 0);
  // (2 %: the last readings, taken one by one at the final vertex, carry the current at their end only.)
  EXPECT_NEAR(discharged_Ah, moved_out, 0.02 * moved_out);
  EXPECT_NEAR(charged_Ah, moved_in, 0.02 * moved_in);
  EXPECT_EQ(smu.protection().violations, 0);

  // The engine moves on: out of list mode, single readings again.
  ASSERT_FALSE(test::apply(io, *driver, 0, test::rest_setpoint(1.0)));
  smu.advance_to(smu.time_s() + 1);
  Sample after = test::sample_ok(io, *driver, 0);
  EXPECT_NEAR(after.current_A, 0, 1e-6);
}

TEST_P(SweepOnEveryModel, TheFirstReadingHoldsTheLevelTheOutputWentOnAtWhileTheHostLoadsTheList) {
  io_context io;
  const SmuModel& model = smu_model(GetParam(), "test");
  emulator::SmuInstrument smu(model, sim::load_preset("zns-znse"), 1e-3, 1);
  // A slow host: each line it sends takes 0.2 s of the instrument's time, so seconds pass between the
  // output going on and the first list running, at the level the output went on at.
  FakeInstrument link = smu_link(io, smu, 0.2);
  auto driver = sweep_driver(io, link);
  ASSERT_FALSE(test::open(io, *driver));
  ASSERT_FALSE(test::apply(io, *driver, 0, test::rest_setpoint(1.0)));
  smu.advance_to(smu.time_s() + 600);  // a protocol's rest: the cell settles at its open-circuit voltage
  Sample rest = test::sample_ok(io, *driver, 0);
  Setpoint sp;
  sp.mode = Mode::sweep;
  sp.sweep = cv_sweep();  // starts at 1.0 V, far below the rest potential: the first list steps there
  sp.sample_period_s = 1.0;
  ASSERT_GT(rest.voltage_V - sp.sweep.start_V, 0.3);
  ASSERT_FALSE(test::apply(io, *driver, 0, sp));
  const double in0 = smu.protection().charge_in_Ah, out0 = smu.protection().charge_out_Ah;
  Sample first = test::sample_ok(io, *driver, 0);
  EXPECT_NEAR(first.voltage_V, rest.voltage_V, 1e-3) << "the hold point is where the output went on";
  EXPECT_LT(std::abs(first.current_A), 1e-5) << "a hold at the cell's own voltage draws no current";
  EXPECT_GT(first.t_s - rest.t_s, 3.0) << "the host's lines took their time";
  // The step to the start potential is a later point, integrated whole; the holds between segments are
  // counted with their hold points: to the sweep's end the engine's count matches what the cell moved.
  double charged_Ah = 0, discharged_Ah = 0, last_t = rest.t_s, last_V = 0;
  for (Sample s = first;; s = test::sample_ok(io, *driver, 0)) {
    const double dq = s.current_A * (s.t_s - last_t) / 3600;
    (dq > 0 ? charged_Ah : discharged_Ah) += std::abs(dq);
    last_t = s.t_s;
    last_V = s.voltage_V;
    if (last_t - first.t_s >= sweep_length_s(sp.sweep) && std::abs(last_V - 1.0) < 2e-3) break;
    ASSERT_LT(last_t - first.t_s, 2 * sweep_length_s(sp.sweep));
  }
  const double moved_in = smu.protection().charge_in_Ah - in0, moved_out = smu.protection().charge_out_Ah - out0;
  ASSERT_GT(moved_out, 0);
  EXPECT_NEAR(discharged_Ah, moved_out, 0.02 * moved_out);
  EXPECT_NEAR(charged_Ah, moved_in, 0.02 * moved_in);
}

INSTANTIATE_TEST_SUITE_P(ScpiSmu, SweepOnEveryModel, testing::Values("keithley-2400", "keithley-2450", "keysight-b2901a"),
                         [](const testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param;
                           for (char& c : name) if (c == '-') c = '_';
                           return name;
                         });

TEST(SmuEmulatorList, AListLongerThanTheModelTakesIsRefusedWithTooMuchData) {
  const SmuModel& model = smu_model("keithley-2400", "test");
  emulator::SmuInstrument smu(model, sim::load_preset("zns-znse"), 1e-3, 1);
  std::vector<double> levels(101, 1.0);
  smu.handle(scpi_list_command(model.list.levels, levels), 0);
  auto replies = smu.handle(std::string(model.error_query), 0);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].rfind("-223,", 0), 0u) << replies[0];
}

// The emulated SMU as a voltage source at `level_V` (output on), from a rest of `rest_s` at 0 A.
void voltage_source_after_rest(emulator::SmuInstrument& smu, const SmuModel& model, double rest_s) {
  for (auto c : {model.source_current, model.output_on}) smu.handle(std::string(c), 0);
  smu.handle(scpi_command(model.voltage_compliance, 3.0), 0);
  smu.handle(scpi_command(model.current_level, 0.0), 0);
  smu.advance_to(rest_s);
}

TEST(SmuEmulatorHold, TheOutputGoingOnAtTheVoltageJustReadLeavesTheCellAtRest) {
  const SmuModel& model = smu_model("keithley-2400", "test");
  emulator::SmuInstrument smu(model, sim::load_preset("zns-znse"), 1e-3, 1);
  voltage_source_after_rest(smu, model, 600);
  auto reading = smu.handle(std::string(model.read), 600);
  ASSERT_EQ(reading.size(), 1u);
  const double read_V = std::stod(reading[0].substr(0, reading[0].find(',')));  // 7 digits, as a host sees it
  for (auto c : {model.output_off, model.source_voltage}) smu.handle(std::string(c), 600);
  smu.handle(scpi_command(model.current_compliance, 0.05), 600);
  smu.handle(scpi_command(model.voltage_level, read_V), 600);
  smu.handle(std::string(model.output_on), 600);
  for (double t = 601; t <= 620; t += 1) {
    smu.advance_to(t);
    ASSERT_LT(std::abs(smu.cell().current_A()), 1e-6) << "at " << t << " s";
  }
}

TEST(SmuEmulatorHold, ALevelHeldBetweenTwoListsRelaxesWithoutChattering) {
  const SmuModel& model = smu_model("keysight-b2901a", "test");
  emulator::SmuInstrument smu(model, sim::load_preset("zns-znse"), 1e-3, 1);
  voltage_source_after_rest(smu, model, 600);
  const double v0 = smu.cell().voltage_V();
  for (auto c : {model.output_off, model.source_voltage}) smu.handle(std::string(c), 600);
  smu.handle(scpi_command(model.current_compliance, 0.05), 600);
  smu.handle(scpi_command(model.voltage_level, v0), 600);
  smu.handle(std::string(model.output_on), 600);
  // Down 2 mV/s in 0.5 s points for 400 s (0.8 V), then the host is away for 20 s: the level holds.
  for (auto c : model.list.enter) smu.handle(std::string(c), 600);
  std::vector<double> levels;
  for (int k = 1; k <= 800; ++k) levels.push_back(v0 - 1e-3 * k);
  SweepSegment seg;
  seg.levels_V = levels;
  seg.point_s = seg.aperture_s = seg.timing_s = 0.5;
  for (const auto& c : segment_commands(model.list, seg)) smu.handle(c, 600);
  ASSERT_EQ(smu.handle(segment_run_query(model.list, seg), 600).size(), 1u);
  double previous_A = std::abs(smu.cell().current_A());
  const double t0 = smu.time_s();
  for (double t = t0 + 0.5; t <= t0 + 20; t += 0.5) {
    smu.advance_to(t);
    const double now_A = std::abs(smu.cell().current_A());
    ASSERT_LE(now_A, previous_A * 1.0001 + 1e-9) << "the current of a held level decays; at +" << t - t0 << " s";
    previous_A = now_A;
  }
}

TEST(SmuEmulatorList, AListRunTakesItsPointsOfEmulatedTimeAndStampsEachReading) {
  const SmuModel& model = smu_model("keysight-b2901a", "test");
  emulator::SmuInstrument smu(model, sim::load_preset("zns-znse"), 1e-3, 1);
  for (const char* c : {":SOUR:FUNC:MODE VOLT", ":SENS:CURR:PROT 1.000000E-02", ":SOUR:VOLT 1.0", ":OUTP ON",
                        ":SOUR:VOLT:MODE LIST", ":TRIG:SOUR TIM", ":SOUR:LIST:VOLT 1.0,0.999,0.998",
                        ":TRIG:COUN 3", ":SENS:CURR:APER 0.5", ":TRIG:TIM 0.5"}) {
    smu.handle(c, 10.0);
  }
  auto replies = smu.handle(":INIT;:FETC:ARR?", 10.0);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_DOUBLE_EQ(smu.time_s(), 11.5) << "three points of 0.5 s, ahead of the caller's clock";
  EXPECT_EQ(smu.list_points_run(), 3u);
  // V,I,TIME three times; the stamps are the points' ends.
  std::vector<double> fields;
  std::size_t start = 0;
  for (;;) {
    std::size_t at = replies[0].find(',', start);
    fields.push_back(std::stod(replies[0].substr(start, at - start)));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  ASSERT_EQ(fields.size(), 9u);
  EXPECT_DOUBLE_EQ(fields[2], 10.5);
  EXPECT_DOUBLE_EQ(fields[5], 11.0);
  EXPECT_DOUBLE_EQ(fields[8], 11.5);
  EXPECT_LT(fields[7], 0) << "a falling potential discharges";
}

}  // namespace
}  // namespace cyclerd

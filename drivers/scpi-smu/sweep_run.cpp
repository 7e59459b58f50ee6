// The instrument-paced sweep of the scpi-smu driver: the sweep runs as list segments (sweep_segment.hpp);
// the host loads one, the SMU steps through it on its own timing, and the host hands out the segment's
// buffered readings one by one before it loads the next, starting where the last one ended.
#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "drivers/scpi-smu/scpi_smu_driver.hpp"
#include "drivers/scpi-smu/sweep_segment.hpp"

namespace cyclerd {

std::vector<ScpiSmuDriver::Command> ScpiSmuDriver::leave_list_commands() const {
  std::vector<Command> cmds;
  if (!list_mode_) return cmds;
  for (auto c : model_->list.exit) cmds.push_back({std::string(c)});
  cmds.push_back({scpi_command(model_->list.aperture, model_->list.normal_aperture)});
  return cmds;
}

void ScpiSmuDriver::next_swept_sample(SampleHandler handler) {
  if (!swept_.empty()) {
    SmuReading r = swept_.front();
    swept_.pop_front();
    completions_.post([this, r, handler] { finish_reading(r, handler); });
    return;
  }
  run_segment(1, std::nullopt, std::move(handler));
}

void ScpiSmuDriver::run_segment(int attempt, std::optional<Error> last, SampleHandler handler) {
  if (attempt > retries_) return give_up(std::move(last), std::move(handler));
  const ListSweep& list = model_->list;
  SweepSegment seg = plan_segment(list, setpoint_.sweep, sweep_done_s_, setpoint_.sample_period_s, sweep_step_V_,
                                  sweep_segment_s_ * speed_);
  if (seg.levels_V.empty()) return read_with_retries(1, std::nullopt, std::move(handler));
  // The hold point is where the output is: before the first segment that is the cell's voltage the
  // output went on at, not the start potential. Held at the start potential, its reading would carry the
  // step's charging current, and the engine would count that current over the whole time since the
  // last sample (the apply and the list's loading: seconds of an accelerated emulator's time).
  if (output_level_V_) seg.levels_V.front() = *output_level_V_;
  std::vector<Command> cmds;
  if (!list_mode_) for (auto c : list.enter) cmds.push_back({std::string(c)});
  for (auto& c : segment_commands(list, seg)) cmds.push_back({std::move(c)});
  // The fixed level is where the output already is (the segment's first level): an instrument that
  // sources its fixed level until the list starts does not jump ahead.
  cmds.push_back({scpi_command(model_->voltage_level, seg.levels_V.front())});
  const double wall_s = seg.point_s * static_cast<double>(seg.levels_V.size()) / speed_;
  // The fetch answers when the list is done, then the line takes its time on a serial link (10 bits a byte).
  const double line_bytes = 16.0 * model_->voltage_source_layout.fields * static_cast<double>(seg.levels_V.size());
  const double transfer_s = serial_baud_ > 0 ? line_bytes * 10 / serial_baud_ : 0;
  const auto patience =
      timeout_ + std::chrono::milliseconds(static_cast<long>(std::ceil((wall_s * 1.5 + transfer_s) * 1000)));
  run(std::move(cmds), [this, seg, patience, attempt, handler](std::optional<Error> e, std::vector<std::string>) {
    if (e) {
      if (e->code() == ErrorCode::instrument_fault) return handler(std::move(e), Sample{});  // a dialect error
      return recover(*e, [this, attempt, handler, e](std::optional<Error> fatal) {
        run_segment(fatal ? retries_ + 1 : attempt + 1, fatal ? fatal : e, handler);
      });
    }
    list_mode_ = true;
    link_->async_exchange(
        segment_run_query(model_->list, seg), Reply::line().within(patience),
        [this, seg, attempt, handler](std::optional<Error> e2, std::vector<std::string> lines) {
          // Whatever came back, the instrument has run (or is running) these points: the next segment
          // starts after them, so the sweep never steps back.
          sweep_done_s_ += seg.programme_s();
          output_level_V_ = seg.levels_V.back();
          std::vector<SmuReading> readings;
          if (!e2) {
            try {
              readings = parse_readings(lines.at(0), model_->voltage_source_layout, *model_, seg.levels_V.size());
            } catch (const Error& bad) {
              e2 = bad;
            }
          }
          if (e2) {
            logger_->warn("{}: sweep segment attempt {} of {} failed: {}", id_, attempt, retries_, e2->message());
            return recover(*e2, [this, attempt, handler, e2](std::optional<Error> fatal) {
              run_segment(fatal ? retries_ + 1 : attempt + 1, fatal ? fatal : e2, handler);
            });
          }
          swept_.assign(readings.begin(), readings.end());
          next_swept_sample(handler);
        });
  });
}

}  // namespace cyclerd

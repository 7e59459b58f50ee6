#include "protocols/runner/simulated_channel.hpp"

#include <sstream>

#include "core/error.hpp"

namespace cyclerd {

SimulatedChannel::SimulatedChannel(const SimulatedCell& cell) : cell_(cell) {
  std::ostringstream uri;
  uri.precision(17);
  uri << "sim://" << cell.preset << "?seed=" << cell.seed << "&mass_mg=" << cell.active_mass_g * 1e3;
  DriverConfig config{"simulate", uri.str(), {{"speed", "max"}}};
  driver_ = std::make_unique<SimDriver>(io_.get_executor(), config);
  std::optional<Error> failure;
  driver_->async_open([&failure](std::optional<Error> e) { failure = std::move(e); });
  io_.run();
  io_.restart();
  if (failure) throw *failure;
}

CellInfo SimulatedChannel::cell_info() const { return CellInfo{cell_.active_mass_g, std::nullopt}; }

EngineOptions SimulatedChannel::engine_options() const {
  EngineOptions o;
  o.lands_on_limits = driver_->capabilities(0).lands_on_limits;
  return o;
}

RunState SimulatedChannel::run(const Protocol& resolved, const std::vector<RunConsumer*>& consumers,
                               const std::optional<RunCheckpoint>& resume, std::optional<std::int64_t> interrupt_after,
                               RunCheckpoint* checkpoint) {
  ChannelRunner runner(*driver_, 0, resolved, engine_options());
  for (auto* c : consumers) runner.subscribe(*c);
  if (interrupt_after) runner.interrupt_after(*interrupt_after);
  RunState final_state = RunState::running;
  auto done = [&final_state](RunState s) { final_state = s; };
  if (resume) {
    if (!resume->driver.is_null()) driver_->restore(0, resume->driver);
    runner.async_resume(*resume, done);
  } else {
    runner.async_run(done, driver_->cell(0).time_s());
  }
  io_.run();
  io_.restart();
  // Taken now: after an interruption the runner stopped between two samples, so it is exact.
  if (checkpoint) *checkpoint = runner.checkpoint();
  return final_state;
}

}  // namespace cyclerd

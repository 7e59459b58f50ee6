#include "daemon/lab/channel.hpp"

#include "daemon/channels.hpp"
#include "drivers/registry.hpp"

namespace cyclerd::lab {

void RunWatch::on_record(const RunRecord& r) {
  voltage_V = r.sample.voltage_V;
  current_A = r.sample.current_A;
  step_index = r.step_index;
  cycle_index = r.cycle_index;
}

void RunWatch::on_event(const RunEvent& e) {
  // The first failure says why the run failed; a later "run_failed" only repeats it.
  if ((e.kind == "safety_trip" || e.kind == "run_failed") && failure_kind.empty()) {
    failure_kind = e.kind;
    failure_message = e.message;
  }
}

std::string_view to_string(ChannelState state) {
  switch (state) {
    case ChannelState::idle: return "idle";
    case ChannelState::running: return "running";
    case ChannelState::paused: return "paused";
    case ChannelState::faulted: return "faulted";
    case ChannelState::offline: return "offline";
  }
  return "unknown";
}

Channel::Channel(ChannelConfig cfg, boost::asio::io_context& io)
    : config(std::move(cfg)), strand(boost::asio::make_strand(io)) {
  driver = make_driver(config.driver, strand, config.driver_config());
  capabilities = narrowed(driver->capabilities(0), config.limits);
}

ChannelState Channel::state() const {
  if (faulted) return ChannelState::faulted;
  if (!online) return ChannelState::offline;
  if (!run) return ChannelState::idle;
  return run->runner && run->runner->paused() ? ChannelState::paused : ChannelState::running;
}

std::string Channel::sim_preset() const {
  if (!is_sim()) return {};
  const std::string prefix = "sim://";
  if (config.uri.rfind(prefix, 0) != 0) return {};
  const auto rest = config.uri.substr(prefix.size());
  return rest.substr(0, rest.find_first_of("?/"));
}

}  // namespace cyclerd::lab

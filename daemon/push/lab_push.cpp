#include "daemon/push/lab_push.hpp"

#include <spdlog/spdlog.h>

#include "daemon/push/push_methods.hpp"

namespace cyclerd::push {

using nlohmann::json;

namespace {
std::shared_ptr<spdlog::logger> log() {
  auto logger = spdlog::get("push");
  return logger ? logger : spdlog::default_logger();
}
}  // namespace

LabPush::LabPush(boost::asio::io_context& io, lab::Lab& lab, rpc::MethodTable& methods) : lab_(lab), timer_(io) {
  add_push_methods(methods, lab.push_bus(), [&lab](std::int64_t run_id) { lab.run_info(run_id); });
  arm();
}

void LabPush::stop() {
  stopped_ = true;
  timer_.cancel();
}

void LabPush::arm() {
  timer_.expires_after(kProgressPeriod);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    tick();
    arm();
  });
}

void LabPush::tick() {
  TopicBus& bus = lab_.push_bus();
  if (!bus.wanted(Topic::runs_progress)) return;
  // runs.get's view of each executing run, with the channel's last voltage and current.
  for (const auto& channel : lab_.list()) {
    if (!channel["run_id"].is_number_integer()) continue;
    const auto run_id = channel["run_id"].get<std::int64_t>();
    try {
      bus.publish(Topic::runs_progress, run_id, [&] {
        json progress = lab_.run_status(lab_.run_info(run_id));
        progress["voltage_V"] = channel["voltage_V"];
        progress["current_A"] = channel["current_A"];
        return progress;
      });
    } catch (const std::exception& e) {
      // A reader hiccup costs one progress notification, never the daemon.
      log()->warn("progress of run {}: {}", run_id, e.what());
    }
  }
}

}  // namespace cyclerd::push

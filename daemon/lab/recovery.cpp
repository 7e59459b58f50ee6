// Unattended operation: at start, the runs the last daemon left executing continue from their checkpoint
// or hold, by the channel's on_restart policy; at SIGTERM every executing run stops between two samples
// with a checkpoint, every channel is made safe and storage is flushed.
#include <algorithm>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "daemon/lab/lab.hpp"

namespace cyclerd::lab {

using nlohmann::json;

void Lab::start() {
  for (auto& ch : channels_) {
    // Opening completes on the channel's strand; a channel that cannot open stays offline, the rest go on.
    ch->driver->async_open([this, c = ch.get()](std::optional<Error> e) {
      if (e) {
        spdlog::get("daemon")->error("channel {} is offline: {}", c->config.id, e->what());
        return;
      }
      if (c->is_sim()) {
        c->online = true;
        if (recovery_done_) start_next(*c);
        return;
      }
      // A real instrument may have been left sourcing by a daemon that died: before anything else its
      // output goes off, whatever runs it had.
      c->driver->async_safe(0, [this, c](std::optional<Error> safe_error) {
        if (safe_error) {
          spdlog::get("daemon")->error("channel {}: cannot make it safe: {}", c->config.id, safe_error->what());
        }
        c->online = true;
        // A real instrument that answers after the start recovers its runs and starts its queue then.
        if (!recovery_done_) return;
        recover(*c);
        start_next(*c);
      });
    });
  }
  // The simulated drivers open at once, so recovery finds them online; poll() leaves the context
  // stopped when it runs out of work, hence the restart.
  io_.poll();
  io_.restart();
  recover();
  recovery_done_ = true;
  for (auto& ch : channels_) start_next(*ch);
}

void Lab::recover() {
  auto log = spdlog::get("daemon");
  for (const auto& info : reader_->runs()) {
    const RunState state = run_state_from(info.state);
    const bool known = std::any_of(channels_.begin(), channels_.end(),
                                   [&](const auto& c) { return c->config.id == info.channel_id; });
    if (state == RunState::queued) {
      live_[info.id] = LiveRun{state, info.channel_id, 0};
      for (auto& ch : channels_) {
        if (ch->config.id == info.channel_id) ch->queue.push_back(info.id);
      }
      continue;
    }
    if (state != RunState::running && state != RunState::paused && state != RunState::interrupted) continue;
    live_[info.id] = LiveRun{state, info.channel_id, 0};
    if (!known) log->error("run {}: channel {} is not configured; the run stays {}", info.id, info.channel_id, info.state);
  }
  for (auto& ch : channels_) {
    if (ch->online) recover(*ch);
  }
}

void Lab::recover(Channel& ch) {
  auto log = spdlog::get("daemon");
  if (ch.recovered) return;
  ch.recovered = true;
  for (const auto& info : reader_->runs()) {
    if (info.channel_id != ch.config.id) continue;
    const RunState state = run_state_from(info.state);
    if (state != RunState::running && state != RunState::paused && state != RunState::interrupted) continue;
    if (ch.run) {
      log->error("run {}: channel {} already executes run {}; the run stays {}", info.id, ch.config.id,
                 ch.run->run_id, info.state);
      continue;
    }
    if (state == RunState::running) {
      record_state(info.id, RunState::interrupted, "cyclerd", "the daemon stopped under it (it was not shut down cleanly)");
    }
    const bool hold = ch.config.on_restart == RestartPolicy::hold;
    std::optional<RunCheckpoint> checkpoint;
    if (info.checkpoint_engine_state) {
      json cp = json::parse(*info.checkpoint_engine_state);
      cp["driver"] = info.checkpoint_driver_snapshot ? json::parse(*info.checkpoint_driver_snapshot) : json(nullptr);
      checkpoint = cp.get<RunCheckpoint>();
    }
    try {
      if (!checkpoint) {
        // Nothing was stored yet: the run starts again from its beginning.
        log->warn("run {}: no checkpoint, starting it again", info.id);
        live_[info.id] = LiveRun{RunState::queued, info.channel_id, 0};
        launch(ch, info, std::nullopt, false);
      } else if (checkpoint->driver.is_null() && !hold) {
        log->warn("run {}: channel {} cannot restore its instrument state; holding", info.id, ch.config.id);
        launch(ch, info, checkpoint, true);
      } else {
        log->info("run {}: {} from its checkpoint on {}", info.id, hold ? "holding" : "resuming", ch.config.id);
        launch(ch, info, checkpoint, hold);
      }
    } catch (const std::exception& e) {
      log->error("run {}: cannot be recovered: {}", info.id, e.what());
      ch.run.reset();
      record_state(info.id, RunState::failed, "cyclerd", std::string("cannot be recovered: ") + e.what());
    }
  }
}

void Lab::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  shutdown_done_ = [this, done = std::move(done)] {
    // Runs whose last rows storage still refuses: a last try, then they are named. Their stored state is
    // not final, so the next start resumes them from their last stored checkpoint.
    ended_retry_.reset();
    store_ended_runs();
    for (const auto& ch : channels_) {
      for (const auto& run : ch->ended_unstored) {
        spdlog::get("daemon")->error("run {}: its last rows were never stored; the next start resumes it from "
                                     "its last stored checkpoint", run->run_id);
      }
    }
    writer_->flush(std::chrono::seconds(10));
    done();
  };
  bool waiting = false;
  for (auto& ch : channels_) {
    if (!ch->run) {
      ch->driver->async_safe(0, [](std::optional<Error>) {});
      continue;
    }
    ActiveRun& run = *ch->run;
    if (run.runner->paused()) {
      // Already safe and checkpointed: it stays paused for the next start.
      run.storage->submit(run.runner->checkpoint());
      ch->run.reset();
      continue;
    }
    run.shutting_down = true;
    run.runner->interrupt_after(run.runner->samples());  // stop between this sample and the next
    waiting = true;
  }
  if (!waiting) std::exchange(shutdown_done_, nullptr)();
}

}  // namespace cyclerd::lab

// The Lab: the daemon's back half. One Channel per configured channel, a FIFO of runs per channel, the
// run lifecycle (DESIGN.md's run states, through the engine's transition table), recording into SQLite
// through one Writer, recovery at start, a safe shutdown, and alerts.
//
// Threading: every method runs on the io_context's one thread (the RPC handlers, the drivers' strands and
// the runners all run there); the Writer's callbacks are posted onto it. Strands keep each channel's
// operations ordered and make more io threads possible later.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "daemon/channels.hpp"
#include "daemon/config.hpp"
#include "daemon/lab/alerts.hpp"
#include "daemon/lab/channel.hpp"
#include "daemon/push/topic_bus.hpp"
#include "protocols/parser.hpp"
#include "schema/reader.hpp"
#include "schema/writer.hpp"

namespace cyclerd::lab {

// A run as the Lab keeps it in memory while the daemon lives (the database holds the rest).
struct LiveRun {
  RunState state = RunState::queued;
  std::string channel;
  // The batch holding its final state; the state is shown once that batch is stored. kNotSubmitted while
  // storage refuses it (Channel::ended_unstored).
  std::uint64_t final_sequence = 0;
  static constexpr std::uint64_t kNotSubmitted = UINT64_MAX;
};

class Lab final : public ChannelDirectory {
 public:
  // Opens the database (creating it) and every channel's driver; nothing runs until start().
  Lab(const Config& config, boost::asio::io_context& io);
  ~Lab() override;

  // Recovers the runs the last daemon left (interrupted: resume or hold by on_restart), reloads the
  // queues and starts the channels.
  void start();
  // SIGTERM: every executing run stops between two samples with a checkpoint and becomes interrupted,
  // every channel is made safe, storage is flushed; then `done`.
  void shutdown(std::function<void()> done);

  // ChannelDirectory
  nlohmann::json list() const override;
  std::string list_text() const override;
  nlohmann::json get(std::string_view id) const override;
  Capabilities capabilities(std::string_view id) const override;
  // channels.reset: clears `faulted` after a person has looked.
  void reset_channel(const std::string& id, const std::string& who);

  // Cells.
  void create_cell(const store::CellRow& cell);
  std::vector<store::CellRow> cells();
  std::optional<store::CellRow> cell(std::string_view name);
  std::optional<CellInfo> cell_info(std::string_view name);

  // Runs. submit() validates everything first and throws RpcError validation_failed with all errors.
  std::int64_t submit(const nlohmann::json& params, const std::string& who);
  void pause(std::int64_t run_id, const std::string& who);
  void resume(std::int64_t run_id, const std::string& who);
  void stop(std::int64_t run_id, const std::string& who);
  // Ends the present step of an executing run now; the run goes on with the next step.
  void skip_step(std::int64_t run_id, const std::string& who);
  void cancel(std::int64_t run_id, const std::string& who);
  void note(std::int64_t run_id, const std::string& text, const std::string& who);
  // A run's state as clients see it (a final state once it is stored), progress and times.
  nlohmann::json run_status(const store::RunInfo& info);
  store::RunInfo run_info(std::int64_t run_id);

  store::Reader& reader() { return *reader_; }
  store::Writer& writer() { return *writer_; }
  const Alerts& alerts() const { return alerts_; }
  const Config& config() const { return config_; }
  // Where samples, cycle summaries and events are pushed to subscribers as they arise (daemon/push).
  push::TopicBus& push_bus() { return push_; }

 private:
  Channel& channel(std::string_view id);
  const Channel& channel(std::string_view id) const;
  ActiveRun* active(std::int64_t run_id, Channel** on = nullptr);
  nlohmann::json status(const Channel& ch) const;

  // run_lifecycle.cpp
  void start_next(Channel& ch);
  void launch(Channel& ch, const store::RunInfo& info, const std::optional<RunCheckpoint>& resume, bool hold);
  void on_done(Channel& ch, RunState state);
  void on_paused(Channel& ch);
  void record_state(std::int64_t run_id, RunState state, const std::string& who, const std::string& why);
  void storage_status(const store::StorageStatus& status);
  void pause_for_storage(ActiveRun& run, const std::string& why);
  void set_state(std::int64_t run_id, RunState state);
  // Hands storage the last rows of runs that ended while it refused them; retries every second while any
  // wait (storage may recover without a `recovered` status: a queue that was full drains).
  void store_ended_runs();

  // recovery.cpp
  void recover();
  void recover(Channel& ch);  // the runs one channel left executing, once it is online and safe

  Config config_;
  boost::asio::io_context& io_;
  push::TopicBus push_;  // first built, last destroyed: every run's consumer points at it
  std::unique_ptr<store::Writer> writer_;
  std::unique_ptr<store::Reader> reader_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::map<std::int64_t, LiveRun> live_;
  Alerts alerts_;
  std::function<void()> shutdown_done_;
  bool shutting_down_ = false;  // shutdown() was called: no new retry timers (io.run() must be able to end)
  bool recovery_done_ = false;  // channels that open later recover on their own
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // posted writer callbacks check it
  std::unique_ptr<boost::asio::steady_timer> ended_retry_;  // store_ended_runs' retry while rows wait
};

// The protocol of a run as stored: its text (a protocol object) and overrides, parsed again.
ParseResult parse_run_protocol(const std::string& text, const nlohmann::json& params);

}  // namespace cyclerd::lab

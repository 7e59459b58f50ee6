// The storage consumer: turns one run's stream (records, step and cycle ends, events) into store:: rows
// and hands them to the Writer in batches, each closed by the run's checkpoint taken at the same moment
// between two samples, so that after any crash the stored data and the checkpoint agree. It also runs the
// run's live analyzers (an AnalysisFeed) and stores their results in the same batches, so they agree with
// the samples too. The daemon and `cyclerctl simulate --db` both record through it. A consumer made for a
// run resumed from its checkpoint first rebuilds the cycle-level analyzers from the run's stored cycles, so
// that its analysis equals an uninterrupted run's. A simulation faster than real time is slowed to what
// storage takes (back-pressure) instead of being refused and paused.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "analysis/gitt.hpp"
#include "daemon/lab/stored_results.hpp"
#include "daemon/push/topic_bus.hpp"
#include "protocols/runner/analysis_feed.hpp"
#include "protocols/runner/channel_runner.hpp"
#include "schema/writer.hpp"

namespace cyclerd::lab {

// A protocol's steps numbered 1, 2, ... in document order (BDF's Step Index), with their kinds.
class StepNumbers {
 public:
  explicit StepNumbers(const Protocol& protocol);
  std::int64_t id(std::string_view pointer) const;
  std::string kind(std::string_view pointer) const;

 private:
  void add(const std::vector<Step>& steps);
  std::map<std::string, std::pair<std::int64_t, std::string>, std::less<>> steps_;
};

// What the consumer needs to know about its run.
struct StoredRun {
  std::int64_t run_id = 0;
  double active_mass_g = 0;
  double start_unix_s = 0;   // unix time of test time 0 (a real-time channel: unix = start + test time)
  push::TopicBus* push = nullptr;  // subscribers get each sample, cycle summary and event as it is added
  // An accelerated simulation runs ahead of the wall clock: its samples and events are stamped with the
  // wall time they were taken at (never decreasing) instead of start + test time, which lies in the future.
  bool wall_clock_time = false;
  // Set for a simulation faster than real time: before it hands the writer a batch that would take the
  // writer's queue past its high-water mark, the run takes no sample until the writer has taken the queue,
  // and goes on on this executor (the channel's strand). Nothing is refused and the run does not pause.
  // Unset for real-time channels: an instrument cannot wait (and its batches are small).
  std::optional<boost::asio::any_io_executor> wait_for_storage;
};

// The live analysis options of a run: the cell's mass and material (for GITT diffusion coefficients),
// the protocol's voltage window.
analysis::ChannelAnalysisOptions analysis_options(const Protocol& protocol, const StoredRun& run,
                                                  const analysis::GittMaterial& material = {});

class StorageConsumer : public RunConsumer {
 public:
  // Called when the writer refused a batch (queue full, storage failing); the run must pause.
  using Refused = std::function<void(const std::string& why)>;

  // `material`: the cell's, for the GITT analyzer's diffusion coefficients (its mass is the run's).
  // Reads the run's stored cycles and GITT pulses from the writer's database (none for a new run); throws
  // storage_error naming the file if it cannot be read.
  StorageConsumer(store::Writer& writer, ChannelRunner& runner, const Protocol& protocol, StoredRun run,
                  Refused refused, const analysis::GittMaterial& material = {});

  void on_record(const RunRecord& r) override;
  void on_step_end(const StepEnd& s) override;
  void on_cycle_end(const CycleEnd& c) override;
  void on_event(const RunEvent& e) override;
  void on_spectrum(std::int64_t step_index, const std::vector<ImpedancePoint>& spectrum) override;
  // A run that ended (not one interrupted: it goes on after a restart) publishes its final analysis.
  void on_run_end(RunState state) override;

  // Adds a state change (and its event) to the pending batch.
  void add_state(RunState state, const std::string& who, const std::string& why);
  // Submits what is pending with `checkpoint` (exact: taken between two samples). False when the
  // writer refused it; the rows stay pending for the next attempt. On success, the batch's sequence.
  bool submit(const RunCheckpoint& checkpoint, std::uint64_t* sequence = nullptr);
  bool has_pending() const { return batch_.row_count() > 0; }
  const AnalysisFeed& analysis() const { return analysis_; }

 private:
  void maybe_submit();
  // The runner's sample gate (wait_for_storage): true when the batch about to be handed over has room.
  bool room_for_batch(ChannelRunner::GatePoint point, std::function<void()> go_on);
  // A resumed run: replays its stored cycle summaries through the analyzers (their results are counted, not
  // stored again: they are stored already) and numbers new GITT pulses on after the stored ones.
  void rebuild_from_storage();
  // The analyzers' sink: the latest result per (kind, key) waits in the pending batch.
  void store_result(std::string_view kind, const nlohmann::json& row);
  double unix_of(double channel_t_s);

  store::Writer& writer_;
  ChannelRunner& runner_;
  StepNumbers steps_;
  StoredRun run_;
  Refused refused_;
  store::RecordBatch batch_;
  bool checkpoint_asked_ = false;
  bool refused_reported_ = false;
  std::int64_t step_first_index_ = -1;
  std::int64_t last_index_ = -1;
  double last_unix_s_ = 0;  // the latest stamp given (wall_clock_time: stamps never go back)
  std::chrono::steady_clock::time_point last_submit_ = std::chrono::steady_clock::now();
  std::size_t checkpoint_bytes_ = 0;  // the last checkpoint's size: the next one's estimate
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // a held run's wake-up checks it is still here
  std::map<std::string, std::int64_t, std::less<>> result_counts_;  // results so far per kind
  bool replaying_ = false;          // results come from stored cycles: count them, store nothing
  int gitt_pulse_offset_ = 0;       // pulses stored before a restart (the analyzer counts from 1 again)
  AnalysisFeed analysis_;  // last: its sink writes into the members above
};

}  // namespace cyclerd::lab

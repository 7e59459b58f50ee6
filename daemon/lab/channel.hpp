// One channel of the Lab: its driver on its own strand, its FIFO of queued runs and the run it executes.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <nlohmann/json.hpp>

#include "daemon/config.hpp"
#include "daemon/lab/storage_consumer.hpp"
#include "drivers/driver.hpp"
#include "protocols/runner/channel_runner.hpp"

namespace cyclerd::lab {

// What channels.get shows of a run while it executes: the last sample and where the engine is.
class RunWatch : public RunConsumer {
 public:
  void on_record(const RunRecord& r) override;
  void on_event(const RunEvent& e) override;

  std::optional<double> voltage_V, current_A;
  std::int64_t step_index = 0;
  int cycle_index = 0;
  std::string failure_kind;     // "safety_trip" or "run_failed" (an instrument or engine error)
  std::string failure_message;
};

// The run a channel executes, with everything that listens to it.
struct ActiveRun {
  std::int64_t run_id = 0;
  std::string cell;
  std::string protocol_name;
  double active_mass_g = 0;
  std::int64_t top_level_steps = 1;
  std::unique_ptr<ChannelRunner> runner;
  std::unique_ptr<StorageConsumer> storage;
  RunWatch watch;
  std::chrono::steady_clock::time_point started_wall = std::chrono::steady_clock::now();
  std::string pause_who, pause_why;   // who asked for the pause under way, and why
  bool paused_by_storage = false;
  bool shutting_down = false;          // SIGTERM: the run ends as interrupted
};

// Channel states as channels.list reports them.
enum class ChannelState { idle, running, paused, faulted, offline };
std::string_view to_string(ChannelState state);

// channels.list's text of one channel as last built (Lab::list_text), and what it showed then: the text
// is rebuilt when any of that changes, or when its voltage and current are older than the allowed age.
struct StatusText {
  using Key = std::tuple<ChannelState, std::int64_t, std::int64_t, int, std::size_t, bool, std::string>;
  std::string text;
  Key key;
  std::chrono::steady_clock::time_point built{};
};

struct Channel {
  Channel(ChannelConfig config, boost::asio::io_context& io);

  ChannelState state() const;
  // The preset named by a sim:// URI ("sim://zns?seed=2" -> "zns"); empty for other drivers.
  std::string sim_preset() const;
  bool is_sim() const { return config.driver == "sim"; }

  ChannelConfig config;
  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  std::unique_ptr<Driver> driver;
  Capabilities capabilities;
  bool online = false;
  bool faulted = false;
  bool recovered = false;              // the runs it left executing have been taken up (once per start)
  std::string fault_reason;
  std::deque<std::int64_t> queue;      // run ids, first in first out
  std::unique_ptr<ActiveRun> run;
  // Runs that ended while storage refused their last rows (the final state among them): kept, consumer and
  // all, until storage takes the rows (Lab::store_ended_runs), so an end under a storage fault loses nothing.
  std::vector<std::unique_ptr<ActiveRun>> ended_unstored;
  mutable StatusText status_text;      // a cache of channels.list's entry, kept on the io thread
};

}  // namespace cyclerd::lab

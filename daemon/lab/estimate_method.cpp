// protocols.estimate: a dry run of a protocol through the channel runner on a simulated clone of the cell.
// The dry run can take seconds (an 1800-cycle protocol is millions of samples), so it runs on worker
// threads and answers later: the io thread keeps serving the other clients and the channels meanwhile.
#include <atomic>
#include <memory>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include "daemon/lab/lab_methods.hpp"
#include "protocols/library.hpp"
#include "protocols/resolve.hpp"
#include "protocols/runner/run_totals.hpp"
#include "protocols/runner/simulated_channel.hpp"
#include "protocols/validate.hpp"

namespace cyclerd::lab {

using nlohmann::json;
using rpc::ParamType;

namespace {

// Dry runs at once (the machine's other cores belong to the channels) and waiting behind them; beyond
// that a client is told to try again instead of queueing work nobody may wait for.
constexpr std::size_t kWorkers = 2;
constexpr std::size_t kMaxWaiting = 6;

// Thrown out of the runner from a record when the daemon stops: the dry run ends at once.
struct Cancelled {};

class CancelWatch : public RunConsumer {
 public:
  explicit CancelWatch(const std::atomic<bool>& stop) : stop_(stop) {}
  void on_record(const RunRecord&) override {
    if (stop_.load(std::memory_order_relaxed)) throw Cancelled{};
  }

 private:
  const std::atomic<bool>& stop_;
};

// The worker threads of the dry runs; destroyed with the method table, before the io_context.
class DryRuns {
 public:
  DryRuns() : pool_(kWorkers) {}
  ~DryRuns() {
    stop_ = true;  // running dry runs stop at their next record; waiting ones answer at once
    pool_.join();
  }
  DryRuns(const DryRuns&) = delete;
  DryRuns& operator=(const DryRuns&) = delete;

  // Queues `job` unless too many are under way; it gets the flag that says the daemon is stopping.
  bool try_start(std::function<void(const std::atomic<bool>& stop)> job) {
    if (in_flight_.fetch_add(1) >= kWorkers + kMaxWaiting) {
      --in_flight_;
      return false;
    }
    boost::asio::post(pool_, [this, job = std::move(job)] {
      job(stop_);
      --in_flight_;
    });
    return true;
  }

 private:
  boost::asio::thread_pool pool_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> in_flight_{0};
};

// Everything the dry run needs, prepared on the io thread (the Lab's reader is not shared with workers).
struct DryRun {
  std::string preset;
  double mass_g = 0;
  Protocol resolved;
};

DryRun prepare(Lab& lab, const json& p) {
  const auto cell = lab.cell(rpc::string_param(p, "cell"));
  if (!cell) throw rpc::RpcError::not_found("unknown cell \"" + p["cell"].get<std::string>() + "\"");
  std::string preset = cell->sim_preset.value_or("zns-znse");
  if (!cell->sim_preset && p.contains("channel")) {
    const auto ch = lab.get(rpc::string_param(p, "channel"));
    const std::string uri = ch["uri"];
    if (uri.rfind("sim://", 0) == 0) preset = uri.substr(6, uri.find_first_of("?/", 6) - 6);
  }
  std::string text;
  if (p["protocol"].is_string()) {
    const auto t = library_protocol_text(p["protocol"].get<std::string>());
    if (!t) throw rpc::RpcError::not_found("unknown library protocol " + p["protocol"].dump());
    text = std::string(*t);
  } else {
    text = p["protocol"].dump();
  }
  auto parsed = parse_run_protocol(text, p.value("params", json::object()));
  const double mass_g = cell->active_mass_mg * 1e-3;
  CellInfo info{mass_g, cell->nominal_capacity_mAh ? std::optional<double>(*cell->nominal_capacity_mAh / 1e3) : std::nullopt};
  std::vector<ValidationError> errors = parsed.errors;
  if (parsed.ok()) {
    // The clone's capabilities: what the simulated cell can do (built here only to ask it).
    SimulatedChannel probe(SimulatedCell{preset, mass_g, 1});
    errors = validate(*parsed.protocol, {probe.driver().capabilities(0), info});
  }
  if (!errors.empty()) {
    std::vector<rpc::FieldError> fields;
    for (const auto& e : errors) fields.push_back({e.pointer, e.message});
    throw rpc::RpcError::validation_failed("the protocol has problems", fields);
  }
  return {preset, mass_g, resolve(*parsed.protocol, info)};
}

// A dry run stops after `max_samples` (Config::estimate_max_samples) with a partial estimate, flagged, whose
// figures are lower bounds: a mistaken protocol (a loop of a million cycles) cannot hold a worker for hours.
json dry_run(const DryRun& run, std::int64_t max_samples, const std::atomic<bool>& stop) {
  SimulatedChannel clone(SimulatedCell{run.preset, run.mass_g, 1});
  RunTotals totals;
  CancelWatch cancel(stop);
  RunState state = RunState::queued;
  try {
    state = clone.run(run.resolved, {&totals, &cancel}, std::nullopt, max_samples);
  } catch (const Cancelled&) {
    throw rpc::RpcError::invalid_state("the daemon is stopping; the estimate was abandoned");
  }
  json out = totals.to_json();
  out["preset"] = run.preset;
  const bool truncated = state == RunState::interrupted;
  out["truncated"] = truncated;
  if (truncated) {
    out["note"] = "partial estimate: the dry run stopped after " + std::to_string(max_samples) +
                  " samples; duration, cycles and records are lower bounds";
  }
  return out;
}

}  // namespace

void add_estimate_method(rpc::MethodTable& table, Lab& lab) {
  auto workers = std::make_shared<DryRuns>();
  table.add({
      .name = "protocols.estimate",
      .role = rpc::Role::viewer,
      .params = {{"protocol", ParamType::any, true, "a library name or a protocol object"},
                 {"cell", ParamType::string, true, "a stored cell's name"},
                 {"channel", ParamType::string, false, "simulate this channel's preset"},
                 {"params", ParamType::object, false, "parameter overrides"}},
      .handler = {},
      .summary = "dry run on a simulated clone: duration, cycles, records, limit hits (answers when done; "
                 "\"truncated\": true marks a partial estimate)",
      .async_handler =
          [&lab, workers](const json& p, const rpc::Caller&, rpc::Completion done) {
            // Errors in the request are answered at once, from here; only a sound dry run goes to a worker.
            auto run = std::make_shared<DryRun>(prepare(lab, p));
            const auto max_samples = lab.config().estimate_max_samples;
            const bool started = workers->try_start([run, done, max_samples](const std::atomic<bool>& stop) {
              try {
                json out = dry_run(*run, max_samples, stop);
                done([out = std::move(out)] { return out; });
              } catch (const rpc::RpcError& e) {
                done([e]() -> json { throw e; });
              } catch (const std::exception& e) {
                const std::string what = e.what();
                done([what]() -> json { throw std::runtime_error("dry run failed: " + what); });
              }
            });
            if (!started) {
              throw rpc::RpcError::invalid_state("the daemon is already busy with " +
                                                 std::to_string(kWorkers + kMaxWaiting) +
                                                 " estimates; try again when one has answered");
            }
          },
  });
}

}  // namespace cyclerd::lab

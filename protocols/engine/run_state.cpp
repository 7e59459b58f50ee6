#include "protocols/engine/run_state.hpp"

#include <array>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace cyclerd {
namespace {

struct Row {
  RunState from;
  std::vector<RunState> to;
};

// The whole lifecycle as data: a run is queued, runs, may pause, and ends in exactly one terminal state.
// `interrupted` is the daemon stopping under a run; it resumes or is stopped by a person.
const std::array<Row, 8>& table() {
  using S = RunState;
  static const std::array<Row, 8> rows{{
      {S::queued, {S::running, S::cancelled}},
      {S::running, {S::paused, S::completed, S::stopped, S::failed, S::interrupted}},
      {S::paused, {S::running, S::stopped, S::failed, S::interrupted}},
      {S::interrupted, {S::running, S::paused, S::stopped, S::failed}},
      {S::completed, {}},
      {S::stopped, {}},
      {S::cancelled, {}},
      {S::failed, {}},
  }};
  return rows;
}

constexpr std::array<std::pair<RunState, std::string_view>, 8> kNames{{
    {RunState::queued, "queued"},
    {RunState::running, "running"},
    {RunState::paused, "paused"},
    {RunState::completed, "completed"},
    {RunState::stopped, "stopped"},
    {RunState::cancelled, "cancelled"},
    {RunState::failed, "failed"},
    {RunState::interrupted, "interrupted"},
}};

}  // namespace

std::string_view to_string(RunState state) {
  for (const auto& [s, name] : kNames) {
    if (s == state) return name;
  }
  return "unknown";
}

RunState run_state_from(std::string_view name) {
  std::string known;
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  throw Error(ErrorCode::invalid_input, "unknown run state \"" + std::string(name) + "\"; known: " + known);
}

const std::vector<RunState>& legal_transitions(RunState from) {
  for (const auto& row : table()) {
    if (row.from == from) return row.to;
  }
  throw Error(ErrorCode::internal, "run state missing from the transition table");
}

bool is_terminal(RunState state) { return legal_transitions(state).empty(); }

RunState transition(RunState from, RunState to) {
  const auto& legal = legal_transitions(from);
  for (const RunState s : legal) {
    if (s == to) return to;
  }
  std::string message = "a run cannot go from " + std::string(to_string(from)) + " to " + std::string(to_string(to));
  if (legal.empty()) {
    message += ": " + std::string(to_string(from)) + " is final (submit a new run instead)";
  } else {
    message += "; from " + std::string(to_string(from)) + " it can go to: ";
    for (std::size_t i = 0; i < legal.size(); ++i) message += (i ? ", " : "") + std::string(to_string(legal[i]));
  }
  throw Error(ErrorCode::invalid_state, message);
}

}  // namespace cyclerd

// Run states (DESIGN.md) and the table of legal transitions between them.
#pragma once

#include <string_view>
#include <vector>

namespace cyclerd {

enum class RunState { queued, running, paused, completed, stopped, cancelled, failed, interrupted };

// "queued", "running", ... as in the API.
std::string_view to_string(RunState state);
// The state named `name`; throws Error(invalid_input) naming the known states.
RunState run_state_from(std::string_view name);
// The states `from` may go to, in table order (empty for the terminal states).
const std::vector<RunState>& legal_transitions(RunState from);
// True when nothing may follow (completed, stopped, cancelled, failed).
bool is_terminal(RunState state);
// `to`, if the table allows it; otherwise throws Error(invalid_state) naming the legal targets.
RunState transition(RunState from, RunState to);

}  // namespace cyclerd

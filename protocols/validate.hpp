// Checks a protocol before anything runs: values, ranges against the channel and the safety limits,
// what the cell must provide, missing and impossible end conditions. Reports all problems at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/driver.hpp"
#include "protocols/diagnostics.hpp"
#include "protocols/parser.hpp"
#include "protocols/protocol.hpp"

namespace cyclerd {

// What the protocol will run on; each part is optional, and the checks that need it are skipped
// without it (protocols.validate may be called with neither a cell nor a channel).
struct ValidationContext {
  std::optional<Capabilities> channel;
  std::optional<CellInfo> cell;
};

// Every problem of a parsed protocol in `context`, each with a pointer and what would be right.
std::vector<ValidationError> validate(const Protocol& protocol, const ValidationContext& context = {});

// Parses and validates in one call (what protocols.validate and runs.submit need): the protocol is
// set only when there are no errors. Never throws for bad input.
ParseResult check_protocol(std::string_view json_text, const std::vector<std::string>& overrides = {},
                           const ValidationContext& context = {});

}  // namespace cyclerd

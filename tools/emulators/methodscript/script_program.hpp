// The emulator's reading of a MethodSCRIPT: the subset the `methodscript` driver emits, parsed into
// statements, with the device's own error codes (`!4001: Line L, Col C`) for anything else.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cyclerd::emulator {

// One script line: a command, its arguments, and (for measurement loops) the lines up to `endloop`.
// An `if` holds its branches as statements named "branch": the condition's three arguments (variable,
// comparison, value) and the lines up to the next elseif/else/endif; an `else` branch has none.
struct Statement {
  int line = 0;                    // 1-based line number within the script (the `e` line is line 1)
  std::string command;
  std::vector<std::string> args;
  std::vector<Statement> body;
};

struct Program {
  std::vector<std::string> variables;   // declared with `var`
  std::vector<Statement> main;
  std::vector<Statement> on_finished;   // after `on_finished:`; runs at the end and after an abort
};

// A refused script: the device's error code and where.
struct ScriptError {
  unsigned code = 0;
  int line = 0;
  int column = 1;
};

// Parses the script's lines (the `e` line first, without the terminating empty line). Returns the
// program, or the error the device answers with.
struct ParseResult {
  std::optional<Program> program;
  ScriptError error;
};
ParseResult parse_script(const std::vector<std::string>& lines, bool has_galvanostat);

// Whether `left op right` holds for a comparison of `if`/`elseif` (<, <=, >, >=, ==, !=).
bool compare(double left, const std::string& op, double right);

// A literal argument (integer mantissa with an optional SI prefix or `i`), or nullopt if it is not one.
std::optional<double> parse_literal(const std::string& text);

}  // namespace cyclerd::emulator

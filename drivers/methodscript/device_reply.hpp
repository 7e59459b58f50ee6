// What a MethodSCRIPT instrument prints: command echoes, errors and the output of a running script.
//
// Every command is one line; the device echoes the command's first character and ends the answer with
// a newline. A refused command answers its character followed by `!XXXX` (a hexadecimal error code),
// script errors add `: Line L` and `, Col C`. A running script prints `MXXXX` when a measurement loop
// starts and `*` when it ends, `L`/`+` around a plain loop, `Cxxxx`/`-` around each scan of an `nscans`
// loop, `P...` data packages and `T...` text; an empty line means the script is over. `Z` aborts a
// running script (the loop ends with `*`, `on_finished:` runs, the empty line follows); with no script
// running it answers `Z!0006`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cyclerd::methodscript {

// A `!XXXX` error, with the command it answered and where in a script it happened, if said.
struct DeviceError {
  char command = 0;             // the echoed command character, 0 when the error stood alone
  unsigned code = 0;
  std::optional<int> line;      // script line (1-based) of a script error
  std::optional<int> column;

  // "device error 0x4001 (the script command is unknown) at script line 3, column 1".
  std::string describe() const;
};

// What one line of device output is.
enum class LineKind {
  script_end,        // the empty line: the script is over (or an answer to a bare newline)
  package,           // P...
  loop_start,        // MXXXX: a measurement loop began
  loop_end,          // *
  plain_loop_start,  // L
  plain_loop_end,    // +
  scan_start,        // Cxxxx
  scan_end,          // -
  text,              // T...
  error,             // !XXXX, possibly after an echoed command character
  echo,              // a command's echo without an error (e.g. "e", "Z", "tes4_hr...")
};

// Classifies a line (without its terminator); `error` is filled for LineKind::error. Never throws.
LineKind classify(std::string_view line, DeviceError* error = nullptr);

// Parses `!XXXX[: Line L[, Col C]]`, optionally after one command character; nullopt if it is not one.
std::optional<DeviceError> parse_device_error(std::string_view line);

// The manual's meaning of an error code, in a few words; "unknown error code" for others.
std::string_view error_meaning(unsigned code);

// Error codes the driver and the emulator use by name.
namespace error_code {
inline constexpr unsigned unknown_command = 0x0003;
inline constexpr unsigned bad_argument = 0x0007;
inline constexpr unsigned no_script_running = 0x0006;  // what `Z` answers when nothing runs
inline constexpr unsigned invalid_potential = 0x000F;
inline constexpr unsigned not_supported = 0x001B;
inline constexpr unsigned script_syntax = 0x4000;
inline constexpr unsigned script_unknown_command = 0x4001;
inline constexpr unsigned script_bad_argument = 0x4002;
inline constexpr unsigned script_argument_out_of_range = 0x4003;
inline constexpr unsigned script_variable_undefined = 0x4007;
inline constexpr unsigned fatal = 0x7FFF;
}  // namespace error_code

}  // namespace cyclerd::methodscript

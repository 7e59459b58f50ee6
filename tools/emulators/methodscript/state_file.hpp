// What the emulated instrument is doing, written to a file for tests (`--state-file FILE`): a real
// instrument cannot be asked once its host is gone, but a test must still see that the script left its
// loop and switched the cell off.
//
// The file holds one line, replaced whole on every change (written aside, then renamed, so a reader
// never sees half of it): `script=running|idle cell=on|off loop=<technique> loop_end=<why>
// potential_V=<last> current_A=<last>`, where why is run_time (the loop's points ran out), breakloop
// (the script left it) or abort (`Z`).
#pragma once

#include <mutex>
#include <string>

namespace cyclerd::emulator {

struct DeviceState {
  bool script_running = false;
  bool cell_on = false;
  std::string loop = "none";      // the last measurement loop that ended
  std::string loop_end = "none";  // why it ended
  double potential_V = 0;         // the last measured point
  double current_A = 0;
};

class StateFile {
 public:
  // An empty path writes nothing.
  explicit StateFile(std::string path) : path_(std::move(path)) {}
  void write(const DeviceState& state);

 private:
  std::string path_;
  std::mutex mutex_;
};

}  // namespace cyclerd::emulator

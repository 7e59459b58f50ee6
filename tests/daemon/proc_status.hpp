// A field of /proc/PID/status in kB (VmRSS, VmHWM, RssAnon, ...), for tests that watch the daemon's memory.
#pragma once

#include <sys/types.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace cyclerd::test {

// -1 when the process or the field is not there.
inline long proc_status_kB(pid_t pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  const std::string prefix = std::string(field) + ":";
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(prefix, 0) == 0) return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
  }
  return -1;
}

}  // namespace cyclerd::test

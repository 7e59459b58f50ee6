#include "tools/emulators/methodscript/state_file.hpp"

#include <cstdio>
#include <fstream>

namespace cyclerd::emulator {

void StateFile::write(const DeviceState& s) {
  if (path_.empty()) return;
  std::lock_guard lock(mutex_);
  const std::string aside = path_ + ".new";
  {
    std::ofstream out(aside, std::ios::trunc);
    out.precision(9);
    out << "script=" << (s.script_running ? "running" : "idle") << " cell=" << (s.cell_on ? "on" : "off")
        << " loop=" << s.loop << " loop_end=" << s.loop_end << " potential_V=" << s.potential_V
        << " current_A=" << s.current_A << "\n";
  }
  std::rename(aside.c_str(), path_.c_str());
}

}  // namespace cyclerd::emulator

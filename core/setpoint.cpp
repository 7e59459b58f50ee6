#include "core/setpoint.hpp"

namespace cyclerd {

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::rest: return "rest";
    case Mode::current: return "current";
    case Mode::voltage: return "voltage";
    case Mode::sweep: return "sweep";
    case Mode::eis: return "eis";
  }
  return "unknown";
}

}  // namespace cyclerd

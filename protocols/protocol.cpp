#include "protocols/protocol.hpp"

#include "protocols/diagnostics.hpp"

namespace cyclerd {

std::string_view to_string(StepKind kind) {
  switch (kind) {
    case StepKind::rest: return "rest";
    case StepKind::cc: return "cc";
    case StepKind::cv: return "cv";
    case StepKind::cccv: return "cccv";
    case StepKind::sweep: return "sweep";
    case StepKind::pulse: return "pulse";
    case StepKind::eis: return "eis";
    case StepKind::loop: return "loop";
  }
  return "unknown";
}

std::string Step::where(std::string_view field) const {
  if (!text.empty()) return pointer;
  return pointer_append(pointer, field);
}

}  // namespace cyclerd

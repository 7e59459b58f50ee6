// Which samples are recorded: any record condition (dt, dV, dI, dQ; OR-ed) since the last record.
#pragma once

#include "core/sample.hpp"
#include "protocols/engine/engine_state.hpp"
#include "protocols/protocol.hpp"

namespace cyclerd {

// True when `sample` meets one of `conditions` (one per second when none are given), measured from
// `last`; a sample is always recorded when there is no last record. `throughput_Ah` is the run's
// total |charge| so far; `conditions.dI` must already be in amperes.
bool should_record(const RecordConditions& conditions, const LastRecord& last, const Sample& sample,
                   double throughput_Ah);

// Remembers `sample` as the last record.
void remember_record(LastRecord& last, const Sample& sample, double throughput_Ah);

}  // namespace cyclerd

// The Lab's JSON-RPC methods: cells.*, runs.*, channels.reset and protocols.estimate. Reads are viewer,
// changes operator; every change passes the caller's name to the Lab, which records it with the event.
#pragma once

#include "daemon/lab/lab.hpp"
#include "daemon/rpc/method_table.hpp"

namespace cyclerd::lab {

// cells.create, cells.list, cells.get.
void add_cell_methods(rpc::MethodTable& table, Lab& lab);
// runs.submit/list/get/pause/resume/stop/cancel/skip_step/note/samples/cycles/events/export, channels.reset.
void add_run_methods(rpc::MethodTable& table, Lab& lab);
// protocols.estimate: a dry run on a simulated clone through the channel runner.
void add_estimate_method(rpc::MethodTable& table, Lab& lab);

}  // namespace cyclerd::lab

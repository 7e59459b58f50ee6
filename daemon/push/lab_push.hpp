// Wires the Lab to its topic bus: the subscribe/unsubscribe methods (checking that a run exists) and the
// runs.progress ticker. Samples, cycle summaries and events are published by the Lab itself as they
// arise (record_topics.hpp); progress is a view of the whole run, so it is sampled once a second instead.
#pragma once

#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/lab/lab.hpp"
#include "daemon/rpc/method_table.hpp"

namespace cyclerd::push {

// runs.progress is sent this often per executing run: a person's view needs no more, and 256 channels
// then cost 256 small notifications a second at most.
inline constexpr auto kProgressPeriod = std::chrono::seconds(1);

class LabPush {
 public:
  // Adds subscribe/unsubscribe to `methods` and starts the progress ticker on `io`.
  LabPush(boost::asio::io_context& io, lab::Lab& lab, rpc::MethodTable& methods);
  // Stops the ticker (at shutdown: the io_context returns once nothing is pending).
  void stop();

 private:
  void arm();
  void tick();

  lab::Lab& lab_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace cyclerd::push

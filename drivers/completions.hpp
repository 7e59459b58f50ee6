// Deferred completion of driver operations on the driver's executor.
//
// Handlers must never run inline from the initiating call, and must not run after the driver that
// scheduled them is gone. A driver owns one Completions; closing it (or destroying it) drops every
// completion still pending, so the scheduled functions may safely capture the driver's `this`.
// Like the driver, it is used from one thread or strand at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

namespace cyclerd {

class Completions {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Completions(boost::asio::any_io_executor executor);
  ~Completions();
  Completions(const Completions&) = delete;
  Completions& operator=(const Completions&) = delete;

  // The executor every completion runs on.
  const boost::asio::any_io_executor& executor() const { return executor_; }
  // Runs `fn` soon on the executor (posted, never inline). A template, so that the per-sample path
  // of a fast simulated channel does not pay for a type-erased std::function.
  template <class F>
  void post(F&& fn) {
    if (closed()) return;
    note_posted();
    boost::asio::post(executor_, [state = state_, fn = std::forward<F>(fn)]() mutable {
      if (run_posted(*state)) fn();
    });
  }
  // Runs `fn` on the executor at `when` (or soon, if `when` has passed).
  void at(Clock::time_point when, std::function<void()> fn);
  // Runs `fn` after `delay`.
  void after(Clock::duration delay, std::function<void()> fn) { at(Clock::now() + delay, std::move(fn)); }
  // Drops every pending completion; later post()/at() calls are dropped too.
  void close();
  // Completions scheduled and not yet run (for tests and diagnostics).
  std::size_t pending() const;

 private:
  struct State;
  bool closed() const;
  void note_posted();
  // Accounts for a posted completion about to run; false if it must be dropped (closed meanwhile).
  static bool run_posted(State& state);
  boost::asio::any_io_executor executor_;
  std::shared_ptr<State> state_;
};

}  // namespace cyclerd

#include "drivers/completions.hpp"

#include <set>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace cyclerd {

// Shared with the queued handlers, which outlive a closed Completions until the executor runs them.
struct Completions::State {
  bool closed = false;
  std::size_t posted = 0;
  std::set<std::shared_ptr<boost::asio::steady_timer>> timers;
};

Completions::Completions(boost::asio::any_io_executor executor)
    : executor_(std::move(executor)), state_(std::make_shared<State>()) {}

Completions::~Completions() { close(); }

bool Completions::closed() const { return state_->closed; }

void Completions::note_posted() { ++state_->posted; }

bool Completions::run_posted(State& state) {
  --state.posted;
  return !state.closed;
}

void Completions::at(Clock::time_point when, std::function<void()> fn) {
  if (state_->closed) return;
  auto timer = std::make_shared<boost::asio::steady_timer>(executor_, when);
  state_->timers.insert(timer);
  timer->async_wait([state = state_, timer, fn = std::move(fn)](const boost::system::error_code&) {
    state->timers.erase(timer);
    if (!state->closed) fn();
  });
}

void Completions::close() {
  if (state_->closed) return;
  state_->closed = true;
  for (const auto& timer : state_->timers) timer->cancel();
}

std::size_t Completions::pending() const { return state_->posted + state_->timers.size(); }

}  // namespace cyclerd

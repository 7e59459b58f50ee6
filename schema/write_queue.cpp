#include "schema/write_queue.hpp"

namespace cyclerd::store {

// Half the capacity: a producer held at the mark still finds the other half free for the batch it holds,
// and producers that never wait (real-time channels, state changes, notes) find room beside it.
WriteQueue::WriteQueue(QueueBounds capacity)
    : capacity_(capacity), high_water_{capacity.rows / 2, capacity.bytes / 2} {}

std::uint64_t WriteQueue::try_push(RecordBatch&& batch) {
  const QueueBounds size{batch.row_count(), batch.byte_size()};
  std::uint64_t sequence = 0;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return 0;
    const bool fits = queued_.rows + size.rows <= capacity_.rows && queued_.bytes + size.bytes <= capacity_.bytes;
    if (!fits && !batches_.empty()) return 0;
    sequence = next_sequence_++;
    queued_.rows += size.rows;
    queued_.bytes += size.bytes;
    batches_.push_back(QueuedBatch{sequence, std::move(batch)});
  }
  wake_.notify_one();
  return sequence;
}

bool WriteQueue::room_for(QueueBounds size, std::function<void()> ready) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || batches_.empty()) return true;
    if (queued_.rows + size.rows <= high_water_.rows && queued_.bytes + size.bytes <= high_water_.bytes) return true;
    waiting_.push_back(std::move(ready));
  }
  wake_.notify_one();
  return false;
}

void WriteQueue::push_task(WriterTask task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void WriteQueue::request_flush() {
  {
    std::lock_guard lock(mutex_);
    flush_ = true;
  }
  wake_.notify_one();
}

void WriteQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    waiting_.clear();
  }
  wake_.notify_one();
}

QueueTake WriteQueue::take(std::chrono::steady_clock::time_point deadline, std::size_t min_rows) {
  QueueTake out;
  std::vector<std::function<void()>> ready;
  {
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, deadline, [&] {
      return closed_ || flush_ || !tasks_.empty() || !waiting_.empty() || queued_.rows >= min_rows;
    });
    out.batches.assign(std::make_move_iterator(batches_.begin()), std::make_move_iterator(batches_.end()));
    batches_.clear();
    out.tasks = std::move(tasks_);
    tasks_.clear();
    queued_ = {};
    out.closed = closed_;
    out.flush = flush_;
    out.backlog = !waiting_.empty();
    flush_ = false;
    ready.swap(waiting_);
  }
  // Outside the lock: a producer may ask for room again at once.
  for (auto& r : ready) r();
  return out;
}

std::uint64_t WriteQueue::last_sequence() const {
  std::lock_guard lock(mutex_);
  return next_sequence_ - 1;
}

QueueBounds WriteQueue::size() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

}  // namespace cyclerd::store

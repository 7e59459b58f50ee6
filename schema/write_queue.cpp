#include "schema/write_queue.hpp"

namespace cyclerd::store {

std::uint64_t WriteQueue::try_push(RecordBatch&& batch) {
  const std::size_t rows = batch.row_count();
  std::uint64_t sequence = 0;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return 0;
    if (rows_ + rows > capacity_rows_ && !batches_.empty()) return 0;
    sequence = next_sequence_++;
    rows_ += rows;
    batches_.push_back(QueuedBatch{sequence, std::move(batch)});
  }
  wake_.notify_one();
  return sequence;
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
  }
  wake_.notify_one();
}

QueueTake WriteQueue::take(std::chrono::steady_clock::time_point deadline, std::size_t min_rows) {
  std::unique_lock lock(mutex_);
  wake_.wait_until(lock, deadline, [&] { return closed_ || flush_ || !tasks_.empty() || rows_ >= min_rows; });
  QueueTake out;
  out.batches.assign(std::make_move_iterator(batches_.begin()), std::make_move_iterator(batches_.end()));
  batches_.clear();
  out.tasks = std::move(tasks_);
  tasks_.clear();
  rows_ = 0;
  out.closed = closed_;
  out.flush = flush_;
  flush_ = false;
  return out;
}

std::uint64_t WriteQueue::last_sequence() const {
  std::lock_guard lock(mutex_);
  return next_sequence_ - 1;
}

std::size_t WriteQueue::rows() const {
  std::lock_guard lock(mutex_);
  return rows_;
}

}  // namespace cyclerd::store

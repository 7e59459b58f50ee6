// The bounded hand-off between producers (channels) and the writer thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "schema/records.hpp"

namespace cyclerd::store {

class Connection;

// A submission with the sequence number that acknowledges it.
struct QueuedBatch {
  std::uint64_t sequence = 0;
  RecordBatch batch;
};

// Work for the writer's connection other than records (creating cells, runs...), run in submission order.
using WriterTask = std::function<void(Connection&)>;

// What the writer takes from the queue in one go.
struct QueueTake {
  std::vector<QueuedBatch> batches;
  std::vector<WriterTask> tasks;
  bool closed = false;
  bool flush = false;  // someone asked for an immediate commit
};

// Holds at most `capacity_rows` rows; a producer that finds it full is told so and keeps its records.
class WriteQueue {
 public:
  explicit WriteQueue(std::size_t capacity_rows) : capacity_rows_(capacity_rows) {}

  // Queues the batch and returns its sequence (> 0), or 0 when it does not fit. A batch larger than the
  // whole capacity is taken when the queue is empty, so an oversized batch cannot wait forever.
  std::uint64_t try_push(RecordBatch&& batch);
  // Queues a task (never refused: tasks are rare and small).
  void push_task(WriterTask task);
  // Asks the writer to commit what it has now.
  void request_flush();
  // Wakes the writer for the last time; try_push refuses from now on.
  void close();
  // Waits until `min_rows` rows, a task, a flush or close, or `deadline`; then takes everything queued.
  QueueTake take(std::chrono::steady_clock::time_point deadline, std::size_t min_rows);
  // The sequence of the last accepted batch (0 if none).
  std::uint64_t last_sequence() const;
  // Rows queued now.
  std::size_t rows() const;

 private:
  const std::size_t capacity_rows_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<QueuedBatch> batches_;
  std::vector<WriterTask> tasks_;
  std::size_t rows_ = 0;
  std::uint64_t next_sequence_ = 1;
  bool closed_ = false;
  bool flush_ = false;
};

}  // namespace cyclerd::store

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
  bool flush = false;    // someone asked for an immediate commit
  bool backlog = false;  // producers were waiting for room: commit now rather than at the period's end
};

// How much the queue holds: rows (what a transaction costs) and bytes (what memory costs; a sample is ~100
// bytes, but an event, checkpoint or analysis result carries text of any size).
struct QueueBounds {
  std::size_t rows = 0;
  std::size_t bytes = 0;
};

// Holds at most `capacity` rows and bytes; a producer that finds it full is told so and keeps its records.
// Producers that can wait (a simulation running faster than real time) ask room_for() first and hold while
// the queue is above its high-water mark: the queue then never fills and nobody is refused.
class WriteQueue {
 public:
  explicit WriteQueue(QueueBounds capacity);

  // Queues the batch and returns its sequence (> 0), or 0 when it does not fit. A batch larger than the
  // whole capacity is taken when the queue is empty, so an oversized batch cannot wait forever.
  std::uint64_t try_push(RecordBatch&& batch);
  // True when a batch of this size can be queued without taking the queue past its high-water mark (half
  // the capacity, in rows and in bytes), or the queue is empty or closed. Otherwise false, and `ready` is
  // called once, on the writer's thread, when the writer has taken the queue. The writer takes all of it at
  // once, so the low-water mark is an empty queue; it is woken to take it without waiting for its period.
  bool room_for(QueueBounds size, std::function<void()> ready);
  // Queues a task (never refused: tasks are rare and small).
  void push_task(WriterTask task);
  // Asks the writer to commit what it has now.
  void request_flush();
  // Wakes the writer for the last time; try_push refuses from now on and waiting producers are forgotten.
  void close();
  // Waits until `min_rows` rows, a task, a flush, a waiting producer or close, or `deadline`; then takes
  // everything queued and calls the producers that waited for room.
  QueueTake take(std::chrono::steady_clock::time_point deadline, std::size_t min_rows);
  // The sequence of the last accepted batch (0 if none).
  std::uint64_t last_sequence() const;
  // Rows and bytes queued now.
  QueueBounds size() const;
  std::size_t rows() const { return size().rows; }
  const QueueBounds& capacity() const { return capacity_; }

 private:
  const QueueBounds capacity_;
  const QueueBounds high_water_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<QueuedBatch> batches_;
  std::vector<WriterTask> tasks_;
  std::vector<std::function<void()>> waiting_;  // producers held until the writer takes the queue
  QueueBounds queued_;
  std::uint64_t next_sequence_ = 1;
  bool closed_ = false;
  bool flush_ = false;
};

}  // namespace cyclerd::store

// Batches of records worked on by a pool of threads and handed back in the order they were
// submitted, at fixed points of the caller's run: batch k is handed back when batch
// k + lookahead is submitted (or by finish()), however many threads there are and however
// they are scheduled. A tool's output, rejects and messages then come out in the same order
// with 0, 1 or N threads: what the caller does between submissions (rejecting a record whose
// framing failed, say) falls between the same two hand-backs every time.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace libstream {

template <class Batch>
class OrderedWorkers {
 public:
  /// `work(batch, worker)` runs on worker thread `worker` (0..threads-1), or on the caller's
  /// thread as worker 0 when `threads` is 0; it must only touch the batch and that worker's
  /// own state. `done(batch)` runs on the caller's thread, in submission order. An exception
  /// thrown by `work` is rethrown by the submit() or finish() that hands its batch back.
  OrderedWorkers(unsigned threads, size_t lookahead, std::function<void(Batch&, unsigned)> work,
                 std::function<void(Batch&)> done)
      : lookahead_(lookahead), work_(std::move(work)), done_(std::move(done)) {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this, i] { serve(i); });
  }
  ~OrderedWorkers() { stop(); }
  OrderedWorkers(const OrderedWorkers&) = delete;
  OrderedWorkers& operator=(const OrderedWorkers&) = delete;

  /// An empty batch to fill: the storage of one handed back earlier when there is one (its
  /// buffers stay allocated), so the caller clears what it reuses.
  [[nodiscard]] Batch next_batch() {
    if (spare_.empty()) return Batch();
    Batch batch = std::move(spare_.back()->batch);
    spare_.pop_back();
    return batch;
  }

  void submit(Batch batch) {
    std::unique_ptr<Slot> slot = std::make_unique<Slot>();
    slot->batch = std::move(batch);
    Slot& submitted = *slot;
    in_flight_.push_back(std::move(slot));
    if (threads_.empty()) {
      run(submitted, 0);
    } else {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        waiting_.push_back(&submitted);
      }
      work_ready_.notify_one();
    }
    while (in_flight_.size() > lookahead_) hand_back_oldest();
  }

  /// Hands back every batch still in flight.
  void finish() {
    while (!in_flight_.empty()) hand_back_oldest();
  }

 private:
  struct Slot {
    Batch batch;
    bool finished = false;
    std::exception_ptr error;
  };

  void run(Slot& slot, unsigned worker) {
    try {
      work_(slot.batch, worker);
    } catch (...) {
      slot.error = std::current_exception();
    }
  }

  void serve(unsigned worker) {
    for (;;) {
      Slot* slot = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        work_ready_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
        if (stopping_) return;
        slot = waiting_.front();
        waiting_.pop_front();
      }
      run(*slot, worker);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        slot->finished = true;
      }
      finished_.notify_all();
    }
  }

  void hand_back_oldest() {
    std::unique_ptr<Slot> slot = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (!threads_.empty()) {
      std::unique_lock<std::mutex> lock(mutex_);
      finished_.wait(lock, [&] { return slot->finished; });
    } else {
      slot->finished = true;
    }
    if (slot->error) std::rethrow_exception(slot->error);
    done_(slot->batch);
    spare_.push_back(std::move(slot));
  }

  /// Workers leave the batches not started; one being worked on is finished first (joining
  /// waits for it), as it points into a slot still owned here.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      waiting_.clear();
    }
    work_ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  size_t lookahead_;
  std::function<void(Batch&, unsigned)> work_;
  std::function<void(Batch&)> done_;
  std::vector<std::thread> threads_;
  std::deque<std::unique_ptr<Slot>> in_flight_;  // submission order; only the caller's thread touches it
  std::vector<std::unique_ptr<Slot>> spare_;
  std::mutex mutex_;
  std::condition_variable work_ready_, finished_;
  std::deque<Slot*> waiting_;  // submitted, not yet taken by a worker
  bool stopping_ = false;
};

}  // namespace libstream

// OrderedWorkers: batches come back in submission order, at the same points of the caller's
// run for any thread count; a worker's exception reaches the caller; storage is reused.
#include <libstream/ordered_workers.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Batch {
  int number = 0;
  std::vector<int> values;
  std::vector<int> squares;  // filled by the workers
};

// Submits `count` batches (batch k sleeps a little when k is even, so that later batches
// finish first on several threads) and returns the caller's log: "s k" on submitting batch
// k, "d k sum" when batch k comes back.
std::vector<std::string> run(unsigned threads, int count) {
  std::vector<std::string> log;
  libstream::OrderedWorkers<Batch> workers(
      threads, 3,
      [](Batch& batch, unsigned) {
        if (batch.number % 2 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        batch.squares.clear();
        for (const int v : batch.values) batch.squares.push_back(v * v);
      },
      [&log](Batch& batch) {
        long sum = 0;
        for (const int s : batch.squares) sum += s;
        log.push_back("d " + std::to_string(batch.number) + " " + std::to_string(sum));
      });
  for (int k = 0; k < count; ++k) {
    Batch batch = workers.next_batch();
    batch.number = k;
    batch.values.assign({k, k + 1, k + 2});
    log.push_back("s " + std::to_string(k));
    workers.submit(std::move(batch));
  }
  workers.finish();
  return log;
}

TEST(OrderedWorkers, HandsBatchesBackInOrderAtTheSamePointsForAnyThreadCount) {
  const std::vector<std::string> inline_log = run(0, 20);
  ASSERT_EQ(inline_log.size(), 40u);
  // Batch k comes back when batch k + 3 is submitted: right after "s k+3".
  EXPECT_EQ(inline_log[0], "s 0");
  EXPECT_EQ(inline_log[3], "s 3");
  EXPECT_EQ(inline_log[4], "d 0 5");
  EXPECT_EQ(inline_log[39], "d 19 1202");
  for (const unsigned threads : {1u, 2u, 4u}) EXPECT_EQ(run(threads, 20), inline_log) << threads << " threads";
}

TEST(OrderedWorkers, NegativeControlTheLogTellsOrdersApart) {
  // The comparison above is not vacuous: another lookahead gives another log.
  std::vector<std::string> log;
  libstream::OrderedWorkers<Batch> workers(
      2, 1, [](Batch&, unsigned) {}, [&log](Batch& batch) { log.push_back("d " + std::to_string(batch.number)); });
  for (int k = 0; k < 20; ++k) {
    Batch batch;
    batch.number = k;
    log.push_back("s " + std::to_string(k));
    workers.submit(std::move(batch));
  }
  workers.finish();
  EXPECT_NE(log, run(2, 20));
}

TEST(OrderedWorkers, AWorkersExceptionIsRethrownWhenItsBatchComesBack) {
  for (const unsigned threads : {0u, 2u}) {
    std::vector<int> done;
    libstream::OrderedWorkers<Batch> workers(
        threads, 2,
        [](Batch& batch, unsigned) {
          if (batch.number == 3) throw std::runtime_error("batch 3 failed");
        },
        [&done](Batch& batch) { done.push_back(batch.number); });
    bool thrown = false;
    try {
      for (int k = 0; k < 10; ++k) {
        Batch batch;
        batch.number = k;
        workers.submit(std::move(batch));
      }
      workers.finish();
    } catch (const std::runtime_error& e) {
      thrown = true;
      EXPECT_STREQ(e.what(), "batch 3 failed");
    }
    EXPECT_TRUE(thrown) << threads << " threads";
    EXPECT_EQ(done, (std::vector<int>{0, 1, 2})) << threads << " threads";  // none after the failed one
  }  // the destructor joins workers with batches still queued
}

TEST(OrderedWorkers, ReusesTheStorageOfBatchesHandedBack) {
  libstream::OrderedWorkers<Batch> workers(1, 1, [](Batch&, unsigned) {}, [](Batch&) {});
  Batch first = workers.next_batch();
  first.values.reserve(1000);
  const int* storage = first.values.data();
  workers.submit(std::move(first));
  workers.submit(Batch());  // hands the first back
  Batch reused = workers.next_batch();
  EXPECT_EQ(reused.values.data(), storage);
  EXPECT_GE(reused.values.capacity(), 1000u);
}

}  // namespace

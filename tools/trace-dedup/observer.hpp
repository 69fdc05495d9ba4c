// What trace-dedup learns of one record before it joins the clusters: parsed, its text
// chosen and cut into words, its id and reward, eval overlap, exact key and MinHash
// signature. One Observer per thread: records are observed on worker threads (--threads) and
// admitted in input order on the reading thread (dedup.cpp, reading.cpp).
#pragma once

#include "dedup.hpp"

#include <libstream/document.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace tracemill::dedup {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

/// A record as parsed and looked at, before it joins the clusters.
struct Observation {
  std::string problem;  // non-empty: the record is rejected
  bool has_id = false;
  std::string id;
  double reward = -std::numeric_limits<double>::infinity();
  uint32_t eval_item = kNone;
  uint64_t exact = 0;
  uint64_t text_bytes = 0;
};

class Observer {
 public:
  /// `eval_index` is only read (NgramIndex::find is const), so observers on several threads
  /// share it.
  Observer(const DedupOptions& options, const NgramIndex& eval_index);
  /// Parses a record and fills `seen` (problem, id, reward, eval overlap, exact key); the
  /// words of its text are kept for sign().
  void observe(const char* data, size_t size, Observation& seen);
  /// The MinHash signature of the last observed text (options.minhash.permutations values);
  /// false for a text without words.
  [[nodiscard]] bool sign(uint32_t* signature) { return hasher_.sign(words_, signature); }

 private:
  const DedupOptions& options_;
  const NgramIndex& eval_index_;
  libstream::DocumentParser parser_;
  std::string text_;
  std::vector<uint64_t> words_;
  MinHasher hasher_;
};

}  // namespace tracemill::dedup

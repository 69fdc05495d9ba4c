// Near duplicates for trace-dedup: MinHash signatures of word shingles, LSH band keys,
// signature similarity, exact Jaccard (for measurements) and union-find clusters.
// Unit-tested in tests/unit/dedup_test.cpp.
#pragma once

#include <libstream/external_sort.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill::dedup {

struct MinHashParams {
  size_t shingle = 5;        ///< words per shingle
  size_t permutations = 256;  ///< signature length
  size_t bands = 64;          ///< LSH bands; each has permutations / bands rows
};

/// MinHash signatures by one-permutation hashing with optimal densification (Shrivastava,
/// "Optimal Densification for Fast and Accurate Minwise Hashing", ICML 2017): each shingle is
/// hashed once; the high half of its hash picks one of `permutations` bins and the low half
/// competes for that bin's minimum; an empty bin then copies the bin reached by its own fixed
/// probe sequence. Two signatures agree in a position with probability the Jaccard similarity
/// of the shingle sets, as with `permutations` independent permutations, at one hash per
/// shingle instead of `permutations`.
class MinHasher {
 public:
  explicit MinHasher(const MinHashParams& params);
  /// Fills `signature` (params.permutations values) from the word hashes of a text
  /// (word_hashes()). A text shorter than a shingle is one shingle of all its words. False
  /// (signature untouched) for a text without words.
  bool sign(const std::vector<uint64_t>& words, uint32_t* signature);
  /// One key per band: the band's rows hashed with the band's number.
  void band_keys(const uint32_t* signature, uint64_t* keys) const;
  [[nodiscard]] const MinHashParams& params() const { return params_; }
  [[nodiscard]] size_t rows() const { return rows_; }

 private:
  MinHashParams params_;
  size_t rows_;
  std::vector<uint64_t> bins_;  // minimum per bin, or kEmpty
};

/// The fraction of positions where two signatures of `n` values agree: the estimate of the
/// Jaccard similarity.
[[nodiscard]] double estimate_jaccard(const uint32_t* a, const uint32_t* b, size_t n);

/// The exact Jaccard similarity of the shingle sets of two texts (as MinHasher cuts them):
/// the reference for quality measurements. 1 for two texts without words.
[[nodiscard]] double exact_jaccard(std::string_view a, std::string_view b, size_t shingle);

/// Disjoint sets over 0..n-1, union by size with path halving.
class UnionFind {
 public:
  /// Adds one element (numbered size()-1 after the call).
  void add() {
    parent_.push_back(static_cast<uint32_t>(parent_.size()));
    size_.push_back(1);
  }
  [[nodiscard]] size_t size() const { return parent_.size(); }
  [[nodiscard]] uint32_t find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  /// Joins the sets of a and b; false when they were already one.
  bool unite(uint32_t a, uint32_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    if (size_[a] < size_[b]) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
    return true;
  }
  [[nodiscard]] uint32_t set_size(uint32_t x) { return size_[find(x)]; }

 private:
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> size_;
};

/// The LSH buckets: band key -> the first record that had it. Open addressing with linear
/// probing over the keys themselves (they are already mixed hashes): 12 bytes per slot, at most
/// 3/4 full, where std::unordered_map took about 48 bytes and a cache miss more per entry.
class BucketTable {
 public:
  /// The record stored under `key`; when the key is new, stores `record` and returns it.
  uint32_t find_or_insert(uint64_t key, uint32_t record);
  [[nodiscard]] size_t size() const { return used_; }
  [[nodiscard]] size_t bytes() const { return keys_.size() * (sizeof(uint64_t) + sizeof(uint32_t)); }
  /// Calls f(key, record) for every bucket, in no particular order.
  template <class F>
  void for_each(F f) const {
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] != 0) f(keys_[i], records_[i]);
    }
  }

 private:
  void grow();
  std::vector<uint64_t> keys_;  // 0 marks an empty slot (a key of 0 is stored as 1)
  std::vector<uint32_t> records_;
  size_t used_ = 0;
};

/// Finds near duplicates among records added one by one: each record's signature goes into
/// the LSH buckets (one per band key, holding the first record that had it); a record sharing
/// a bucket with an earlier one of another cluster joins it when their signatures agree in at
/// least `threshold` of their positions. Holds permutations * 4 bytes of signature and up to
/// `bands` bucket slots (12 to 21 bytes each) per record.
///
/// Past `memory_budget` bytes of signatures and buckets, both leave memory: signatures go to a
/// temporary file by record number, and each (band key, record) pair to an external sort;
/// finish() then reads the pairs back grouped by key and compares every record with the first
/// of its bucket, as add() would have. The clusters are the same: they are the connected
/// components of the pairs found similar, whichever order the pairs are compared in.
class NearIndex {
 public:
  NearIndex(const MinHashParams& params, double threshold,
            size_t memory_budget = std::numeric_limits<size_t>::max());
  /// Adds the next record (numbered clusters.size() - 1: call clusters.add() first) with the
  /// word hashes of its text, uniting it in `clusters` with the earlier records found similar
  /// (once spilled: in finish()). False for a text without words (it joins nothing).
  bool add(const std::vector<uint64_t>& words, UnionFind& clusters);
  /// As add(), with the record's signature (params.permutations values) made beforehand by a
  /// MinHasher of the same parameters (a shard's state).
  void add_signature(const uint32_t* signature, UnionFind& clusters);
  /// Adds the next record without a signature (rejected, contaminated, an exact duplicate).
  void skip();
  /// After the last add(): the comparisons left from spilling. Call before reading `clusters`.
  void finish(UnionFind& clusters);
  [[nodiscard]] bool has_signature(uint32_t ordinal) const { return signed_[ordinal]; }
  [[nodiscard]] bool spilled() const { return file_ != nullptr; }
  /// The estimated Jaccard similarity of two signed records.
  [[nodiscard]] double similarity(uint32_t a, uint32_t b) const;

 private:
  [[nodiscard]] uint32_t* held(uint32_t ordinal) const {
    return &chunks_[ordinal / kChunk][size_t{ordinal % kChunk} * size_];
  }
  /// Puts the record `ordinal`, signed, into the LSH buckets and unites it with the similar.
  void insert(uint32_t ordinal, UnionFind& clusters);
  /// Past the budget: moves the signatures and buckets held so far to disk.
  void spill();
  /// Once spilled: writes the signature of `ordinal` and queues its band keys.
  void insert_spilled(uint32_t ordinal, const uint32_t* signature);

  MinHasher hasher_;
  double threshold_;
  size_t size_;
  size_t budget_;
  // Signatures in chunks of kChunk records: growing never copies them, nor holds them twice.
  static constexpr uint32_t kChunk = 4096;
  std::vector<std::unique_ptr<uint32_t[]>> chunks_;
  std::vector<bool> signed_;
  std::vector<uint64_t> keys_;
  BucketTable buckets_;
  // Once spilled (spill()):
  std::unique_ptr<libstream::FixedRecordFile> file_;  // signatures by record number
  std::unique_ptr<libstream::ExternalSorter> pairs_;  // band key -> record number (8 hex digits)
  std::vector<uint32_t> own_;                          // the signature being added
  mutable std::vector<uint32_t> a_, b_;                // signatures read back by similarity()
};

}  // namespace tracemill::dedup

#include "minhash.hpp"

#include "text.hpp"

#include <libstream/hash.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace tracemill::dedup {

namespace {

constexpr uint64_t kEmpty = ~uint64_t{0};  // above every 32-bit value

// x in [0, 2^32) scaled to [0, n) without a division (Lemire's multiply-shift range).
inline size_t scaled(uint64_t x32, size_t n) { return static_cast<size_t>((x32 * n) >> 32); }

template <typename OnShingle>
void for_each_shingle(const std::vector<uint64_t>& words, size_t shingle, OnShingle&& on_shingle) {
  if (words.empty()) return;
  if (words.size() < shingle) {
    on_shingle(window_hash(words.data(), words.size()));
    return;
  }
  for (size_t i = 0; i + shingle <= words.size(); ++i) on_shingle(window_hash(&words[i], shingle));
}

}  // namespace

MinHasher::MinHasher(const MinHashParams& params)
    : params_(params), rows_(params.permutations / params.bands), bins_(params.permutations) {}

bool MinHasher::sign(const std::vector<uint64_t>& words, uint32_t* signature) {
  if (words.empty()) return false;
  const size_t k = params_.permutations;
  std::fill(bins_.begin(), bins_.end(), kEmpty);
  for_each_shingle(words, params_.shingle, [&](uint64_t h) {
    uint64_t& bin = bins_[scaled(h >> 32, k)];
    bin = std::min<uint64_t>(bin, h & 0xFFFFFFFFULL);
  });
  for (size_t j = 0; j < k; ++j) {
    if (bins_[j] != kEmpty) {
      signature[j] = static_cast<uint32_t>(bins_[j]);
      continue;
    }
    // Optimal densification: probe bins by a hash of (j, attempt), the same sequence for every
    // text, until a filled one; after 64 k attempts (never seen in practice) the next filled
    // bin to the right, so the loop always ends.
    uint64_t donor = kEmpty;
    for (uint64_t attempt = 1; attempt <= 64 * k && donor == kEmpty; ++attempt) {
      donor = bins_[scaled(libstream::fmix64((uint64_t{j} << 32) ^ attempt ^ 0x5bd1e995ULL) >> 32, k)];
    }
    for (size_t step = 1; donor == kEmpty; ++step) donor = bins_[(j + step) % k];
    signature[j] = static_cast<uint32_t>(donor);
  }
  return true;
}

void MinHasher::band_keys(const uint32_t* signature, uint64_t* keys) const {
  for (size_t b = 0; b < params_.bands; ++b) {
    uint64_t h = libstream::fmix64(0x9e3779b97f4a7c15ULL * (b + 1));
    for (size_t r = 0; r < rows_; ++r) h = libstream::fmix64(h ^ signature[b * rows_ + r]);
    keys[b] = h;
  }
}

double estimate_jaccard(const uint32_t* a, const uint32_t* b, size_t n) {
  size_t same = 0;
  for (size_t i = 0; i < n; ++i) same += a[i] == b[i];
  return n == 0 ? 0.0 : static_cast<double>(same) / static_cast<double>(n);
}

double exact_jaccard(std::string_view a, std::string_view b, size_t shingle) {
  const auto shingles = [shingle](std::string_view text) {
    std::vector<uint64_t> words;
    word_hashes(text, words);
    std::unordered_set<uint64_t> set;
    for_each_shingle(words, shingle, [&](uint64_t h) { set.insert(h); });
    return set;
  };
  const std::unordered_set<uint64_t> sa = shingles(a), sb = shingles(b);
  if (sa.empty() && sb.empty()) return 1.0;
  size_t common = 0;
  for (const uint64_t h : sa) common += sb.count(h);
  return static_cast<double>(common) / static_cast<double>(sa.size() + sb.size() - common);
}

uint32_t BucketTable::find_or_insert(uint64_t key, uint32_t record) {
  if ((used_ + 1) * 4 > keys_.size() * 3) grow();
  if (key == 0) key = 1;
  const size_t mask = keys_.size() - 1;
  for (size_t slot = static_cast<size_t>(key) & mask;; slot = (slot + 1) & mask) {
    if (keys_[slot] == key) return records_[slot];
    if (keys_[slot] == 0) {
      keys_[slot] = key;
      records_[slot] = record;
      ++used_;
      return record;
    }
  }
}

void BucketTable::grow() {
  std::vector<uint64_t> keys(std::max<size_t>(keys_.size() * 2, 1024), 0);
  std::vector<uint32_t> records(keys.size());
  const size_t mask = keys.size() - 1;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == 0) continue;
    size_t slot = static_cast<size_t>(keys_[i]) & mask;
    while (keys[slot] != 0) slot = (slot + 1) & mask;
    keys[slot] = keys_[i];
    records[slot] = records_[i];
  }
  keys_.swap(keys);
  records_.swap(records);
}

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, uint64_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i) out += kHex[(value >> (4 * i)) & 0xF];
}

uint64_t parse_hex(std::string_view text) {
  uint64_t value = 0;
  for (const char c : text) value = (value << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  return value;
}

}  // namespace

NearIndex::NearIndex(const MinHashParams& params, double threshold, size_t memory_budget)
    : hasher_(params), threshold_(threshold), size_(params.permutations), budget_(memory_budget), keys_(params.bands) {}

void NearIndex::skip() {
  if (!file_ && signed_.size() % kChunk == 0) chunks_.emplace_back(new uint32_t[size_t{kChunk} * size_]());
  signed_.push_back(false);
}

bool NearIndex::add(const std::vector<uint64_t>& words, UnionFind& clusters) {
  const auto ordinal = static_cast<uint32_t>(signed_.size());
  skip();
  if (file_) {
    own_.resize(size_);
    if (!hasher_.sign(words, own_.data())) return false;
    insert_spilled(ordinal, own_.data());
    return true;
  }
  if (!hasher_.sign(words, held(ordinal))) return false;
  insert(ordinal, clusters);
  return true;
}

void NearIndex::add_signature(const uint32_t* signature, UnionFind& clusters) {
  const auto ordinal = static_cast<uint32_t>(signed_.size());
  skip();
  if (file_) {
    insert_spilled(ordinal, signature);
    return;
  }
  std::copy(signature, signature + size_, held(ordinal));
  insert(ordinal, clusters);
}

double NearIndex::similarity(uint32_t a, uint32_t b) const {
  if (!file_) return estimate_jaccard(held(a), held(b), size_);
  a_.resize(size_);
  b_.resize(size_);
  file_->read(a, a_.data());
  file_->read(b, b_.data());
  return estimate_jaccard(a_.data(), b_.data(), size_);
}

void NearIndex::insert(uint32_t ordinal, UnionFind& clusters) {
  signed_[ordinal] = true;
  hasher_.band_keys(held(ordinal), keys_.data());
  for (const uint64_t key : keys_) {
    const uint32_t other = buckets_.find_or_insert(key, ordinal);
    if (other == ordinal) continue;
    if (clusters.find(other) != clusters.find(ordinal) && similarity(other, ordinal) >= threshold_) {
      clusters.unite(other, ordinal);
    }
  }
  if (chunks_.size() * kChunk * size_ * sizeof(uint32_t) + buckets_.bytes() > budget_) spill();
}

void NearIndex::spill() {
  file_ = std::make_unique<libstream::FixedRecordFile>(size_ * sizeof(uint32_t));
  for (uint32_t i = 0; i < signed_.size(); ++i) {
    if (signed_[i]) file_->write(i, held(i));
  }
  chunks_.clear();
  chunks_.shrink_to_fit();
  // The pairs get the budget too, but runs of at least 1 MiB: each run costs a descriptor and a
  // read buffer when they are merged.
  pairs_ = std::make_unique<libstream::ExternalSorter>(std::max<size_t>(budget_, size_t{1} << 20));
  // A bucket's record is the first that had its key: it sorts first among the key's pairs.
  std::string line;
  buckets_.for_each([&](uint64_t key, uint32_t record) {
    line.clear();
    append_hex(line, record, 8);  // short enough for no allocation of its own
    pairs_->add(key, line);
  });
  buckets_ = BucketTable();
}

void NearIndex::insert_spilled(uint32_t ordinal, const uint32_t* signature) {
  signed_[ordinal] = true;
  file_->write(ordinal, signature);
  hasher_.band_keys(signature, keys_.data());
  std::string line;
  for (uint64_t key : keys_) {
    if (key == 0) key = 1;  // as BucketTable stores it
    line.clear();
    append_hex(line, ordinal, 8);
    pairs_->add(key, line);
  }
}

void NearIndex::finish(UnionFind& clusters) {
  if (!pairs_) return;
  uint64_t current = 0;
  uint32_t first = 0;
  bool any = false;
  pairs_->finish_keyed([&](uint64_t key, std::string_view line) {
    const auto ordinal = static_cast<uint32_t>(parse_hex(line));
    if (!any || key != current) {
      any = true;
      current = key;
      first = ordinal;
    } else if (ordinal != first && clusters.find(first) != clusters.find(ordinal) &&
               similarity(first, ordinal) >= threshold_) {
      clusters.unite(first, ordinal);
    }
    return true;
  });
  pairs_.reset();
}

}  // namespace tracemill::dedup

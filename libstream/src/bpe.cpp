#include "bpe.hpp"

#include <algorithm>
#include <cstring>

namespace libstream {
namespace bpe {
namespace {

// A multiply-xorshift hash over 8-byte words: tokens are short, so this beats std::hash.
inline uint64_t hash_bytes(const char* data, size_t size) noexcept {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ size;
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    h = (h ^ word) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
    data += 8;
    size -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, data, size);
  h = (h ^ tail) * 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 29);
}

}  // namespace

void RankTable::add(std::string_view bytes, uint32_t rank) {
  tokens_.push_back(Token{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(bytes.size()), rank});
  arena_.append(bytes);
}

void RankTable::build() {
  size_t capacity = 16;
  while (capacity < tokens_.size() * 2) capacity *= 2;
  slots_.assign(capacity, 0);
  mask_ = capacity - 1;
  uint32_t max_rank = 0;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const Token& token = tokens_[i];
    max_rank = std::max(max_rank, token.rank);
    const uint64_t hash = hash_bytes(arena_.data() + token.offset, token.length);
    uint64_t slot = hash & mask_;
    bool repeated = false;
    while (slots_[slot] != 0) {
      const Token& other = tokens_[(slots_[slot] & 0xFFFFFFFFu) - 1];
      if (other.length == token.length &&
          std::memcmp(arena_.data() + other.offset, arena_.data() + token.offset, token.length) == 0) {
        repeated = true;
        break;
      }
      slot = (slot + 1) & mask_;
    }
    if (!repeated) slots_[slot] = (hash & 0xFFFFFFFF00000000ull) | (i + 1);
  }
  by_rank_.assign(tokens_.empty() ? 0 : size_t{max_rank} + 1, 0);
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (by_rank_[tokens_[i].rank] == 0) by_rank_[tokens_[i].rank] = static_cast<uint32_t>(i + 1);
  }
}

uint32_t RankTable::rank(std::string_view bytes) const noexcept {
  const uint64_t hash = hash_bytes(bytes.data(), bytes.size());
  const uint64_t tag = hash & 0xFFFFFFFF00000000ull;
  uint64_t slot = hash & mask_;
  for (;;) {
    const uint64_t entry = slots_[slot];
    if (entry == 0) return kNoRank;
    if ((entry & 0xFFFFFFFF00000000ull) == tag) {
      const Token& token = tokens_[(entry & 0xFFFFFFFFu) - 1];
      if (token.length == bytes.size() && std::memcmp(arena_.data() + token.offset, bytes.data(), bytes.size()) == 0) {
        return token.rank;
      }
    }
    slot = (slot + 1) & mask_;
  }
}

std::string_view RankTable::bytes_of(uint32_t rank) const noexcept {
  if (rank >= by_rank_.size() || by_rank_[rank] == 0) return {};
  const Token& token = tokens_[by_rank_[rank] - 1];
  return std::string_view(arena_.data() + token.offset, token.length);
}

// tiktoken's _byte_pair_merge, step for step: parts hold (start, rank of the pair starting there).
void merge_quadratic(const RankTable& table, std::string_view piece, std::vector<uint32_t>& bounds) {
  struct Part {
    uint32_t start;
    uint32_t rank;
  };
  thread_local std::vector<Part> parts;
  parts.clear();
  const auto n = static_cast<uint32_t>(piece.size());
  uint32_t min_rank = kNoRank;
  size_t min_index = 0;
  for (uint32_t i = 0; i + 1 < n; ++i) {
    const uint32_t rank = table.rank(piece.substr(i, 2));
    if (rank < min_rank) {
      min_rank = rank;
      min_index = i;
    }
    parts.push_back(Part{i, rank});
  }
  parts.push_back(Part{n - 1, kNoRank});
  parts.push_back(Part{n, kNoRank});
  const auto rank_at = [&](size_t i) {
    if (i + 3 >= parts.size()) return kNoRank;
    return table.rank(piece.substr(parts[i].start, parts[i + 3].start - parts[i].start));
  };
  while (min_rank != kNoRank) {
    const size_t i = min_index;
    if (i > 0) parts[i - 1].rank = rank_at(i - 1);
    parts[i].rank = rank_at(i);
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    min_rank = kNoRank;
    for (size_t j = 0; j + 1 < parts.size(); ++j) {
      if (parts[j].rank < min_rank) {
        min_rank = parts[j].rank;
        min_index = j;
      }
    }
  }
  bounds.clear();
  for (const Part& part : parts) bounds.push_back(part.start);
}

// The same merges in n log n: parts form a linked list over start offsets; the heap holds
// candidate pairs (rank, left start) so the lowest rank, then the leftmost, comes out first.
// A popped pair whose parts have changed since it was pushed is stale and skipped.
void merge_heap(const RankTable& table, std::string_view piece, std::vector<uint32_t>& bounds) {
  struct Pair {
    uint32_t rank;
    uint32_t left;
    uint32_t middle;
    uint32_t right;
    bool operator>(const Pair& other) const noexcept {
      return rank != other.rank ? rank > other.rank : left > other.left;
    }
  };
  const auto n = static_cast<uint32_t>(piece.size());
  std::vector<uint32_t> next(n), previous(n);
  std::vector<uint8_t> alive(n, 1);
  std::vector<Pair> heap;
  heap.reserve(n);
  const auto push = [&](uint32_t left, uint32_t middle, uint32_t right) {
    const uint32_t rank = table.rank(piece.substr(left, right - left));
    if (rank == kNoRank) return;
    heap.push_back(Pair{rank, left, middle, right});
    std::push_heap(heap.begin(), heap.end(), std::greater<Pair>());
  };
  for (uint32_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    previous[i] = i == 0 ? 0 : i - 1;
    if (i + 1 < n) push(i, i + 1, i + 2);
  }
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<Pair>());
    const Pair pair = heap.back();
    heap.pop_back();
    if (alive[pair.left] == 0 || next[pair.left] != pair.middle || alive[pair.middle] == 0 ||
        next[pair.middle] != pair.right) {
      continue;
    }
    alive[pair.middle] = 0;
    next[pair.left] = pair.right;
    if (pair.right < n) previous[pair.right] = pair.left;
    if (pair.left > 0) push(previous[pair.left], pair.left, pair.right);
    if (pair.right < n) push(pair.left, pair.right, next[pair.right]);
  }
  bounds.clear();
  for (uint32_t start = 0; start < n; start = next[start]) bounds.push_back(start);
  bounds.push_back(n);
}

namespace {

template <typename Emit>
void merge_piece(const RankTable& table, std::string_view piece, Emit&& emit) {
  const uint32_t whole = table.rank(piece);
  if (whole != kNoRank) {
    emit(whole);
    return;
  }
  thread_local std::vector<uint32_t> bounds;
  if (piece.size() >= kHeapMergeFrom) {
    merge_heap(table, piece, bounds);
  } else {
    merge_quadratic(table, piece, bounds);
  }
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    emit(table.rank(piece.substr(bounds[i], bounds[i + 1] - bounds[i])));
  }
}

}  // namespace

void encode_piece(const RankTable& table, std::string_view piece, std::vector<uint32_t>& out) {
  merge_piece(table, piece, [&](uint32_t rank) { out.push_back(rank); });
}

size_t count_piece(const RankTable& table, std::string_view piece) {
  size_t count = 0;
  merge_piece(table, piece, [&](uint32_t) { ++count; });
  return count;
}

}  // namespace bpe
}  // namespace libstream

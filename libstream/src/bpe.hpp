// Byte-pair encoding over a rank table, as tiktoken merges: repeatedly the adjacent pair whose
// concatenation has the lowest rank, the leftmost of equal ranks. Private to libstream.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace libstream {
namespace bpe {

constexpr uint32_t kNoRank = UINT32_MAX;

/// Byte strings to ranks: open addressing over one arena of token bytes. Built once, then
/// read by any number of threads.
class RankTable {
 public:
  /// Adds `bytes` with `rank`; a repeated byte string keeps its first rank.
  void add(std::string_view bytes, uint32_t rank);
  /// Sizes the index for the tokens added; call once after the last add().
  void build();
  [[nodiscard]] uint32_t rank(std::string_view bytes) const noexcept;
  /// The bytes of the token `rank`, empty when no token has that rank.
  [[nodiscard]] std::string_view bytes_of(uint32_t rank) const noexcept;
  [[nodiscard]] size_t size() const noexcept { return tokens_.size(); }

 private:
  struct Token {
    uint32_t offset;
    uint32_t length;
    uint32_t rank;
  };
  std::string arena_;
  std::vector<Token> tokens_;
  // Per slot: the hash's high 32 bits, then index into tokens_ + 1 (0: empty). The tag settles
  // most misses without touching the token or its bytes (each a cache miss).
  std::vector<uint64_t> slots_;
  std::vector<uint32_t> by_rank_;  // rank -> index into tokens_ + 1
  uint64_t mask_ = 0;
};

/// Appends the ranks `piece` merges into to `out` (the whole piece is looked up first, as
/// tiktoken does). Every single byte must be a token of `table`.
void encode_piece(const RankTable& table, std::string_view piece, std::vector<uint32_t>& out);

/// How many tokens `piece` merges into, without writing them.
[[nodiscard]] size_t count_piece(const RankTable& table, std::string_view piece);

/// Pieces at least this long merge with a heap (n log n) instead of tiktoken's quadratic scan;
/// both give the same tokens (tested). Exposed for the tests.
constexpr size_t kHeapMergeFrom = 128;
void merge_quadratic(const RankTable& table, std::string_view piece, std::vector<uint32_t>& bounds);
void merge_heap(const RankTable& table, std::string_view piece, std::vector<uint32_t>& bounds);

}  // namespace bpe
}  // namespace libstream

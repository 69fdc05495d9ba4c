// The stable hash used for sharding, sampling and shuffling (docs/hashing.md).
//
//   stable_hash(bytes) = fmix64(fnv1a64(bytes))
//
// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the key's bytes,
// then MurmurHash3's fmix64 finalizer so that the high bits are well mixed too. It is fixed
// forever: shards and samples made today select the same records in every later release.
// docs/hashing.md gives a five-line Python version for cross-checking. content_hash, for ids
// made from whole records, is a different, faster hash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace libstream {

inline constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;

/// FNV-1a 64 of `bytes`; pass the result of the previous piece as `hash` to hash a
/// concatenation piece by piece (fnv1a64(b, fnv1a64(a)) == fnv1a64(a + b)).
[[nodiscard]] constexpr uint64_t fnv1a64(std::string_view bytes, uint64_t hash = kFnvOffsetBasis) noexcept {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

[[nodiscard]] constexpr uint64_t fmix64(uint64_t k) noexcept {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

[[nodiscard]] constexpr uint64_t stable_hash(std::string_view bytes) noexcept { return fmix64(fnv1a64(bytes)); }

/// The 64-bit hash behind ids made from content (trace-normalize's `<format>-<hash>` for a
/// source without an id): XXH3-64 with seed 0 (xxHash 0.8, whose output is frozen), which
/// runs at memory speed where FNV-1a's byte-serial chain costs about four cycles a byte, and
/// these hashes cover whole records. Not for sharding: stable_hash is the key hash.
[[nodiscard]] uint64_t content_hash(std::string_view bytes) noexcept;

/// Shard membership: hash mod count == index.
[[nodiscard]] constexpr bool in_shard(uint64_t hash, uint64_t index, uint64_t count) noexcept {
  return hash % count == index;
}

}  // namespace libstream

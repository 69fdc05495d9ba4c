#include <libstream/hash.hpp>

// Compiled into libstream itself: programs built on libstream need no xxHash headers.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace libstream {

uint64_t content_hash(std::string_view bytes) noexcept { return XXH3_64bits(bytes.data(), bytes.size()); }

}  // namespace libstream

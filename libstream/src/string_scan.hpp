// Private to libstream: the scan shared by the projection (skipping strings) and the in-place
// parser (insitu_stream.hpp), where message text is walked byte by byte otherwise.
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace libstream {

/// The first quote, backslash or control byte (below 0x20) in [p, end), or end: where a
/// string's plain run stops. 16 bytes at a time with SSE2.
inline const char* find_string_special(const char* p, const char* end) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                                     _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x));  // x <= 0x1F
    if (const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit))) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end && static_cast<unsigned char>(*p) >= 0x20 && *p != '"' && *p != '\\') ++p;
  return p;
}

}  // namespace libstream

// rapidjson's in-situ input stream, with strings scanned 16 bytes at a time.
//
// rapidjson parses a string byte by byte unless it is built with RAPIDJSON_SSE2, and that
// build's scan lets raw bytes 0x1A-0x1F through inside strings (JSON forbids every byte below
// 0x20) and reads whole aligned blocks past the end of its input. This stream gives rapidjson's
// reader the same hook (ScanCopyUnescapedString, which the reader calls before each byte of a
// string it would otherwise take one at a time) with libstream's scan: it stops at '"', '\\'
// and every byte below 0x20, and never reads past `end`. The reader does the rest as before,
// so what is accepted, rejected and produced is unchanged.
#pragma once

#include "string_scan.hpp"

#include <rapidjson/reader.h>

#include <cstddef>
#include <cstring>

namespace libstream::detail {

/// rapidjson::InsituStringStream over [begin, end), *end == '\0'.
struct ScanningInsituStream {
  using Ch = char;
  ScanningInsituStream(char* begin, const char* end) : src_(begin), dst_(nullptr), head_(begin), end_(end) {}
  [[nodiscard]] Ch Peek() const { return *src_; }
  Ch Take() { return *src_++; }
  [[nodiscard]] size_t Tell() const { return static_cast<size_t>(src_ - head_); }
  Ch* PutBegin() { return dst_ = src_; }
  void Put(Ch c) { *dst_++ = c; }
  void Flush() {}
  size_t PutEnd(Ch* begin) { return static_cast<size_t>(dst_ - begin); }

  char* src_;  // next byte to read
  char* dst_;  // next byte to write while a string is decoded in place (behind src_ after an escape)
  char* head_;
  const char* end_;
};

}  // namespace libstream::detail

namespace rapidjson {

// As for InsituStringStream: the reader works on a local copy of the stream and writes it
// back, and an in-place number's text is found from the original's position.
template <>
struct StreamTraits<libstream::detail::ScanningInsituStream> {
  enum { copyOptimization = 1 };
};

// The reader's optional fast path, given for this stream: copies the run of plain bytes
// before the next '"', '\\' or control byte (is and os are the same stream).
template <>
template <>
inline void GenericReader<UTF8<>, UTF8<>, CrtAllocator>::ScanCopyUnescapedString(
    libstream::detail::ScanningInsituStream& is, libstream::detail::ScanningInsituStream& os) {
  char* const from = is.src_;
  char* const stop = const_cast<char*>(libstream::find_string_special(from, is.end_));
  const auto length = static_cast<size_t>(stop - from);
  if (os.dst_ != from) std::memmove(os.dst_, from, length);
  os.dst_ += length;
  is.src_ = stop;
}

}  // namespace rapidjson

// A growable window over a ByteSource: the one place where input bytes are buffered.
// Framers (LineReader, ValueReader) look at the window, consume what they framed and ask
// for more; memory is bounded by the largest record they keep, not by the input.
#pragma once

#include <libstream/source.hpp>

#include <cstdint>
#include <exception>
#include <limits>
#include <vector>

namespace libstream {

class StreamBuffer {
 public:
  /// `source` must outlive the buffer.
  explicit StreamBuffer(ByteSource& source, size_t read_size = 1 << 20);

  /// The unconsumed bytes. One writable byte always follows them (for a NUL).
  [[nodiscard]] char* data() { return buffer_.data() + begin_; }
  [[nodiscard]] size_t size() const { return end_ - begin_; }
  /// Offset in the (decoded) input of data()[0].
  [[nodiscard]] uint64_t offset() const { return offset_; }
  void consume(size_t count) {
    begin_ += count;
    offset_ += count;
  }
  /// Appends at least one more byte to the window (moving it, so pointers into it become
  /// invalid). Returns false at the end of input. Rethrows an error fill_or_defer() deferred.
  [[nodiscard]] bool fill();
  /// As fill(), but an input error (a corrupt compressed stream) is kept for the next fill()
  /// and reads as the end here: format detection looks ahead, and the complete records
  /// before the error must still be framed and written before it is raised.
  [[nodiscard]] bool fill_or_defer();
  /// The window never grows past `bytes` plus one read: a framer that refuses records longer
  /// than `bytes` consumes before it needs more (without it the window doubled just before
  /// the check, to about twice the limit, three times while the vector was copied).
  void limit_window(size_t bytes) { max_window_ = bytes; }
  [[nodiscard]] bool at_end() const { return at_end_; }
  [[nodiscard]] ByteSource& source() { return source_; }

 private:
  ByteSource& source_;
  size_t read_size_;
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;
  bool at_end_ = false;
  size_t max_window_ = std::numeric_limits<size_t>::max() / 4;
  std::exception_ptr deferred_;
};

}  // namespace libstream

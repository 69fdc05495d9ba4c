#include <libstream/stream_buffer.hpp>

#include <algorithm>
#include <cstring>

namespace libstream {

namespace {
// The window starts small and doubles each time a read fills all of it, up to two reads of
// read_size: a large input reaches full-size reads after a few doublings, while a small one
// (a short file, a pipe with one record, each of a fuzzer's many inputs) never pays for
// allocating and zero-filling the full window.
constexpr size_t kFirstRead = 16 << 10;

size_t first_read(size_t read_size) { return std::min(read_size, kFirstRead); }
}  // namespace

StreamBuffer::StreamBuffer(ByteSource& source, size_t read_size)
    : source_(source), read_size_(read_size), buffer_(2 * first_read(read_size) + 1) {}

bool StreamBuffer::fill_or_defer() {
  if (deferred_) return false;
  try {
    return fill();
  } catch (...) {
    deferred_ = std::current_exception();
    return false;
  }
}

bool StreamBuffer::fill() {
  if (deferred_) {
    const std::exception_ptr error = deferred_;
    deferred_ = nullptr;
    at_end_ = true;  // the source is not read again after its error
    std::rethrow_exception(error);
  }
  if (at_end_) return false;
  // +1: the NUL a framer may write after the window
  const size_t wanted = std::max(first_read(read_size_), std::min(read_size_, buffer_.size() / 2)) + 1;
  if (buffer_.size() - end_ < wanted) {
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (buffer_.size() - end_ < wanted) {
      const size_t doubled = std::max(std::min(buffer_.size() * 2, max_window_ + wanted), end_ + wanted);
      buffer_.resize(doubled);
    }
  }
  const size_t space = buffer_.size() - end_ - 1;
  const size_t n = source_.read(buffer_.data() + end_, space);
  if (n == 0) {
    at_end_ = true;
    return false;
  }
  end_ += n;
  const size_t full_window = 2 * read_size_ + 1;
  if (n == space && buffer_.size() < full_window) buffer_.resize(std::min(2 * buffer_.size(), full_window));
  return true;
}

}  // namespace libstream

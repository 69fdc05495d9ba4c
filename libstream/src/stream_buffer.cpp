#include <libstream/stream_buffer.hpp>

#include <algorithm>
#include <cstring>

namespace libstream {

StreamBuffer::StreamBuffer(ByteSource& source, size_t read_size)
    : source_(source), read_size_(read_size), buffer_(2 * read_size + 1) {}

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
  const size_t wanted = read_size_ + 1;  // +1: the NUL a framer may write after the window
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
  const size_t n = source_.read(buffer_.data() + end_, buffer_.size() - end_ - 1);
  if (n == 0) {
    at_end_ = true;
    return false;
  }
  end_ += n;
  return true;
}

}  // namespace libstream

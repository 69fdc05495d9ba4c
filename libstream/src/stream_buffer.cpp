#include <libstream/stream_buffer.hpp>

#include <algorithm>
#include <cstring>

namespace libstream {

StreamBuffer::StreamBuffer(ByteSource& source, size_t read_size)
    : source_(source), read_size_(read_size), buffer_(2 * read_size + 1) {}

bool StreamBuffer::fill() {
  if (at_end_) return false;
  const size_t wanted = read_size_ + 1;  // +1: the NUL a framer may write after the window
  if (buffer_.size() - end_ < wanted) {
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (buffer_.size() - end_ < wanted) buffer_.resize(std::max(buffer_.size() * 2, end_ + wanted));
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

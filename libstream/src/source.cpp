// Plain byte sources: files, standard input, memory.
#include <libstream/error.hpp>
#include <libstream/source.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace libstream {

std::string display_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

FdSource::FdSource(const std::string& path) : name_(display_name(path)) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw_system_error(name_, "cannot open", errno);
    owned_ = true;
  }
  struct stat info {};
  if (::fstat(fd_, &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      if (owned_) ::close(fd_);
      fd_ = -1;
      throw Error(ErrorKind::io, name_, "is a directory");
    }
    if (S_ISREG(info.st_mode)) size_ = static_cast<uint64_t>(info.st_size);
#ifdef F_SETPIPE_SZ
    // A 64 KiB pipe makes each tool of a pipeline wake for every 64 KiB: 1 MiB lets them run
    // in longer stretches (best effort: the system limit may refuse it).
    if (S_ISFIFO(info.st_mode)) (void)::fcntl(fd_, F_SETPIPE_SZ, 1 << 20);
#endif
  }
#ifdef POSIX_FADV_SEQUENTIAL
  if (size_ > 0) (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
}

FdSource::FdSource(int fd, std::string name, bool owned) : fd_(fd), owned_(owned), name_(std::move(name)) {}

FdSource::~FdSource() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

size_t FdSource::read(char* buffer, size_t capacity) {
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, capacity);
    if (n >= 0) {
      position_ += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
    if (errno != EINTR) throw_system_error(name_, "read error", errno);
  }
}

MemorySource::MemorySource(std::string bytes, std::string name, size_t chunk)
    : bytes_(std::move(bytes)), name_(std::move(name)), chunk_(chunk) {}

size_t MemorySource::read(char* buffer, size_t capacity) {
  size_t n = std::min(capacity, bytes_.size() - position_);
  if (chunk_ > 0) n = std::min(n, chunk_);
  std::memcpy(buffer, bytes_.data() + position_, n);
  position_ += n;
  return n;
}

}  // namespace libstream

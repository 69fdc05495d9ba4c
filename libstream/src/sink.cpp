// Byte sinks: descriptors, atomic files, zstd frames, buffering.
#include <libstream/error.hpp>
#include <libstream/sink.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <vector>

namespace libstream {
namespace {

void write_all(int fd, const char* data, size_t size, const std::string& name) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_system_error(name, "write error", errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Temporary files of the AtomicFileSinks alive, so SIGTERM, SIGINT or SIGHUP (a killed job,
// Ctrl-C, a closed terminal) does not leave FILE.tmp.XXXXXX behind. The handler only reads
// lock-free atomics and fixed buffers and calls unlink(), sigaction() and raise(), all
// async-signal-safe; it then dies of the same signal, so the exit status says so.
class TempFileRegistry {
 public:
  static TempFileRegistry& instance() {
    static TempFileRegistry registry;
    return registry;
  }
  /// A slot for `path`, or -1 when every slot is taken (the file is then only removed by
  /// the destructor, as before).
  int add(const std::string& path) {
    if (path.size() >= kPathSize) return -1;
    install_handlers();
    for (int i = 0; i < kSlots; ++i) {
      bool expected = false;
      if (!claimed_[i].compare_exchange_strong(expected, true)) continue;
      std::memcpy(paths_[i], path.c_str(), path.size() + 1);
      live_[i].store(true);
      return i;
    }
    return -1;
  }
  void remove(int slot) {
    if (slot < 0) return;
    live_[slot].store(false);
    claimed_[slot].store(false);
  }

 private:
  static constexpr int kSlots = 32;
  static constexpr size_t kPathSize = PATH_MAX;

  void install_handlers() {
    std::call_once(installed_, [] {
      for (const int signal : {SIGTERM, SIGINT, SIGHUP}) {
        struct sigaction current {};
        // A signal the caller ignores (nohup, a background job's SIGINT) stays ignored.
        if (::sigaction(signal, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) continue;
        struct sigaction action {};
        action.sa_handler = &TempFileRegistry::on_signal;
        sigemptyset(&action.sa_mask);
        ::sigaction(signal, &action, nullptr);
      }
    });
  }
  static void on_signal(int signal) {
    TempFileRegistry& registry = instance();
    for (int i = 0; i < kSlots; ++i) {
      if (registry.live_[i].load()) ::unlink(registry.paths_[i]);
    }
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal, &action, nullptr);
    ::raise(signal);
  }

  std::atomic<bool> claimed_[kSlots] = {};
  std::atomic<bool> live_[kSlots] = {};
  char paths_[kSlots][kPathSize] = {};
  std::once_flag installed_;
};

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class ZstdSink final : public ByteSink {
 public:
  ZstdSink(std::unique_ptr<ByteSink> inner, int level)
      : inner_(std::move(inner)), context_(ZSTD_createCCtx()), out_(ZSTD_CStreamOutSize()) {
    if (context_ == nullptr) throw Error(ErrorKind::compression, "", "cannot create zstd context");
    ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(context_, ZSTD_c_checksumFlag, 1);
  }
  ~ZstdSink() override { ZSTD_freeCCtx(context_); }
  ZstdSink(const ZstdSink&) = delete;
  ZstdSink& operator=(const ZstdSink&) = delete;

  void write(const char* data, size_t size) override {
    ZSTD_inBuffer in{data, size, 0};
    while (in.pos < in.size) pump(&in, ZSTD_e_continue);
  }
  void flush() override {}
  void commit() override {
    ZSTD_inBuffer in{nullptr, 0, 0};
    while (pump(&in, ZSTD_e_end) != 0) {
    }
    inner_->commit();
  }

 private:
  size_t pump(ZSTD_inBuffer* in, ZSTD_EndDirective mode) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    const size_t remaining = ZSTD_compressStream2(context_, &out, in, mode);
    if (ZSTD_isError(remaining)) throw Error(ErrorKind::compression, "", std::string("zstd: ") + ZSTD_getErrorName(remaining));
    if (out.pos > 0) inner_->write(out_.data(), out.pos);
    return remaining;
  }

  std::unique_ptr<ByteSink> inner_;
  ZSTD_CCtx* context_;
  std::vector<char> out_;
};

/// Opens a non-regular file (device, FIFO) for writing and closes it on commit.
class OwnedFdSink final : public ByteSink {
 public:
  explicit OwnedFdSink(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw_system_error(path_, "cannot open", errno);
  }
  ~OwnedFdSink() override {
    if (fd_ >= 0) ::close(fd_);
  }
  OwnedFdSink(const OwnedFdSink&) = delete;
  OwnedFdSink& operator=(const OwnedFdSink&) = delete;
  void write(const char* data, size_t size) override { write_all(fd_, data, size, path_); }
  void flush() override {}
  void commit() override {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw_system_error(path_, "write error", errno);
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

void FdSink::write(const char* data, size_t size) { write_all(fd_, data, size, name_); }

AtomicFileSink::AtomicFileSink(std::string path) : path_(std::move(path)) {
  temp_path_ = path_ + ".tmp.XXXXXX";
  std::vector<char> name(temp_path_.begin(), temp_path_.end());
  name.push_back('\0');
  // The signals are held from the file's creation until the handler knows it: one arriving
  // in between would leave the file behind.
  sigset_t held, previous;
  sigemptyset(&held);
  for (const int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&held, signal);
  ::pthread_sigmask(SIG_BLOCK, &held, &previous);
  fd_ = ::mkstemp(name.data());
  const int error = errno;
  if (fd_ >= 0) {
    temp_path_.assign(name.data());
    signal_slot_ = TempFileRegistry::instance().add(temp_path_);
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (fd_ < 0) throw_system_error(path_, "cannot create", error);
  // mkstemp creates 0600; a dataset should get the usual permissions (0666 & ~umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  (void)::fchmod(fd_, 0666 & ~mask);
}

AtomicFileSink::~AtomicFileSink() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
  TempFileRegistry::instance().remove(signal_slot_);
}

void AtomicFileSink::write(const char* data, size_t size) { write_all(fd_, data, size, path_); }

void AtomicFileSink::commit() {
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw_system_error(path_, "write error", errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) throw_system_error(path_, "cannot rename into place", errno);
  committed_ = true;
  TempFileRegistry::instance().remove(signal_slot_);
  signal_slot_ = -1;
}

void FailingSink::write(const char* /*data*/, size_t size) {
  if (size > capacity_) throw_system_error("<failing sink>", "write error", ENOSPC);
  capacity_ -= size;
}

std::unique_ptr<ByteSink> make_zstd_sink(std::unique_ptr<ByteSink> inner, int level) {
  return std::make_unique<ZstdSink>(std::move(inner), level);
}

BufferedSink::BufferedSink(std::unique_ptr<ByteSink> inner, size_t capacity)
    : inner_(std::move(inner)), buffer_(capacity, '\0') {}

void BufferedSink::write_inner(const char* data, size_t size) {
  if (error_) std::rethrow_exception(error_);
  try {
    inner_->write(data, size);
    inner_->flush();
  } catch (...) {
    error_ = std::current_exception();
    throw;
  }
}

void BufferedSink::write(const char* data, size_t size) {
  if (error_) std::rethrow_exception(error_);
  if (size > buffer_.size() - size_) {
    flush();
    if (size >= buffer_.size()) {
      write_inner(data, size);
      return;
    }
  }
  std::memcpy(&buffer_[size_], data, size);
  size_ += size;
}

void BufferedSink::flush() {
  if (error_) std::rethrow_exception(error_);
  if (size_ == 0) return;
  const size_t size = size_;
  size_ = 0;
  write_inner(buffer_.data(), size);
}

void BufferedSink::commit() {
  flush();
  try {
    inner_->commit();
  } catch (...) {
    error_ = std::current_exception();
    throw;
  }
}

std::unique_ptr<BufferedSink> open_output(const OutputOptions& options) {
  const bool to_stdout = options.path == "-";
  const bool zstd = options.zstd || ends_with(options.path, ".zst");
  if (zstd && to_stdout && ::isatty(STDOUT_FILENO) == 1) {
    throw Error(ErrorKind::usage, "", "refusing to write compressed data to a terminal (use -o FILE or a pipe)");
  }
  std::unique_ptr<ByteSink> sink;
  struct stat info {};
  if (to_stdout) {
#ifdef F_SETPIPE_SZ
    if (::fstat(STDOUT_FILENO, &info) == 0 && S_ISFIFO(info.st_mode)) (void)::fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);  // see FdSource
#endif
    sink = std::make_unique<FdSink>(STDOUT_FILENO, "<stdout>");
  } else if (::stat(options.path.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    // A device, FIFO or socket (/dev/null, /dev/stdout, a named pipe) is written in
    // place: renaming a temporary over it would replace the device itself.
    sink = std::make_unique<OwnedFdSink>(options.path);
  } else {
    sink = std::make_unique<AtomicFileSink>(options.path);
  }
  if (zstd) sink = make_zstd_sink(std::move(sink), options.zstd_level);
  return std::make_unique<BufferedSink>(std::move(sink));
}

}  // namespace libstream

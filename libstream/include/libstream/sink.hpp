// Byte sinks: where every output byte is written. "-" means standard output.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <string>

namespace libstream {

/// A sequential byte consumer. Failures throw Error (broken_pipe for EPIPE, io otherwise).
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(const char* data, size_t size) = 0;
  /// Pushes buffered bytes down to the system.
  virtual void flush() = 0;
  /// Completes the output: flushes, ends compression frames, closes, and for a named
  /// file renames the temporary into place. Without commit() a named file never appears.
  virtual void commit() = 0;
};

/// Writes to a file descriptor with write(2), retrying on EINTR and short writes.
class FdSink final : public ByteSink {
 public:
  FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  void write(const char* data, size_t size) override;
  void flush() override {}
  /// Nothing to do: write(2) already reported any error (e.g. ENOSPC on /dev/full).
  void commit() override {}

 private:
  int fd_;
  std::string name_;
};

/// Writes `path` atomically: bytes go to a temporary file beside it, renamed on commit();
/// destroyed without commit(), the temporary is removed. While it lives, SIGTERM, SIGINT and
/// SIGHUP (when not ignored) remove the temporary before the process dies of the signal.
class AtomicFileSink final : public ByteSink {
 public:
  explicit AtomicFileSink(std::string path);
  ~AtomicFileSink() override;
  AtomicFileSink(const AtomicFileSink&) = delete;
  AtomicFileSink& operator=(const AtomicFileSink&) = delete;
  void write(const char* data, size_t size) override;
  void flush() override {}
  void commit() override;

 private:
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
  int signal_slot_ = -1;  // its entry in the signal handler's list of temporaries
};

/// Accepts `capacity` bytes, then fails like a full disk (tests of write-error paths).
class FailingSink final : public ByteSink {
 public:
  explicit FailingSink(size_t capacity) : capacity_(capacity) {}
  void write(const char* data, size_t size) override;
  void flush() override {}
  void commit() override {}

 private:
  size_t capacity_;
};

/// Compresses into `inner` as one zstd frame, ended on commit().
[[nodiscard]] std::unique_ptr<ByteSink> make_zstd_sink(std::unique_ptr<ByteSink> inner, int level);

/// Appends to a string: output gathered in memory (a worker thread's part of a batch) before
/// it goes to the real sink.
class StringSink final : public ByteSink {
 public:
  explicit StringSink(std::string& out) : out_(&out) {}
  void write(const char* data, size_t size) override { out_->append(data, size); }
  void flush() override {}
  void commit() override {}
  /// Appends to `out` from now on.
  void redirect(std::string& out) { out_ = &out; }

 private:
  std::string* out_;
};

/// Buffers small writes into large ones in front of any sink. A write error is sticky:
/// once the inner sink failed, every later write, flush and commit throws it again, so an
/// error swallowed by one caller (a diagnostic that flushed first) still ends the run.
class BufferedSink final : public ByteSink {
 public:
  explicit BufferedSink(std::unique_ptr<ByteSink> inner, size_t capacity = 1 << 18);
  ~BufferedSink() override = default;
  void write(const char* data, size_t size) override;
  void flush() override;
  void commit() override;
  /// Appends one byte (hot path).
  void put(char c) {
    if (size_ == buffer_.size()) flush();
    buffer_[size_++] = c;
  }

 private:
  void write_inner(const char* data, size_t size);

  std::unique_ptr<ByteSink> inner_;
  std::string buffer_;
  size_t size_ = 0;
  std::exception_ptr error_;
};

struct OutputOptions {
  std::string path = "-";  ///< "-" = standard output
  bool zstd = false;       ///< compress (implied by a path ending in .zst)
  int zstd_level = 3;
};

/// Opens the output described by `options`, buffered. Throws Error(usage) when compressed
/// bytes would go to a terminal, Error(io) when the file cannot be created.
[[nodiscard]] std::unique_ptr<BufferedSink> open_output(const OutputOptions& options);

}  // namespace libstream

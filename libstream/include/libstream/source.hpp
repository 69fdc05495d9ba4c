// Byte sources: where every input byte is read. "-" means standard input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace libstream {

/// A sequential stream of bytes. read() returns 0 only at the end; failures throw Error.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Reads up to `capacity` bytes into `buffer`; returns how many (0 = end of input).
  [[nodiscard]] virtual size_t read(char* buffer, size_t capacity) = 0;
  /// The name used in diagnostics ("-" is shown as "<stdin>").
  [[nodiscard]] virtual const std::string& name() const = 0;
  /// Total size in bytes of the underlying file if known (for progress), else 0.
  [[nodiscard]] virtual uint64_t size_hint() const { return 0; }
  /// Bytes consumed from the underlying file so far (compressed bytes for a decoder).
  [[nodiscard]] virtual uint64_t position() const = 0;
};

/// Reads a file descriptor, retrying on EINTR. Does not close fds it did not open.
class FdSource final : public ByteSource {
 public:
  /// Opens `path` ("-" = stdin). Throws Error(io) naming the file if it cannot be opened.
  explicit FdSource(const std::string& path);
  /// Reads an open descriptor from its current offset; closes it when `owned`.
  FdSource(int fd, std::string name, bool owned);
  ~FdSource() override;
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;
  size_t read(char* buffer, size_t capacity) override;
  const std::string& name() const override { return name_; }
  uint64_t size_hint() const override { return size_; }
  uint64_t position() const override { return position_; }

 private:
  int fd_ = -1;
  bool owned_ = false;
  std::string name_;
  uint64_t size_ = 0;
  uint64_t position_ = 0;
};

/// An in-memory source for tests and fuzzers; `chunk` caps each read to exercise
/// records split across reads.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string bytes, std::string name = "<memory>", size_t chunk = 0);
  size_t read(char* buffer, size_t capacity) override;
  const std::string& name() const override { return name_; }
  uint64_t size_hint() const override { return bytes_.size(); }
  uint64_t position() const override { return position_; }

 private:
  std::string bytes_;
  std::string name_;
  size_t chunk_;
  size_t position_ = 0;
};

enum class Compression { none, zstd, gzip };

/// Looks at the first bytes of `source` (without losing them) and returns a source that
/// yields the decoded bytes: zstd (magic 28 B5 2F FD, concatenated frames), gzip (1F 8B,
/// concatenated members) or the bytes unchanged. With `threaded`, decoding runs on a
/// second thread so parsing and decompression overlap.
[[nodiscard]] std::unique_ptr<ByteSource> open_decoded(std::unique_ptr<ByteSource> source,
                                                       bool threaded = true);
/// open_decoded(FdSource(path)).
[[nodiscard]] std::unique_ptr<ByteSource> open_input(const std::string& path, bool threaded = true);
/// The compression detected for the last source open_decoded() wrapped (for diagnostics).
[[nodiscard]] Compression detect_compression(const unsigned char* magic, size_t size);

/// "<stdin>" for "-", else the path.
[[nodiscard]] std::string display_name(const std::string& path);

}  // namespace libstream

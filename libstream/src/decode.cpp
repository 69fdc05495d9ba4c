// Decoding sources: zstd and gzip detected by magic number, and a prefetch thread that
// runs the decoder beside the parser.
#include <libstream/error.hpp>
#include <libstream/source.hpp>

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace libstream {
namespace {

constexpr size_t kReadChunk = 1 << 20;

/// Reads until `buffer` is full or the input ends. The decoders take their input in whole
/// buffers, never as a pipe happens to deliver it: zstd names a corruption differently by where
/// its input chunks end (a bad block or a bad checksum), and the same input must give the same
/// error on every run.
size_t read_full(ByteSource& source, char* buffer, size_t capacity) {
  size_t filled = 0;
  while (filled < capacity) {
    const size_t n = source.read(buffer + filled, capacity - filled);
    if (n == 0) break;
    filled += n;
  }
  return filled;
}

/// Serves bytes already peeked from `inner` before reading on.
class PeekedSource final : public ByteSource {
 public:
  PeekedSource(std::unique_ptr<ByteSource> inner, std::string peeked)
      : inner_(std::move(inner)), peeked_(std::move(peeked)) {}
  size_t read(char* buffer, size_t capacity) override {
    if (served_ < peeked_.size()) {
      const size_t n = std::min(capacity, peeked_.size() - served_);
      std::memcpy(buffer, peeked_.data() + served_, n);
      served_ += n;
      return n;
    }
    return inner_->read(buffer, capacity);
  }
  const std::string& name() const override { return inner_->name(); }
  uint64_t size_hint() const override { return inner_->size_hint(); }
  uint64_t position() const override { return inner_->position() - (peeked_.size() - served_); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string peeked_;
  size_t served_ = 0;
};

/// Decodes a sequence of zstd frames. Ends cleanly only between frames.
class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<ByteSource> inner)
      : inner_(std::move(inner)), context_(ZSTD_createDCtx()), input_(ZSTD_DStreamInSize()) {
    if (context_ == nullptr) throw Error(ErrorKind::compression, inner_->name(), "cannot create zstd context");
  }
  ~ZstdSource() override { ZSTD_freeDCtx(context_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  size_t read(char* buffer, size_t capacity) override {
    if (!pending_error_.empty()) throw Error(ErrorKind::compression, inner_->name(), pending_error_);
    ZSTD_outBuffer out{buffer, capacity, 0};
    while (out.pos == 0) {
      if (in_.pos == in_.size) {
        if (inner_eof_) {
          if (!between_frames_) {
            throw Error(ErrorKind::compression, inner_->name(),
                        "truncated zstd frame: input ends at byte " + std::to_string(inner_->position()) +
                            " inside the frame that starts at byte " + std::to_string(frame_start_));
          }
          return 0;
        }
        const size_t n = read_full(*inner_, input_.data(), input_.size());
        if (n == 0) {
          inner_eof_ = true;
          continue;
        }
        in_ = ZSTD_inBuffer{input_.data(), n, 0};
      }
      if (between_frames_) frame_start_ = consumed();
      const size_t ret = ZSTD_decompressStream(context_, &out, &in_);
      if (ZSTD_isError(ret)) {
        // Named by its frame: how far zstd had read into the input when it saw the corruption
        // depends on the read sizes, where the frame starts does not.
        pending_error_ = "corrupt zstd data in the frame that starts at byte " + std::to_string(frame_start_) + ": " +
                         ZSTD_getErrorName(ret);
        if (out.pos > 0) return out.pos;  // the bytes decoded before the error first, whatever the read sizes
        throw Error(ErrorKind::compression, inner_->name(), pending_error_);
      }
      between_frames_ = ret == 0;
    }
    return out.pos;
  }
  const std::string& name() const override { return inner_->name(); }
  uint64_t size_hint() const override { return inner_->size_hint(); }
  uint64_t position() const override { return consumed(); }

 private:
  uint64_t consumed() const { return inner_->position() - (in_.size - in_.pos); }

  std::unique_ptr<ByteSource> inner_;
  ZSTD_DCtx* context_;
  std::vector<char> input_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  bool inner_eof_ = false;
  bool between_frames_ = true;
  uint64_t frame_start_ = 0;
  std::string pending_error_;  // raised by the next read(), after the bytes decoded before it
};

/// Decodes concatenated gzip members.
class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)), input_(kReadChunk) {
    if (inflateInit2(&stream_, 15 + 16) != Z_OK) throw Error(ErrorKind::compression, inner_->name(), "cannot start gzip");
  }
  ~GzipSource() override { inflateEnd(&stream_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  size_t read(char* buffer, size_t capacity) override {
    if (!pending_error_.empty()) throw Error(ErrorKind::compression, inner_->name(), pending_error_);
    stream_.next_out = reinterpret_cast<Bytef*>(buffer);
    stream_.avail_out = static_cast<uInt>(std::min<size_t>(capacity, 1u << 30));
    while (stream_.avail_out == std::min<size_t>(capacity, 1u << 30)) {
      if (stream_.avail_in == 0) {
        if (inner_eof_) {
          if (!between_members_) {
            throw Error(ErrorKind::compression, inner_->name(),
                        "truncated gzip stream: input ends at byte " + std::to_string(inner_->position()));
          }
          break;
        }
        const size_t n = read_full(*inner_, input_.data(), input_.size());
        if (n == 0) {
          inner_eof_ = true;
          continue;
        }
        stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
        stream_.avail_in = static_cast<uInt>(n);
      }
      if (between_members_) {
        if (inflateReset(&stream_) != Z_OK) throw Error(ErrorKind::compression, inner_->name(), "gzip reset failed");
        between_members_ = false;
        member_start_ = consumed();
      }
      const int ret = inflate(&stream_, Z_NO_FLUSH);
      if (ret == Z_STREAM_END) {
        between_members_ = true;
      } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        pending_error_ = "corrupt gzip data in the member that starts at byte " + std::to_string(member_start_) + ": " +
                         (stream_.msg != nullptr ? stream_.msg : "inflate failed");
        // The bytes inflated before the error first (a bad checksum is found after all of them),
        // so what is delivered does not depend on how much one read brought in.
        const size_t produced = std::min<size_t>(capacity, 1u << 30) - stream_.avail_out;
        if (produced > 0) return produced;
        throw Error(ErrorKind::compression, inner_->name(), pending_error_);
      }
    }
    return std::min<size_t>(capacity, 1u << 30) - stream_.avail_out;
  }
  const std::string& name() const override { return inner_->name(); }
  uint64_t size_hint() const override { return inner_->size_hint(); }
  uint64_t position() const override { return consumed(); }

 private:
  uint64_t consumed() const { return inner_->position() - stream_.avail_in; }

  std::unique_ptr<ByteSource> inner_;
  std::vector<char> input_;
  z_stream stream_{};
  bool inner_eof_ = false;
  bool between_members_ = true;
  uint64_t member_start_ = 0;
  std::string pending_error_;  // raised by the next read(), after the bytes inflated before it
};

/// Runs `inner` on a worker thread, a few chunks ahead of the consumer. An error of the
/// inner source is rethrown only after every byte before it has been delivered.
class PrefetchSource final : public ByteSource {
 public:
  explicit PrefetchSource(std::unique_ptr<ByteSource> inner)
      : state_(std::make_shared<State>(std::move(inner))) {
    name_ = state_->inner->name();
    size_hint_ = state_->inner->size_hint();
    // The worker owns the shared state too: if it is blocked in read() when we are
    // destroyed (an endless stdin after --limit), it is detached, not joined.
    std::thread([state = state_] { state->run(); }).detach();
  }
  ~PrefetchSource() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopped = true;
    state_->changed.notify_all();
  }
  PrefetchSource(const PrefetchSource&) = delete;
  PrefetchSource& operator=(const PrefetchSource&) = delete;

  size_t read(char* buffer, size_t capacity) override {
    if (finished_) return 0;
    if (offset_ == current_.bytes.size()) {
      std::unique_lock<std::mutex> lock(state_->mutex);
      state_->changed.wait(lock, [&] { return !state_->ready.empty(); });
      if (!current_.bytes.empty()) state_->spare.push_back(std::move(current_.bytes));
      current_ = std::move(state_->ready.front());
      state_->ready.pop_front();
      state_->changed.notify_all();
      offset_ = 0;
      if (current_.bytes.empty()) {
        finished_ = true;
        if (current_.error) std::rethrow_exception(current_.error);
        return 0;
      }
    }
    const size_t n = std::min(capacity, current_.bytes.size() - offset_);
    std::memcpy(buffer, current_.bytes.data() + offset_, n);
    offset_ += n;
    return n;
  }
  const std::string& name() const override { return name_; }
  uint64_t size_hint() const override { return size_hint_; }
  uint64_t position() const override { return current_.position; }

 private:
  struct Chunk {
    std::string bytes;  // empty = end of input (or error)
    std::exception_ptr error;
    uint64_t position = 0;  // inner position after this chunk
  };
  struct State {
    explicit State(std::unique_ptr<ByteSource> source) : inner(std::move(source)) {}
    std::unique_ptr<ByteSource> inner;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Chunk> ready;
    std::vector<std::string> spare;
    bool stopped = false;

    void run() {
      for (;;) {
        Chunk chunk;
        {
          std::unique_lock<std::mutex> lock(mutex);
          changed.wait(lock, [&] { return stopped || ready.size() < 4; });
          if (stopped) return;
          if (!spare.empty()) {
            chunk.bytes = std::move(spare.back());
            spare.pop_back();
          }
        }
        // Fill the chunk fully: small pipe reads would otherwise cost a handoff each.
        // Bytes decoded before an error are delivered first, then the error.
        std::exception_ptr error;
        size_t filled = 0;
        chunk.bytes.resize(kReadChunk);
        try {
          while (filled < kReadChunk) {
            const size_t n = inner->read(&chunk.bytes[filled], kReadChunk - filled);
            if (n == 0) break;
            filled += n;
          }
        } catch (...) {
          error = std::current_exception();
        }
        chunk.bytes.resize(filled);
        chunk.position = inner->position();
        const bool done = filled < kReadChunk || error;
        std::lock_guard<std::mutex> lock(mutex);
        if (filled > 0) ready.push_back(std::move(chunk));
        if (done) {
          Chunk end;  // empty: the end of input, or the error
          end.error = error;
          end.position = inner->position();
          ready.push_back(std::move(end));
        }
        changed.notify_all();
        if (done) return;
      }
    }
  };

  std::shared_ptr<State> state_;
  std::string name_;
  uint64_t size_hint_ = 0;
  Chunk current_;
  size_t offset_ = 0;
  bool finished_ = false;
};

}  // namespace

Compression detect_compression(const unsigned char* magic, size_t size) {
  if (size >= 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD) return Compression::zstd;
  // A zstd stream may also open with a skippable frame (magic 0x184D2A5?).
  if (size >= 4 && (magic[0] & 0xF0) == 0x50 && magic[1] == 0x2A && magic[2] == 0x4D && magic[3] == 0x18) return Compression::zstd;
  if (size >= 2 && magic[0] == 0x1F && magic[1] == 0x8B) return Compression::gzip;
  return Compression::none;
}

std::unique_ptr<ByteSource> open_decoded(std::unique_ptr<ByteSource> source, bool threaded) {
  std::string magic(4, '\0');
  size_t got = 0;
  while (got < magic.size()) {
    const size_t n = source->read(&magic[got], magic.size() - got);
    if (n == 0) break;
    got += n;
  }
  magic.resize(got);
  const Compression compression =
      detect_compression(reinterpret_cast<const unsigned char*>(magic.data()), magic.size());
  std::unique_ptr<ByteSource> peeked = std::make_unique<PeekedSource>(std::move(source), std::move(magic));
  switch (compression) {
    case Compression::zstd: peeked = std::make_unique<ZstdSource>(std::move(peeked)); break;
    case Compression::gzip: peeked = std::make_unique<GzipSource>(std::move(peeked)); break;
    case Compression::none: return peeked;  // reading plain bytes is cheaper than a handoff
  }
  if (threaded) return std::make_unique<PrefetchSource>(std::move(peeked));
  return peeked;
}

std::unique_ptr<ByteSource> open_input(const std::string& path, bool threaded) {
  return open_decoded(std::make_unique<FdSource>(path), threaded);
}

}  // namespace libstream

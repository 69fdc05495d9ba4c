// Framing: turns a byte stream into records. NDJSON is framed by lines; JSON arrays,
// concatenated and pretty-printed documents by a streaming structural scan, one element
// at a time, so a 5 GB array is never held whole.
#pragma once

#include <libstream/source.hpp>
#include <libstream/stream_buffer.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace libstream {

enum class InputFormat {
  auto_detect,  ///< decided per file from its first bytes (docs/input-formats.md)
  ndjson,       ///< one JSON value per line
  array,        ///< one JSON array; each element is a record
  concat,       ///< JSON values one after another, pretty-printed or not
  document,     ///< exactly one JSON value, the whole file
};

[[nodiscard]] const char* format_name(InputFormat format);

/// One framed record. `data` is mutable and NUL-terminated, valid until the next next().
struct RawRecord {
  char* data = nullptr;
  size_t size = 0;
  uint64_t line = 0;    ///< 1-based line where the record starts
  uint64_t offset = 0;  ///< byte offset of its start in the decoded input
  /// Non-empty when the record cannot be used as is: "line longer than ...". `data` then
  /// holds only the first bytes of it and `full_size` its real size.
  std::string problem;
  uint64_t full_size = 0;
};

/// Points `record` at `bytes` (a whole record a store reader assembled), as record `ordinal`.
inline void point_at(RawRecord& record, std::string& bytes, uint64_t ordinal) {
  record.data = bytes.data();
  record.size = bytes.size();
  record.line = ordinal;
  record.offset = 0;
  record.problem.clear();
  record.full_size = record.size;
}

struct FramingOptions {
  size_t max_record_size = size_t{256} << 20;  ///< larger records are rejected, not kept
  size_t kept_prefix = 4096;                   ///< bytes of an oversized record kept for the reject
};

/// Reads lines: 1-based numbers, CRLF, a missing final newline, blank lines skipped and
/// counted, lines over the maximum reported (with a prefix) without being buffered whole.
class LineReader {
 public:
  LineReader(StreamBuffer& buffer, FramingOptions options, uint64_t first_line = 1);
  /// Next non-blank line; false at the end.
  [[nodiscard]] bool next(RawRecord& record);
  [[nodiscard]] uint64_t blank_lines() const { return blank_lines_; }

 private:
  StreamBuffer& buffer_;
  FramingOptions options_;
  uint64_t line_;
  uint64_t blank_lines_ = 0;
  size_t scanned_ = 0;    // bytes of the window known to hold no newline
  std::string prefix_;    // start of an oversized line
};

/// Reads JSON values by scanning structure (strings, escapes, brackets) without parsing;
/// the parser checks each value afterwards. Throws Error(data) naming the line when the
/// structure between values is broken.
class ValueReader {
 public:
  ValueReader(StreamBuffer& buffer, InputFormat format, FramingOptions options, uint64_t first_line = 1);
  [[nodiscard]] bool next(RawRecord& record);

 private:
  enum class Scan { complete, need_more };
  Scan scan(const char* p, size_t n, size_t& pos);
  bool skip_separators();
  [[noreturn]] void fail(const std::string& message) const;

  StreamBuffer& buffer_;
  InputFormat format_;
  FramingOptions options_;
  uint64_t line_;
  std::string name_;
  bool started_ = false;  // the opening '[' (array) has been read
  bool finished_ = false;     // the closing ']' (array) has been read
  bool input_ended_ = false;  // the input ended inside a value
  uint64_t values_ = 0;
  // Scanner state, kept across refills.
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  bool in_scalar_ = false;
  std::string record_;
};

/// Where a tool's records come from: one input. RecordReader frames JSON text; readers of
/// stores (SQLite, DuckDB table exports) implement the same interface, so every tool gets
/// them through open_record_source() without change.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  /// The next record; false at the end. Throws Error when the input cannot be read further.
  [[nodiscard]] virtual bool next(RawRecord& record) = 0;
  /// The input's name in diagnostics.
  [[nodiscard]] virtual const std::string& name() const = 0;
  /// Bytes of the input consumed so far, and its size if known (0 if not): for progress.
  [[nodiscard]] virtual uint64_t position() const = 0;
  [[nodiscard]] virtual uint64_t size_hint() const = 0;
  [[nodiscard]] virtual uint64_t blank_lines() const { return 0; }
  /// True when records are not already one compact line and must be re-serialised
  /// (elements of arrays, pretty-printed documents, assembled rows).
  [[nodiscard]] virtual bool framed_by_structure() const = 0;
  /// A warning about how the input was understood (empty if none).
  [[nodiscard]] virtual const std::string& note() const = 0;
};

/// A source of records from one input: decodes, strips a UTF-8 BOM, detects the format,
/// recognises a Git LFS pointer or a database file given by mistake, and frames.
class RecordReader final : public RecordSource {
 public:
  RecordReader(std::unique_ptr<ByteSource> source, InputFormat format, FramingOptions options = {});
  ~RecordReader() override;
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  [[nodiscard]] bool next(RawRecord& record) override;
  /// The format in use (after detection).
  [[nodiscard]] InputFormat format() const { return format_; }
  [[nodiscard]] bool framed_by_structure() const override { return format_ != InputFormat::ndjson; }
  [[nodiscard]] uint64_t blank_lines() const override;
  [[nodiscard]] const std::string& name() const override { return source_->name(); }
  [[nodiscard]] uint64_t position() const override { return source_->position(); }
  [[nodiscard]] uint64_t size_hint() const override { return source_->size_hint(); }
  /// Set when auto-detection chose a format that the file name does not suggest
  /// (a pretty-printed ".jsonl").
  [[nodiscard]] const std::string& note() const override { return note_; }

 private:
  InputFormat detect();
  void refuse_binary_data();

  std::unique_ptr<ByteSource> source_;
  StreamBuffer buffer_;
  FramingOptions options_;
  InputFormat format_;
  std::unique_ptr<LineReader> lines_;
  std::unique_ptr<ValueReader> values_;
  std::string note_;
};

/// Opens `path` ("-" = stdin) as a record source: decoded by content, then framed.
[[nodiscard]] std::unique_ptr<RecordSource> open_record_source(const std::string& path, InputFormat format,
                                                               FramingOptions options = {});

}  // namespace libstream

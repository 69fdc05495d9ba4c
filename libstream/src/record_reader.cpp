#include <libstream/error.hpp>
#include <libstream/inspect_log.hpp>
#include <libstream/json.hpp>
#include <libstream/record_reader.hpp>
#include <libstream/stores.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

namespace libstream {
namespace {

bool ends_with(const std::string& text, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return text.size() >= n && text.compare(text.size() - n, n, suffix) == 0;
}

std::string oversize_message(uint64_t size, size_t limit) {
  return "record of " + std::to_string(size) + " bytes is longer than the maximum record size (" +
         std::to_string(limit) + " bytes; see --max-record-size)";
}

}  // namespace

const char* format_name(InputFormat format) {
  switch (format) {
    case InputFormat::auto_detect: return "auto";
    case InputFormat::ndjson: return "ndjson";
    case InputFormat::array: return "array";
    case InputFormat::concat: return "concat";
    case InputFormat::document: return "document";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------
// LineReader

LineReader::LineReader(StreamBuffer& buffer, FramingOptions options, uint64_t first_line)
    : buffer_(buffer), options_(options), line_(first_line) {}

bool LineReader::next(RawRecord& record) {
  bool oversized = false;
  uint64_t oversized_line = 0;
  uint64_t oversized_offset = 0;
  uint64_t dropped = 0;  // bytes of an oversized line already discarded
  for (;;) {
    char* base = buffer_.data();
    const size_t size = buffer_.size();
    const void* newline = scanned_ < size ? std::memchr(base + scanned_, '\n', size - scanned_) : nullptr;
    size_t length = 0;
    size_t consumed = 0;
    if (newline != nullptr) {
      length = static_cast<size_t>(static_cast<const char*>(newline) - base);
      consumed = length + 1;
    } else {
      scanned_ = size;
      if (size > options_.max_record_size || oversized) {
        // Keep the start for the reject, then drop the rest of the line as it arrives.
        if (!oversized) {
          oversized = true;
          oversized_line = line_;
          oversized_offset = buffer_.offset();
          prefix_.assign(base, std::min(size, options_.kept_prefix));
        }
        dropped += size;
        buffer_.consume(size);
        scanned_ = 0;
      }
      if (buffer_.fill()) continue;
      if (buffer_.size() == 0 && !oversized) return false;
      length = consumed = buffer_.size();  // last line, no final newline
      base = buffer_.data();
    }
    scanned_ = 0;
    const uint64_t number = line_++;
    if (!oversized && length > options_.max_record_size) {
      oversized = true;
      oversized_line = number;
      oversized_offset = buffer_.offset();
      prefix_.assign(base, std::min(length, options_.kept_prefix));
    }
    if (oversized) {
      record.data = prefix_.data();
      record.size = prefix_.size();
      record.line = oversized_line;
      record.offset = oversized_offset;
      record.full_size = dropped + length;
      record.problem = oversize_message(record.full_size, options_.max_record_size);
      buffer_.consume(consumed);
      return true;
    }
    if (length > 0 && base[length - 1] == '\r') --length;
    base[length] = '\0';
    const uint64_t offset = buffer_.offset();
    buffer_.consume(consumed);
    if (std::all_of(base, base + length, is_json_space)) {
      ++blank_lines_;
      continue;
    }
    record.data = base;
    record.size = length;
    record.line = number;
    record.offset = offset;
    record.full_size = length;
    record.problem.clear();
    return true;
  }
}

// ---------------------------------------------------------------------------------------
// ValueReader

ValueReader::ValueReader(StreamBuffer& buffer, InputFormat format, FramingOptions options, uint64_t first_line)
    : buffer_(buffer), format_(format), options_(options), line_(first_line), name_(buffer.source().name()) {}

void ValueReader::fail(const std::string& message) const {
  throw Error(ErrorKind::data, name_ + ":" + std::to_string(line_), message);
}

// Skips whitespace and the array punctuation between values. Returns false at a clean end.
bool ValueReader::skip_separators() {
  bool after_comma = false;
  for (;;) {
    if (buffer_.size() == 0 && !buffer_.fill()) {
      if (format_ == InputFormat::array && started_ && !finished_) fail("the JSON array is not closed: the input ends first");
      if (after_comma) fail("the input ends after a ','");
      if (format_ == InputFormat::document && values_ == 0) fail("no JSON value (--format document reads exactly one)");
      return false;
    }
    const char c = buffer_.data()[0];
    if (is_json_space(c)) {
      if (c == '\n') ++line_;
      buffer_.consume(1);
      continue;
    }
    if (format_ == InputFormat::array) {
      if (!started_) {
        if (c != '[') fail(std::string("expected '[' to open a JSON array, found '") + c + "'");
        started_ = true;
        buffer_.consume(1);
        continue;
      }
      if (finished_) fail(std::string("unexpected '") + c + "' after the end of the JSON array");
      if (c == ']') {
        if (after_comma) fail("trailing ',' before ']'");
        finished_ = true;
        buffer_.consume(1);
        continue;
      }
      if (c == ',') {
        if (values_ == 0 || after_comma) fail("unexpected ',' in the JSON array");
        after_comma = true;
        buffer_.consume(1);
        continue;
      }
      if (values_ > 0 && !after_comma) fail("missing ',' between JSON array elements");
      return true;
    }
    if (c == ',' || c == ']' || c == '}') fail(std::string("unexpected '") + c + "' between JSON values");
    if (format_ == InputFormat::document && values_ >= 1) fail("more than one JSON value (--format document reads exactly one)");
    return true;
  }
}

ValueReader::Scan ValueReader::scan(const char* p, size_t n, size_t& pos) {
  while (pos < n) {
    const char c = p[pos];
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
        if (depth_ == 0) {
          ++pos;
          return Scan::complete;
        }
      } else if (c == '\n') {
        ++line_;
      }
      ++pos;
      continue;
    }
    if (in_scalar_) {  // a top-level number or literal ends at the next delimiter
      if (is_json_space(c) || c == ',' || c == ']' || c == '}' || c == '[' || c == '{' || c == '"') return Scan::complete;
      ++pos;
      continue;
    }
    switch (c) {
      case '"': in_string_ = true; break;
      case '{':
      case '[': ++depth_; break;
      case '}':
      case ']':
        if (--depth_ <= 0) {
          ++pos;
          return Scan::complete;
        }
        break;
      case '\n': ++line_; break;
      default:
        if (depth_ == 0) in_scalar_ = true;
    }
    ++pos;
  }
  return Scan::need_more;
}

bool ValueReader::next(RawRecord& record) {
  if (input_ended_ || !skip_separators()) return false;
  const uint64_t start_line = line_;
  const uint64_t start_offset = buffer_.offset();
  depth_ = 0;
  in_string_ = escaped_ = in_scalar_ = false;
  bool oversized = false;
  uint64_t dropped = 0;
  size_t pos = 0;
  record.problem.clear();
  while (scan(buffer_.data(), buffer_.size(), pos) == Scan::need_more) {
    if (pos > options_.max_record_size || oversized) {
      if (!oversized) record_.assign(buffer_.data(), std::min(pos, options_.kept_prefix));
      oversized = true;
      dropped += pos;
      buffer_.consume(pos);
      pos = 0;
    }
    if (!buffer_.fill()) {
      if (in_scalar_) break;  // a top-level scalar may end with the input
      if (!oversized) record_.assign(buffer_.data(), std::min(pos, options_.kept_prefix));
      record.problem = "incomplete JSON value: the input ends inside it";
      record.full_size = dropped + pos;
      buffer_.consume(pos);
      input_ended_ = true;
      break;
    }
  }
  if (record.problem.empty() && (oversized || pos > options_.max_record_size)) {
    if (!oversized) record_.assign(buffer_.data(), std::min(pos, options_.kept_prefix));
    record.full_size = dropped + pos;
    record.problem = oversize_message(record.full_size, options_.max_record_size);
    buffer_.consume(pos);
  } else if (record.problem.empty()) {
    record_.assign(buffer_.data(), pos);
    record.full_size = pos;
    buffer_.consume(pos);
  }
  ++values_;
  // A document is refused whole if anything follows it, so check before handing it out.
  if (format_ == InputFormat::document && record.problem.empty()) (void)skip_separators();
  record.data = record_.data();
  record.size = record_.size();
  record.line = start_line;
  record.offset = start_offset;
  return true;
}

// ---------------------------------------------------------------------------------------
// RecordReader

RecordReader::RecordReader(std::unique_ptr<ByteSource> source, InputFormat format, FramingOptions options)
    : source_(std::move(source)), buffer_(*source_), options_(options), format_(format) {
  buffer_.limit_window(options_.max_record_size);
  format_ = detect();
  if (format_ == InputFormat::ndjson) {
    lines_ = std::make_unique<LineReader>(buffer_, options_);
  } else {
    values_ = std::make_unique<ValueReader>(buffer_, format_, options_);
  }
}

RecordReader::~RecordReader() = default;

uint64_t RecordReader::blank_lines() const { return lines_ ? lines_->blank_lines() : 0; }

bool RecordReader::next(RawRecord& record) { return lines_ ? lines_->next(record) : values_->next(record); }

// An executable, an image or UTF-16 text given by mistake would be a hundred rejected "lines"
// and exit 0. JSON text never holds a NUL byte and is UTF-8, so an input whose first 4 KiB hold
// either and not one line that is a JSON value is refused whole, with one message.
void RecordReader::refuse_binary_data() {
  constexpr size_t kWindow = 4096;
  while (buffer_.size() < kWindow && buffer_.fill_or_defer()) {
  }
  const std::string_view window(buffer_.data(), std::min(buffer_.size(), kWindow));
  if (window.empty()) return;
  size_t bad = window.find('\0');
  const char* what = "a NUL byte";
  if (bad == std::string_view::npos) {
    // Invalid UTF-8 near the start; a character cut by the window's end is no evidence.
    const std::string_view start = window.substr(0, std::min<size_t>(window.size(), 256));
    for (size_t cut = 0; cut < 4 && cut < start.size(); ++cut) {
      if (is_valid_utf8(start.substr(0, start.size() - cut))) return;
    }
    for (bad = 0; bad < start.size() && is_valid_utf8(start.substr(0, bad + 1)); ++bad) {
    }
    what = "invalid UTF-8";
  }
  JsonChecker checker;
  for (size_t line = 0; line < window.size();) {
    const size_t end = window.find('\n', line);
    if (end == std::string_view::npos) break;  // a line the window cuts proves nothing
    if (end > line && checker.check(window.data() + line, end - line, nullptr)) return;  // a record in it
    line = end + 1;
  }
  const bool utf16 = window.size() >= 2 && ((window[0] == '\xFF' && window[1] == '\xFE') || (window[0] == '\xFE' && window[1] == '\xFF') ||
                                            (window[0] != '\0' && window[1] == '\0') || (window[0] == '\0' && window[1] != '\0'));
  throw Error(ErrorKind::data, source_->name(),
              std::string("binary data, not JSON text (") + what + " at byte " + std::to_string(bad) + ", and no line in its first " +
                  std::to_string(window.size()) + " bytes is a JSON value): " +
                  (utf16 ? "UTF-16 text? convert it with iconv -f UTF-16 -t UTF-8" : "is it the file you meant?"));
}

// Detection looks ahead with fill_or_defer(): an input error met while looking is raised
// later, by the framer, after the complete records before it. Every decision depends on the
// bytes only, never on how much one read returned.
InputFormat RecordReader::detect() {
  while (buffer_.size() < 64 && buffer_.fill_or_defer()) {
  }
  if (buffer_.size() >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) buffer_.consume(3);
  static const char kLfs[] = "version https://git-lfs.github.com/spec/";
  if (buffer_.size() >= sizeof kLfs - 1 && std::memcmp(buffer_.data(), kLfs, sizeof kLfs - 1) == 0) {
    throw Error(ErrorKind::data, source_->name() + ":1",
                "this is a Git LFS pointer, not the data: the repository was cloned without its LFS "
                "objects (run `git lfs pull`)");
  }
  // Binary stores given by mistake: say what they are instead of rejecting binary "lines".
  const auto starts_with = [&](size_t at, const char* magic, size_t length) {
    return buffer_.size() >= at + length && std::memcmp(buffer_.data() + at, magic, length) == 0;
  };
  const char* store = starts_with(0, "SQLite format 3", 16) ? "a SQLite database"
                      : starts_with(8, "DUCK", 4)            ? "a DuckDB database"
                      : starts_with(0, "PAR1", 4)            ? "a Parquet file"
                      : starts_like_zip(buffer_.data(), buffer_.size()) ? "a ZIP archive (an Inspect AI .eval log?)"
                                                             : nullptr;
  if (store != nullptr) {
    throw Error(ErrorKind::data, source_->name(),
                std::string("this is ") + store + ", not JSON text: " +
                    (store[2] == 'S'   ? "name the database file itself (a store cannot be read from a pipe or with --format)"
                     : store[2] == 'Z' ? "name the .eval file itself (an archive cannot be read from a pipe or with --format)"
                                       : "export its tables as NDJSON first (scripts/export-duckdb)"));
  }
  refuse_binary_data();
  if (format_ != InputFormat::auto_detect) return format_;

  // Finds the next non-space byte at or after `from`, reading more as needed (bounded by
  // the maximum record size). Returns the window size when the input ends first.
  const auto next_non_space = [&](size_t from) {
    for (;;) {
      while (from < buffer_.size() && is_json_space(buffer_.data()[from])) ++from;
      if (from < buffer_.size() || from > options_.max_record_size || !buffer_.fill_or_defer()) return from;
    }
  };
  // The end of the line starting at `line_start` (its newline, or the window's end when the
  // input ends or the line is already longer than the maximum record size).
  const auto end_of_line = [&](size_t line_start, size_t from) {
    for (;;) {
      const void* nl = std::memchr(buffer_.data() + from, '\n', buffer_.size() - from);
      if (nl != nullptr) return static_cast<size_t>(static_cast<const char*>(nl) - buffer_.data());
      from = buffer_.size();
      if (buffer_.size() - line_start > options_.max_record_size || !buffer_.fill_or_defer()) return buffer_.size();
    }
  };
  JsonChecker checker;
  const auto complete_value = [&](size_t from, size_t to) { return checker.check(buffer_.data() + from, to - from, nullptr); };

  const size_t first = next_non_space(0);
  if (first >= buffer_.size()) return InputFormat::ndjson;  // empty or blank
  const char opening = buffer_.data()[first];
  // A line longer than the maximum record size: where its end was seen depends on the reads,
  // so nothing is concluded from its content. One opening '[' is one huge array (framed
  // element by element); anything else is an NDJSON line the reader will refuse as too long.
  const auto too_long = [&](size_t line_start, size_t end) { return end - line_start > options_.max_record_size; };
  const size_t first_end = end_of_line(0, first);
  if (too_long(0, first_end)) return opening == '[' ? InputFormat::array : InputFormat::ndjson;
  if (complete_value(first, first_end)) {
    // One line holding a whole array and nothing after it: an array of records.
    if (opening == '[' && next_non_space(first_end) >= buffer_.size()) return InputFormat::array;
    return InputFormat::ndjson;
  }
  if (opening == '[') return InputFormat::array;
  // Only an object can open pretty-printed documents; other text is NDJSON with bad lines.
  if (opening != '{') return InputFormat::ndjson;
  // A broken first line of NDJSON: the next line is a whole value by itself.
  const size_t second = next_non_space(first_end);
  if (second < buffer_.size()) {
    const size_t second_end = end_of_line(first_end + 1, second);
    if (!too_long(first_end + 1, second_end) && complete_value(second, second_end)) return InputFormat::ndjson;
  }
  if (ends_with(source_->name(), ".jsonl") || ends_with(source_->name(), ".ndjson") ||
      ends_with(source_->name(), ".jsonl.zst") || ends_with(source_->name(), ".ndjson.zst")) {
    note_ = "not NDJSON (its first line is not a JSON value by itself): reading it as pretty-printed "
            "JSON; --format ndjson would reject every line";
  }
  return InputFormat::concat;
}

std::unique_ptr<RecordSource> open_record_source(const std::string& path, InputFormat format,
                                                 FramingOptions options) {
  if (format == InputFormat::auto_detect) {
    std::string resolved;
    switch (detect_store(path, resolved)) {
      case StoreKind::sqlite: return open_sqlite_store(path, resolved);
      case StoreKind::table_export: return open_table_export(path, options);
      case StoreKind::zip_archive: return open_eval_archive(path, options);
      case StoreKind::none: break;
    }
    // An Inspect AI .json log is split into its samples when it can be read twice (a regular
    // file); from a pipe it stays one document.
    struct stat info {};
    if (path != "-" && ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
      const auto open = [&path] { return open_input(path); };
      if (starts_like_inspect_log(open)) {
        if (auto log = open_inspect_log(open, options)) return log;
      }
    }
  }
  return std::make_unique<RecordReader>(open_input(path), format, options);
}

}  // namespace libstream

// Inspect AI `.json` logs read sample by sample. Such a log is one JSON document
// {version, status, eval, plan, results, stats, error?, ..., samples: [...], reductions?}
// (inspect_ai/log/_log.py, EvalLog: `reductions` and newer members come AFTER `samples`).
// A structural scan (strings, escapes, brackets; no DOM) finds the top-level members and the
// elements of `samples`; the reader scans a regular file twice (first the header members,
// then the samples) so that only one sample is ever held.
#pragma once

#include <libstream/record_reader.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace libstream {

/// Incremental structural scan of one JSON object whose member "samples" is an array.
/// Bytes are fed in any chunks; scan() stops after each event. Structure errors (a missing
/// colon or comma, a closing bracket of the wrong kind, a non-object document) throw
/// Error(data) with "NAME:LINE"; values themselves are checked later by a JSON parser.
class InspectLogScanner {
 public:
  enum class Event {
    need_more,  ///< the chunk is consumed: feed the next one (or call finish() at the end)
    key,        ///< a top-level member's name was read: key()
    member,     ///< a top-level member is complete: key(), value() (when kept)
    sample,     ///< an element of "samples" is complete: value() (when kept)
    end,        ///< the document's closing brace was read
    trailing,   ///< something other than whitespace follows the document
  };

  /// `keep_members`: keep the bytes of top-level member values ("samples" as an array never);
  /// `keep_samples`: keep the bytes of each sample. A kept value longer than `max_size`
  /// keeps only its first `kept_prefix` bytes and is marked oversized().
  InspectLogScanner(std::string name, bool keep_members, bool keep_samples, size_t max_size = size_t{256} << 20,
                    size_t kept_prefix = 4096);

  /// Scans data[pos, size) until an event; `pos` is left just after what was consumed.
  [[nodiscard]] Event scan(const char* data, size_t size, size_t& pos);
  /// The input ended: throws Error(data) when it ended inside the document.
  void finish() const;

  /// The last member's key (decoded).
  [[nodiscard]] const std::string& key() const { return key_; }
  /// The last member's or sample's bytes, as written (only its prefix when oversized()).
  [[nodiscard]] const std::string& value() const { return value_; }
  [[nodiscard]] bool oversized() const { return value_size_ > max_size_; }
  [[nodiscard]] uint64_t value_size() const { return value_size_; }
  /// 1-based line and byte offset where the last member's value or sample starts.
  [[nodiscard]] uint64_t value_line() const { return value_line_; }
  [[nodiscard]] uint64_t value_offset() const { return value_offset_; }
  /// For the member "samples": true when its value was an array (reported as samples, not kept).
  [[nodiscard]] bool samples_array() const { return samples_array_; }
  /// Elements of the last "samples" array so far.
  [[nodiscard]] uint64_t sample_count() const { return sample_count_; }
  [[nodiscard]] uint64_t line() const { return line_; }

 private:
  enum class State {
    before_document, first_key, key, in_key, colon, value, in_value, after_value,
    first_sample, sample, in_sample, after_sample, after_document,
  };
  [[noreturn]] void fail(const std::string& message) const;
  void begin_value(char c, uint64_t offset);
  /// Steps the value scanner over `c`; true when the value ended (a scalar ends before `c`,
  /// which is then not consumed: `consumed` false).
  bool step_value(char c, bool& consumed);
  void keep(const char* from, const char* to);

  std::string name_;
  bool keep_members_;
  bool keep_samples_;
  size_t max_size_;
  size_t kept_prefix_;
  State state_ = State::before_document;
  uint64_t line_ = 1;
  uint64_t offset_ = 0;  // bytes consumed before the current chunk
  bool keeping_ = false;
  std::string key_raw_;
  std::string key_;
  std::string value_;
  uint64_t value_size_ = 0;
  uint64_t value_line_ = 0;
  uint64_t value_offset_ = 0;
  bool samples_array_ = false;
  uint64_t sample_count_ = 0;
  // Value scanner.
  std::vector<char> open_;  // the closing bracket each open container expects
  bool in_string_ = false;
  bool escaped_ = false;
  bool in_scalar_ = false;
  bool key_escaped_ = false;
};

/// Whether the decoded bytes of `open()` begin as an Inspect AI `.json` log: a JSON object
/// whose first top-level members (up to 8, within the first MiB) include "version" and "eval".
[[nodiscard]] bool starts_like_inspect_log(const std::function<std::unique_ptr<ByteSource>()>& open);

/// An Inspect AI `.json` log, one record per sample, each shaped as the log holding that one
/// sample: every top-level member in its place, compact ("reductions" keeping only the items
/// that score this sample, each with only its scores; left out when none), with "samples":[the
/// sample]. A log whose samples are missing, not an array or empty is one record (all its
/// members). `open` is called twice (header members, then samples): it must give the same bytes
/// each time. Returns nullptr when the document is followed by more JSON (not one log: read it
/// as text). A sample that is not JSON or is longer than the maximum record size is a record with
/// a problem; a broken structure, a truncated document or header members that are not JSON
/// throw Error(data). Memory: the header members and one sample.
[[nodiscard]] std::unique_ptr<RecordSource> open_inspect_log(const std::function<std::unique_ptr<ByteSource>()>& open,
                                                             FramingOptions options = {});

}  // namespace libstream

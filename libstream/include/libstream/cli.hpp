// The command-line layer every tool shares: options defined once, one diagnostic format
// ("trace-X: FILE:LINE: message", stdout flushed first), fixed exit codes (0 ok, 1 data or
// I/O error, 2 usage), rejects kept with their reasons, counts, progress.
// Diagnostics are written to file descriptor 2 through a ByteSink: no stdio anywhere.
#pragma once

#include <libstream/document.hpp>
#include <libstream/projection.hpp>
#include <libstream/record_reader.hpp>
#include <libstream/sink.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace libstream {

enum class OnError { skip, fail };

/// Options every tool has (add_io_options). docs/common-options.md documents them.
struct IoOptions {
  std::vector<std::string> inputs{"-"};
  OutputOptions output;
  std::string rejects;  ///< file receiving rejected records as NDJSON
  OnError on_error = OnError::skip;
  std::string max_errors;  ///< "N" rejects, or "F" as a fraction of records read (contains '.')
  std::string max_record_size = "256M";
  bool quiet = false;
  bool summary = false;
  std::string summary_file;
  bool progress = false;
  bool hadoop_counters = false;
};

/// Adds the shared options: positional inputs, -o, -z, --zstd-level, --rejects,
/// --on-error, --max-errors, --max-record-size, -q, --summary, --summary-file, --progress,
/// --hadoop-counters.
void add_io_options(CLI::App& app, IoOptions& options);

/// A CLI11 transform that accepts exactly the names of `choices` and stores the mapped
/// value; an error lists the names (CLI11's own transformer would show the enum numbers).
template <typename Enum>
CLI::Validator enum_choice(const std::vector<std::pair<std::string, Enum>>& choices) {
  std::string names;
  for (const auto& choice : choices) names += (names.empty() ? "" : "|") + choice.first;
  return CLI::Validator(
      [choices, names](std::string& text) {
        for (const auto& choice : choices) {
          if (choice.first == text) {
            text = std::to_string(static_cast<int>(choice.second));
            return std::string();
          }
        }
        return "'" + text + "' is not one of " + names;
      },
      "");
}

/// The names of InputFormat and OnError, for enum_choice().
extern const std::vector<std::pair<std::string, InputFormat>> kInputFormats;
extern const std::vector<std::pair<std::string, OnError>> kErrorPolicies;

/// "256M" -> 268435456 (suffixes K, M, G, powers of 1024). Throws std::invalid_argument.
[[nodiscard]] uint64_t parse_size(const std::string& text);

/// A CLI11 check accepting what parse_size() accepts, with its reason otherwise.
[[nodiscard]] CLI::Validator size_option();

struct Counters {
  uint64_t read = 0;      ///< records read (framed), rejected ones included
  uint64_t written = 0;   ///< records (or examples) written
  uint64_t filtered = 0;  ///< records deliberately not written (shard, limit, selection)
  uint64_t rejected = 0;  ///< records that could not be used, kept in --rejects
  uint64_t blank = 0;     ///< blank lines skipped
};

/// Thrown under --on-error fail to end the run; `reason` (may be empty) is reported.
struct StopRun {
  std::string reason;
};

/// What a tool's run function works with.
class ToolContext {
 public:
  ToolContext(std::string tool, const IoOptions& options);
  ~ToolContext();
  ToolContext(const ToolContext&) = delete;
  ToolContext& operator=(const ToolContext&) = delete;

  [[nodiscard]] const std::string& tool() const { return tool_; }
  [[nodiscard]] const IoOptions& options() const { return options_; }
  [[nodiscard]] BufferedSink& out() { return *out_; }
  [[nodiscard]] Counters& counters() { return counters_; }

  /// "trace-X: WHERE: warning: MESSAGE" unless -q.
  void warning(const std::string& where, const std::string& message);
  /// "trace-X: MESSAGE" unless -q: a tool's report at the end of a run.
  void info(const std::string& message);
  /// "trace-X: WHERE: MESSAGE"; the run will end with exit 1.
  void error(const std::string& where, const std::string& message);

  /// Counts a rejected record, keeps it in --rejects ({tool, source, line, offset, error,
  /// raw}), reports it on stderr (the first 100), and throws StopRun under --on-error fail.
  void reject(const std::string& source, uint64_t line, uint64_t offset, const std::string& reason,
              std::string_view raw, uint64_t full_size);
  void reject(const RecordSource& reader, const RawRecord& record, const std::string& reason) {
    reject(reader.name(), record.line, record.offset, reason, std::string_view(record.data, record.size),
           record.full_size);
  }

  /// Counts a record the tool chose not to write (a duplicate, say) as filtered, and keeps it
  /// in --rejects like a rejected record, {tool, source, line, offset, error, raw}, followed by
  /// `extra_members` (",\"name\":value..." or empty) and "filtered":true. Unlike reject(), it
  /// is not reported on stderr, does not stop a run under --on-error fail and does not count
  /// towards --max-errors: read = written + filtered + rejected still holds.
  void keep_filtered(const std::string& source, uint64_t line, uint64_t offset, const std::string& reason,
                     std::string_view raw, std::string_view extra_members);

  /// Why a parsed record is not a trace/v1 session record (no string session_id), or nullptr
  /// when it is one: parse_session's test, for tools that parse on worker threads.
  [[nodiscard]] static const char* not_a_session(const rapidjson::Value& root);

  /// Parses `record` as a trace/v1 session with `parser`: the root object, or nullptr after
  /// rejecting the record with the reason (not JSON, or no string session_id).
  [[nodiscard]] const rapidjson::Value* parse_session(DocumentParser& parser, const RecordSource& source,
                                                      const RawRecord& record);
  /// As above, building only `parser`'s projection of the record.
  [[nodiscard]] const rapidjson::Value* parse_session(ProjectingParser& parser, const RecordSource& source,
                                                      const RawRecord& record);

  /// The bytes to write for a record that is valid JSON: the line itself (spaces or tabs
  /// around it trimmed) so NDJSON passes through byte for byte; a compact rewrite when the
  /// record was framed out of a larger structure, holds raw tabs (Hadoop splits on them),
  /// or `compact` is set. Valid until the next call.
  [[nodiscard]] std::string_view record_bytes(const RecordSource& source, const RawRecord& record,
                                              bool compact = false);
  /// Writes `bytes` and a newline, and counts one record written.
  void write_line(std::string_view bytes) {
    out_->write(bytes.data(), bytes.size());
    out_->put('\n');
    ++counters_.written;
  }

  /// Reads every input in order and calls `on_record` for each record; records whose
  /// framing failed (too long, incomplete) are rejected here. `on_record` returns false to
  /// stop reading. An input that cannot be read (missing file, truncated compressed data,
  /// Git LFS pointer) is reported; under --on-error skip the next input is read.
  void for_each_record(InputFormat format, const std::function<bool(RecordSource&, RawRecord&)>& on_record);
  /// True when every input can be read a second time: files and store folders, not
  /// standard input, pipes or devices.
  [[nodiscard]] bool inputs_can_be_reread() const;
  /// Clears a progress line on screen, for a tool writing to stderr by itself.
  void clear_progress();
  /// Whether an input could not be opened or read to its end (its error already reported).
  [[nodiscard]] bool some_input_failed() const { return !failed_inputs_.empty(); }
  /// A second pass over the inputs, after for_each_record(): the same records in the same
  /// order, without counting, rejecting or warning again (records it rejected are skipped).
  /// An input that fails now throws its Error.
  void reread_records(InputFormat format, const std::function<void(RecordSource&, RawRecord&)>& on_record);

  /// Ends the run: commits the output and rejects, prints counts; returns the exit code.
  [[nodiscard]] int finish();

 private:
  const rapidjson::Value* checked_session(const rapidjson::Value* root, const JsonError& error, const RecordSource& source,
                                          const RawRecord& record);
  void write_diagnostic(const std::string& line);
  void write_reject_entry(const std::string& source, uint64_t line, uint64_t offset, const std::string& reason,
                          std::string_view raw, uint64_t full_size, std::string_view extra_members);
  void show_progress(const RecordSource& reader);
  [[nodiscard]] std::string progress_line() const;

  std::string tool_;
  IoOptions options_;
  FramingOptions framing_;
  std::unique_ptr<BufferedSink> out_;
  std::unique_ptr<BufferedSink> rejects_;
  std::unique_ptr<ByteSink> stderr_;
  Counters counters_;
  uint64_t reports_shown_ = 0;
  std::string compacted_;
  bool failed_ = false;
  // progress
  bool show_progress_ = false;
  bool progress_on_screen_ = false;  // a progress line without its newline is on stderr
  std::vector<std::string> failed_inputs_;  // reported by for_each_record(); a second pass skips them
  uint64_t progress_bytes_ = 0;  // bytes of all inputs read so far, as last shown
  uint64_t progress_done_bytes_ = 0;  // bytes of inputs already finished
  int64_t progress_start_ns_ = 0;
  int64_t progress_last_ns_ = 0;
};

/// The whole life of a tool: parses arguments (usage errors exit 2; --help and --version
/// print to stdout and exit 0), refuses to wait on a terminal for stdin, builds the
/// context, calls `run`, maps exceptions to messages and exit codes, and finishes.
/// `setup` adds the tool's own options to `app`; `io` receives the shared ones.
int run_tool(const std::string& name, const std::string& description, int argc, char** argv, IoOptions& io,
             const std::function<void(CLI::App&)>& setup, const std::function<void(ToolContext&)>& run);

/// The project version ("0.1.0").
[[nodiscard]] const char* version();

}  // namespace libstream

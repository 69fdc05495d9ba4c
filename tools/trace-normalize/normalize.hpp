// trace-normalize: maps every known dialect (and, with --map, any other) to trace/v1.
// The dialects are in dialects/ (one file each, listed in dialects/registry.cpp); the rules,
// dialect by dialect, are in README.md beside this file and in docs/trace-v1.md.
#pragma once

#include <libstream/cli.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill {

namespace normalize {
class DatasetInfo;
class Mapping;
class Record;
namespace spans {
struct Span;
}
struct DialectSpec;
struct SessionLine;
}  // namespace normalize

struct NormalizeOptions {
  std::vector<std::string> maps;   ///< FIELD=PATH: map every record (but trace/v1) with these paths
  std::string map_file;            ///< TOML file with a [map] table of the same pairs (and [roles], records)
  std::string records;             ///< PATH[]: each element of this array is a session (with --map)
  std::vector<std::string> roles;  ///< SOURCE=ROLE aliases for mapped messages
  std::string dialect = "auto";   ///< force one dialect instead of detecting it per record
  std::string dataset_info;       ///< LLaMA-Factory dataset_info.json whose entry `dataset` maps columns
  std::string dataset;
  size_t span_window = 1000;      ///< traces (or conversations) of span records held at once
  /// Worker threads telling trace/v1 records (passed through) from the rest, which the
  /// reading thread maps in input order (0: the reading thread does both).
  unsigned threads = 2;
  /// Bytes of records a batch holds, about (not an option: the driver's fuzz target makes
  /// batches small so that many are in flight).
  size_t batch_bytes = size_t{1} << 20;
};

/// A record the rules cannot map: rejected with this reason, never emptied.
struct MappingError {
  std::string reason;
};

class Normalizer {
 public:
  explicit Normalizer(NormalizeOptions options);
  ~Normalizer();

  /// The dialect `record` is read as: the forced one, else `mapped` when --map is given
  /// (a mapping given is applied to every record, never ignored), else the first that
  /// recognises it; nullptr when none.
  [[nodiscard]] const normalize::DialectSpec* dialect_of(const rapidjson::Value& record) const;

  /// Maps one whole record to one trace/v1 line in `out` (cleared first; left empty for
  /// trace/v1, which the caller passes through). `file` names the input, for ids derived from
  /// file names. Warnings about what the source lacks go to `warn`. `raw`, when given, is the
  /// record's own text on one line (NDJSON): untouched members are then copied from it byte
  /// for byte. Returns the dialect's name. Throws normalize::MappingError.
  std::string_view normalize(const rapidjson::Value& record, const std::string& file, std::string& out,
                             const std::function<void(const std::string&)>& warn, std::string_view raw = {});

  /// Sessions the last normalize() wrote into `out`, one line each (joined by newlines): 1,
  /// except for dialects whose records hold several sessions (0 or more).
  [[nodiscard]] size_t last_session_count() const { return last_session_count_; }

  /// What the dialects counted over the run (MapContext::tallies), reported at its end.
  [[nodiscard]] const std::map<std::string, uint64_t>& tallies() const { return tallies_; }
  /// The tallies counted since the last call, which start again from nothing.
  std::map<std::string, uint64_t> take_tallies() { return std::exchange(tallies_, {}); }
  /// Maps the spans of one trace (or conversation) to one trace/v1 line; `part` > 1 for the
  /// later part of a trace the span window had to write early.
  void normalize_spans(std::vector<std::unique_ptr<normalize::spans::Span>>& spans, const std::string& session_id, size_t part,
                       std::string& out, const std::function<void(const std::string&)>& warn);

  /// Maps the lines of one session of a line-per-event dialect to one trace/v1 line.
  void normalize_session(const normalize::DialectSpec& dialect, const std::vector<normalize::SessionLine>& lines,
                         const std::string& file, std::string& out, const std::function<void(const std::string&)>& warn);

  /// The mapping of --map and friends, or nullptr.
  [[nodiscard]] normalize::Mapping* mapping() { return mapping_.get(); }

 private:
  std::string_view normalize_record(const rapidjson::Value& record, const std::string& file, std::string& out,
                                    const std::function<void(const std::string&)>& warn, std::string_view raw);
  /// Adds what set_tool_calls made up for the record just mapped to the run's tallies.
  void count_tool_call_guesses();

  NormalizeOptions options_;
  std::unique_ptr<normalize::Mapping> mapping_;  // null without --map / --map-file
  const normalize::DialectSpec* forced_ = nullptr;
  std::unique_ptr<normalize::DatasetInfo> dataset_info_;  // --dataset-info: columns renamed first
  rapidjson::Document renamed_;                          // the record as renamed
  std::unique_ptr<normalize::Record> record_;  // reused: its buffers keep their capacity
  std::vector<std::string> sessions_;          // of a record holding several
  std::map<std::string, std::string> carried_;  // MapContext::carried
  std::map<std::string, uint64_t> tallies_;     // MapContext::tallies
  size_t last_session_count_ = 1;
};

/// The dialect table as --list-dialects prints it.
[[nodiscard]] std::string dialect_table();

void add_normalize_options(CLI::App& app, NormalizeOptions& options);
void run_normalize(const NormalizeOptions& options, libstream::ToolContext& context);

}  // namespace tracemill

// trace-normalize: maps every synth-ai dialect (and, with --map, any other) to trace/v1.
// The rules, source by source, are in README.md beside this file and docs/trace-v1.md.
#pragma once

#include <libstream/cli.hpp>

#include <rapidjson/document.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tracemill {

class Record;

struct NormalizeOptions {
  std::vector<std::string> maps;  ///< FIELD=PATH for records of no known dialect
  std::string map_file;           ///< TOML file with a [map] table of the same pairs
  std::string dialect = "auto";   ///< force one dialect instead of detecting it per record
};

enum class Dialect {
  trace_v1,       ///< already normalized: passed through unchanged
  v2_json,        ///< tracing_v2 session file (event_history + message_history)
  v3_export,      ///< tracing_v3 JSON export, and what trace-read writes for a v3 SQLite store
  v2_duckdb,      ///< a session assembled by trace-read from v2 DuckDB table exports
  v3_summary,     ///< a trace_export.jsonl row (counts only)
  sft_example,    ///< {messages, metadata?}: OpenAI chat fine-tuning lines
  queue_record,   ///< experiment-queue experiment, job or trial (trace-read of the queue SQLite)
  mapped,         ///< --map / --map-file
  unknown,
};

[[nodiscard]] const char* dialect_name(Dialect dialect);
[[nodiscard]] Dialect detect_dialect(const rapidjson::Value& record);

/// A record the rules cannot map: rejected with this reason, never emptied.
struct MappingError {
  std::string reason;
};

class Normalizer {
 public:
  explicit Normalizer(NormalizeOptions options);
  /// Maps one record to one trace/v1 line in `out` (cleared first). `file` names the input,
  /// for ids derived from file names (v2 JSON files without session_id). Warnings about
  /// what the source lacks go to `warn`. Throws MappingError.
  /// `raw`, when given, is the record's own text on one line (NDJSON): untouched members are
  /// then copied from it byte for byte.
  Dialect normalize(const rapidjson::Value& record, const std::string& file, std::string& out,
                    const std::function<void(const std::string&)>& warn, std::string_view raw = {});

 private:
  NormalizeOptions options_;
  std::vector<std::pair<std::string, std::string>> maps_;  // field, dotted path
  Dialect forced_ = Dialect::unknown;
  std::shared_ptr<class Record> record_;  // reused: its buffers keep their capacity
};

void add_normalize_options(CLI::App& app, NormalizeOptions& options);
void run_normalize(const NormalizeOptions& options, libstream::ToolContext& context);

}  // namespace tracemill

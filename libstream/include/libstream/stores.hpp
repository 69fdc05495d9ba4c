// Readers of trace stores: each turns a database, or a folder of table exports, into one
// JSON record per session (or per experiment, job and trial) in the store's own dialect,
// faithfully; trace-normalize maps the dialects to trace/v1 (docs/input-formats.md).
#pragma once

#include <libstream/record_reader.hpp>

#include <memory>
#include <string>

namespace libstream {

/// What a path names when it is not a stream of JSON text.
enum class StoreKind {
  none,            ///< a file or stdin of JSON text
  sqlite,          ///< a SQLite file (v3 trace store or experiment queue), or a sqld directory
  table_export,    ///< a folder of v2 DuckDB table exports (session_traces.ndjson, ...)
  zip_archive,     ///< a ZIP archive: an Inspect AI .eval log
};

/// Looks at `path` (never "-"): a directory with dbs/default/data or with table exports,
/// or a file starting with the SQLite header. `resolved` receives the file to open.
[[nodiscard]] StoreKind detect_store(const std::string& path, std::string& resolved);

/// A v3 SQLite trace store, one record per session in the v3 JSON export shape
/// (synth-ai trace_utils.load_session_trace), sessions in order of their parsed created_at,
/// then session_id; or an experiment-queue database, one record per experiment, job and
/// trial with "record_type" first. One session is held at a time. Throws Error(data).
[[nodiscard]] std::unique_ptr<RecordSource> open_sqlite_store(const std::string& path, const std::string& file);

/// A folder of v2 DuckDB table exports (scripts/export-duckdb), one record per session:
/// {"store":"duckdb-v2","session_id",...,"session":row,"timesteps":[...],"events":[...],
/// "messages":[...],"experiment":row}. Each table file must be ordered by session_id
/// (the export script does so); a row out of order is an Error naming file and line.
[[nodiscard]] std::unique_ptr<RecordSource> open_table_export(const std::string& directory,
                                                              FramingOptions options = {});

/// Whether `bytes` start as a ZIP archive does (a local file header, or the end record of an
/// empty archive).
[[nodiscard]] bool starts_like_zip(const char* bytes, size_t size);

/// An Inspect AI .eval log (a ZIP archive), one record per sample entry (samples/*.json, in
/// archive order), each shaped as a .json log holding that one sample: the members of
/// header.json (or of _journal/start.json, or of the older start.json + results.json) but
/// samples and reductions, then "reductions" (the reductions.json items that score this sample,
/// each keeping only its scores), then "samples":[the entry]. Record numbers are sample
/// positions. Memory: one sample entry. A sample entry that is not JSON, cannot be inflated or
/// is longer than options.max_record_size is a record with a problem (the rest are read); an
/// archive that cannot be opened, or whose header cannot be read, throws Error(data).
[[nodiscard]] std::unique_ptr<RecordSource> open_eval_archive(const std::string& path, FramingOptions options = {});
/// The same from bytes in memory (`bytes` must outlive the source): for tests and fuzzing.
[[nodiscard]] std::unique_ptr<RecordSource> open_eval_archive_bytes(const std::string& bytes, const std::string& name,
                                                                    FramingOptions options = {});

/// The session id a v2 JSON trace file's name carries: session_<id>_<YYYYmmdd>_<HHMMSS>.json
/// gives <id> (synth-ai's SessionTracer names them so); any other name gives its base name
/// without .json/.jsonl/.zst/.gz. For files written without a session_id (W12).
[[nodiscard]] std::string session_id_from_file_name(const std::string& path);

}  // namespace libstream

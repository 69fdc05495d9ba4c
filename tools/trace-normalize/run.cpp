// trace-normalize's run: records are gathered into batches; worker threads check each one that
// may be trace/v1 (the schema-only scan: the whole record checked as JSON, only `schema`
// built), and the reading thread, in input order, passes trace/v1 records through and maps
// every other one (sessions of lines and span groups span records, so mapping stays in order).
#include "normalize.hpp"

#include "dialects/dialect.hpp"
#include "mapping.hpp"
#include "session_lines.hpp"
#include "span_session.hpp"

#include <libstream/batched_records.hpp>
#include <libstream/document.hpp>
#include <libstream/projection.hpp>

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <utility>

namespace tracemill {

using normalize::DialectSpec;
using rapidjson::Value;

namespace {

/// What a worker found out about one record, and made of it when it could.
struct Screened {
  bool screened = false;  ///< the fields below are set (else the reading thread screens it)
  bool scanned = false;   ///< its text spells "schema": the schema-only scan ran
  bool trace_v1 = false;  ///< scanned, and trace/v1: passed through unchanged
  std::string refusal;    ///< scanned, and not JSON: rejected with this reason
  /// Mapped on the worker (a whole-record dialect that depends on no other record): `line`,
  /// `sessions`, `warnings` and `mapping_error` are the record's outcome, as the reading
  /// thread would have made it. False: the reading thread maps it.
  bool mapped = false;
  std::string line;
  size_t sessions = 1;
  std::vector<std::pair<std::string, std::string>> warnings;  ///< where, what
  std::optional<std::string> mapping_error;
  std::map<std::string, uint64_t> tallies;  ///< counted while mapping it, added to the run's when used
};

std::unique_ptr<libstream::ProjectingParser> schema_only_parser() {
  libstream::Projection schema_only;
  schema_only.keep_member("schema");
  return std::make_unique<libstream::ProjectingParser>(std::move(schema_only));
}

bool is_trace_v1(const Value& head) {
  const auto schema = normalize::text(libstream::find_member(head, "schema"));
  return head.IsObject() && schema && *schema == "trace/v1";
}

/// Tells a trace/v1 record, or one that is not JSON, by the schema-only scan. A record whose
/// text never spells "schema" cannot be trace/v1 (an escaped spelling is caught on the DOM
/// later): the scan, a second pass over its bytes, is skipped.
void screen_record(std::string_view raw, bool detecting, libstream::ProjectingParser& parser, Screened& result) {
  static constexpr std::string_view kSchemaKey = "\"schema\"";
  result.screened = true;
  result.mapped = false;
  result.trace_v1 = false;
  result.refusal.clear();
  result.scanned = detecting && memmem(raw.data(), raw.size(), kSchemaKey.data(), kSchemaKey.size()) != nullptr;
  if (!result.scanned) return;
  libstream::JsonError error;
  const Value* head = parser.parse(raw.data(), raw.size(), &error);
  if (head == nullptr) {
    result.refusal = error.describe();
  } else {
    result.trace_v1 = is_trace_v1(*head);
  }
}

}  // namespace

void run_normalize(const NormalizeOptions& options, libstream::ToolContext& context) {
  Normalizer normalizer(options);
  libstream::DocumentParser parser;
  // trace/v1 records pass through unchanged: for them only `schema` is built (the scan still
  // checks the whole record as JSON), not a DOM of every message.
  const std::unique_ptr<libstream::ProjectingParser> schema_parser = schema_only_parser();
  const bool detecting = options.dialect == "auto";
  std::string line;
  normalize::SessionLines session;
  std::string last_span_file;
  // Span records: the spans of a trace may be many records apart (one span per line, OTLP
  // batches); a bounded window of open traces groups them (span_session.hpp).
  normalize::spans::SpanWindow window(options.span_window, [&](normalize::spans::SpanList& group, const std::string& id, size_t part) {
    const std::string where = group.front()->file + ":" + std::to_string(group.front()->line);
    normalizer.normalize_spans(group, id, part, line, [&](const std::string& message) { context.warning(where, message); });
    context.write_line(line);
    --context.counters().written;  // counted with its records, when they were read
  });

  libstream::BatchedReading how{options.threads, /*keep_written=*/true};
  how.batch_bytes = options.batch_bytes;
  std::vector<std::unique_ptr<libstream::ProjectingParser>> schema_parsers;
  for (unsigned k = 0; k < how.workers(); ++k) schema_parsers.push_back(schema_only_parser());
  std::map<std::string, uint64_t> tallies;  // of the records mapped on workers whose outcome was used
  // Whole records are mapped on the workers when there are workers (on the reading thread a
  // record would be parsed twice when its dialect turns out to need the reading thread) and
  // no --map or --dataset-info, whose state spans records. Each worker has its own
  // Normalizer; their tallies are added up at the end.
  const bool mapping_on_workers = options.threads > 0 && normalizer.mapping() == nullptr && options.dataset_info.empty();
  std::vector<std::unique_ptr<Normalizer>> worker_normalizers;
  std::vector<libstream::DocumentParser> worker_parsers(mapping_on_workers ? how.workers() : 0);
  for (unsigned k = 0; mapping_on_workers && k < how.workers(); ++k) worker_normalizers.push_back(std::make_unique<Normalizer>(options));
  // Maps record i on a worker if its dialect allows; true when it opens a line-per-event
  // session instead (the records of its input after it then join that session).
  const auto map_on_worker = [&](const libstream::RecordBatch& batch, size_t i, Screened& result, unsigned worker) {
    const std::string_view raw = batch.raw_record(i);
    const Value* root = worker_parsers[worker].parse(raw.data(), raw.size(), nullptr);
    if (root == nullptr || (detecting && is_trace_v1(*root)) || !root->IsObject()) return false;  // the reading thread says why
    Normalizer& mine = *worker_normalizers[worker];
    const DialectSpec* dialect = mine.dialect_of(*root);
    if (dialect != nullptr && dialect->lines != nullptr) return true;
    if (dialect == nullptr || dialect->spans != nullptr || dialect->uses_carried) return false;
    const std::string& name = batch.source_name(i);
    const std::string where = name + ":" + std::to_string(batch.entries[i].line);
    result.warnings.clear();
    result.mapping_error.reset();
    try {
      mine.normalize(*root, name, result.line, [&](const std::string& message) { result.warnings.emplace_back(where, message); },
                     batch.entries[i].framed_by_structure ? std::string_view() : raw);
      result.sessions = mine.last_session_count();
    } catch (const MappingError& e) {
      result.mapping_error = e.reason;
    }
    // Counted into the run only if the reading thread takes this outcome (it maps a record
    // again itself when the record turns out to join a session).
    result.tallies = mine.take_tallies();
    result.mapped = true;
    return false;
  };
  // Without workers the reading thread screens each record itself, and only when no session
  // is open (as a session's line is parsed where the session keeps it). Workers skip the
  // records of an input after a line that opens a session: those lines join it.
  const auto screen = [&](const libstream::RecordBatch& batch, std::vector<Screened>& results, unsigned worker) {
    uint32_t session_source = UINT32_MAX;
    for (size_t i = 0; i < batch.size(); ++i) {
      Screened& result = results[i];
      result.screened = false;
      result.mapped = false;
      if (options.threads == 0 || batch.entries[i].source == session_source) continue;
      screen_record(batch.raw_record(i), detecting, *schema_parsers[worker], result);
      if (result.trace_v1 || !result.refusal.empty() || !mapping_on_workers) continue;
      if (map_on_worker(batch, i, result, worker)) session_source = batch.entries[i].source;
    }
  };

  // A mapped record's line(s): `sessions` is how many the record held.
  const auto write_mapped = [&](const std::string& mapped, size_t sessions, std::string_view written) {
    if (sessions != 1) {
      // A record holding several sessions writes them all, one line each, and counts once
      // (read = written + filtered + rejected counts records); one holding none is filtered.
      if (mapped.empty()) {
        ++context.counters().filtered;  // the dialect says why when it matters
      } else {
        context.write_line(mapped);
      }
    } else if (mapped.empty()) {
      context.write_line(written);  // trace/v1: unchanged
    } else {
      context.write_line(mapped);
    }
  };
  // A record a worker mapped: its warnings, then its line(s) or its rejection, as if mapped here.
  const auto emit_mapped = [&](const Screened& screened, const auto& reject, std::string_view written) {
    for (const auto& [where, what] : screened.warnings) context.warning(where, what);
    for (const auto& [what, count] : screened.tallies) tallies[what] += count;
    if (screened.mapping_error) {
      reject(*screened.mapping_error);
    } else {
      write_mapped(screened.line, screened.sessions, written);
    }
  };

  // --map is applied to every record but trace/v1 ones, and says so once.
  const auto note_passed_through = [&] {
    if (normalizer.mapping() != nullptr) normalizer.mapping()->note("records already trace/v1, passed through unchanged (not mapped)");
  };
  // One record, in input order; `written` is the record as it goes out unchanged.
  const auto take = [&](const libstream::RecordBatch& batch, size_t i, Screened& screened) {
    const std::string& name = batch.source_name(i);
    const libstream::RecordBatch::Entry& entry = batch.entries[i];
    const std::string_view raw = batch.raw_record(i);
    const std::string_view written = batch.kept_record(i);
    const auto reject = [&](const std::string& reason) {
      context.reject(name, entry.line, entry.offset, reason, raw, raw.size());
    };
    libstream::RawRecord record;
    record.data = const_cast<char*>(raw.data());  // read only: the parsers copy what they decode
    record.size = raw.size();
    record.line = entry.line;
    record.offset = entry.offset;
    record.full_size = raw.size();
    libstream::JsonError error;
    // While a session is open, a line is parsed once, where the session keeps its lines, and
    // trace/v1 is told from that DOM; otherwise by the workers' schema-only scan first.
    const bool collecting = session.active();
    if (!collecting && !screened.screened) screen_record(raw, detecting, *schema_parser, screened);
    const bool may_be_trace_v1 = !collecting && screened.scanned;
    if (may_be_trace_v1) {
      if (!screened.refusal.empty()) {
        reject(screened.refusal);
        return;
      }
      if (screened.trace_v1) {
        note_passed_through();
        context.write_line(written);  // idempotent: unchanged
        return;
      }
    }
    if (!collecting && screened.mapped) {
      emit_mapped(screened, reject, written);
      return;
    }
    const Value* root = collecting ? session.parse(record, error) : parser.parse(raw.data(), raw.size(), &error);
    if (root == nullptr) {
      // Rejected with the schema-only scan's words when that scan was skipped, as when it ran.
      libstream::JsonError scan_error;
      if (!collecting && detecting && !may_be_trace_v1 && schema_parser->parse(raw.data(), raw.size(), &scan_error) == nullptr) {
        error = scan_error;
      }
      reject(error.describe());  // a broken line of a session: rejected alone
      return;
    }
    if (detecting && (collecting || !may_be_trace_v1) && is_trace_v1(*root)) {
      if (!collecting) note_passed_through();
      session.flush(normalizer, context, line);
      context.write_line(written);
      return;
    }
    if (collecting) {
      if (session.continues(name)) {
        session.keep();
        return;
      }
      session.flush(normalizer, context, line);  // `root` stays valid: the flush keeps the last line parsed
    }
    const DialectSpec* dialect = root->IsObject() ? normalizer.dialect_of(*root) : nullptr;
    if (dialect != nullptr && dialect->spans != nullptr) {
      std::vector<std::unique_ptr<normalize::spans::Span>> spans;
      try {
        dialect->spans->decode(*root, raw, spans);
      } catch (const MappingError& e) {
        reject(e.reason);  // none of its spans joins a trace
        return;
      }
      if (spans.empty()) {
        ++context.counters().filtered;  // a document of no spans (an empty export)
        return;
      }
      ++context.counters().written;  // a record counts once, whatever sessions its spans join
      last_span_file = name;
      for (auto& span : spans) {
        span->file = name;
        span->line = entry.line;
        window.add(std::move(span));
      }
      return;
    }
    if (dialect != nullptr && dialect->lines != nullptr) {
      if (!collecting) root = session.parse(record, error);  // the session's first line, into its slot
      session.start(dialect, name);
      return;
    }
    const std::string where = name + ":" + std::to_string(entry.line);
    try {
      // NDJSON lines are one line already: their untouched members are copied byte for byte.
      normalizer.normalize(*root, name, line, [&](const std::string& message) { context.warning(where, message); },
                           entry.framed_by_structure ? std::string_view() : raw);
      write_mapped(line, normalizer.last_session_count(), written);
    } catch (const MappingError& e) {
      reject(e.reason);
    }
  };
  libstream::for_each_record_batch<Screened>(
      context, how, screen,
      [&](const libstream::RecordBatch& batch, std::vector<Screened>& results, const std::vector<std::string>&) {
        for (size_t i = 0; i < batch.size(); ++i) take(batch, i, results[i]);
      });

  session.flush(normalizer, context, line);
  window.flush_all();
  if (window.splits() > 0) {
    context.warning(last_span_file, std::to_string(window.splits()) + " trace(s) split in two or more sessions: their spans were more than --span-window " +
                                           std::to_string(options.span_window) + " traces apart");
  }
  for (const auto& [what, count] : normalizer.tallies()) tallies[what] += count;
  for (const auto& [what, count] : tallies) context.warning("", std::to_string(count) + " " + what);
  if (normalize::Mapping* mapping = normalizer.mapping()) {
    // Every path that missed and every value made up or converted, once, with its count.
    std::vector<std::string> warnings, errors;
    mapping->report(warnings, errors);
    for (const std::string& w : warnings) context.warning("", w);
    for (const std::string& e : errors) context.error("", e);
  }
}

}  // namespace tracemill

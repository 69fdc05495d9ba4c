// What a dialect is: how its records are recognised (a few members, checked cheaply) and how
// they map to trace/v1. Each dialect is one file in this folder defining one DialectSpec; the
// table in registry.cpp lists them in the order detection tries them.
//
// Two shapes of source exist:
//   - a record is a whole session (synth-ai exports, SFT lines): `map_record`;
//   - a session is many records, one event per line (Claude Code, Codex CLI): `lines`, whose
//     rules say which lines belong together; the driver collects a session's lines (in input
//     order, from one input) and hands them to `map_session` at once. Memory is one session's.
//   - a record is many sessions (tau2-bench results, ATIF with embedded subagents):
//     `map_sessions`; the record still counts once (written, or filtered when it held none).
#pragma once

#include "../session_builder.hpp"
#include "../trace_record.hpp"

#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill::normalize {

class Mapping;
namespace spans {
struct Span;
}

/// Tracing formats, whose records hold spans rather than sessions: the driver groups the spans
/// of many records by trace (span_session.hpp) and maps each group to one session.
struct SpanRules {
  /// Appends the spans of one record. `text` is the record's own text when known (the exact
  /// digits of ids too large for 64 bits are read back from it).
  void (*decode)(const rapidjson::Value& record, std::string_view text, std::vector<std::unique_ptr<spans::Span>>& out);
  /// Maps one group (the spans of a trace, in arrival order) to a session, for formats whose
  /// spans are not OpenTelemetry's (LangSmith runs); null: span_chat's OpenTelemetry mapping.
  void (*map_group)(std::vector<std::unique_ptr<spans::Span>>& group, const std::string& session_id, size_t part,
                    const Warn& warn, Record& out) = nullptr;
};

/// What a mapping may read besides the record: where it came from and the user's options.
struct MapContext {
  const std::string& file;  ///< input name ("-" for standard input)
  std::string_view raw;     ///< the record's own text when it is one NDJSON line, else empty
  const Warn& warn;         ///< warnings about what the source lacks or what was guessed
  Mapping* mapping;  ///< --map, --map-file, --records, --role (mapping.hpp); null without them
  /// Facts a record leaves for the records read after it, by name (a vf-eval metadata.json
  /// read before its results rows gives them their model); kept for the whole run.
  std::map<std::string, std::string>* carried = nullptr;
  /// What the run counts and reports at its end, by what was counted ("tool call ids made
  /// up where the source has none"): guesses too frequent to warn of record by record.
  std::map<std::string, uint64_t>* tallies = nullptr;
};

/// One line of a line-per-event session, with where it was read.
struct SessionLine {
  const rapidjson::Value* value;
  uint64_t line;         ///< line number in its input
  std::string_view raw = {};  ///< the line as read (empty when unknown): members can be copied from it byte for byte
  /// The buffer `value` was parsed from in place, a copy of `raw` (null when not so parsed):
  /// each top-level key's text lies at the same offset in both, so raw_members finds a
  /// member's text from the keys around it instead of scanning the line again.
  const char* parsed_in_place = nullptr;
};

/// The raw text of each top-level member of `line`, in the DOM's member order, for copying
/// untouched members byte for byte (numbers as written, no re-serialising); nullopt for a
/// member whose key was escaped or whose text holds a tab, which must be serialised instead.
std::vector<std::optional<std::string_view>> raw_members(const SessionLine& line);

/// A session key that always opens a new session (see LineRules::session_key).
inline constexpr std::string_view kStartsSession = "\x01starts-session";

/// How a line-per-event format groups its lines into sessions.
struct LineRules {
  /// Whether `line` is a line of this format at all, once a session of it is open: looser
  /// than `recognise` (Gemini CLI's `{"$set": ...}` patches say nothing of their format).
  bool (*belongs)(const rapidjson::Value& line);
  /// The session a line names; empty when it names none (it joins the open session). A line
  /// naming another session than the open one starts a new session; so does a line whose key
  /// is kStartsSession (a conversation's first message, when lines carry no session id).
  std::string (*session_key)(const rapidjson::Value& line);
  /// Maps one session's lines, in input order. Throws MappingError to reject them all.
  void (*map_session)(const std::vector<SessionLine>& lines, const MapContext& context, Record& out);
  /// Optional: whether `line`, naming another session than the open one, continues it all the
  /// same, given the session's line before it (a Codex CLI fork copies its ancestors' own
  /// session_meta lines right after its first). Null: such a line starts a new session.
  bool (*adopts)(const rapidjson::Value& previous, const rapidjson::Value& line) = nullptr;
};

struct DialectSpec {
  const char* name;           ///< as --dialect and --list-dialects name it, and as counted
  const char* identified_by;  ///< the members that identify it, for --list-dialects
  const char* manual_section; ///< its section of tools/trace-normalize/README.md
  /// Whether a record (a whole record, or the first line of a session) is of this dialect.
  /// Null for dialects chosen only by an option (--map).
  bool (*recognise)(const rapidjson::Value& record);
  /// A record that is a whole session; null for line-per-event formats.
  void (*map_record)(const rapidjson::Value& record, const MapContext& context, Record& out);
  /// Line-per-event formats; null for whole-record dialects.
  const LineRules* lines;
  /// A record holding several sessions (a tau2-bench results document, an ATIF trajectory
  /// embedding its subagents): each session is built in a Record of its own and appended to
  /// `sessions` as one finished trace/v1 line; none is a valid answer (the record is then
  /// counted as filtered). Null when a record is one session. Throws MappingError to reject.
  void (*map_sessions)(const rapidjson::Value& record, const MapContext& context, std::vector<std::string>& sessions) =
      nullptr;
  /// Span records (OpenTelemetry, OpenInference, any-agent); null otherwise.
  const SpanRules* spans = nullptr;
  /// Reads or leaves MapContext::carried: its records are mapped in input order on the reading
  /// thread, never on a worker thread (a results row needs the metadata read before it).
  bool uses_carried = false;
};

/// Every dialect, in detection order.
const std::vector<const DialectSpec*>& all_dialects();
/// The dialect named `name`, or nullptr.
const DialectSpec* find_dialect(std::string_view name);
/// The first dialect whose recognise() accepts `record`, or nullptr.
const DialectSpec* detect_dialect(const rapidjson::Value& record);

}  // namespace tracemill::normalize

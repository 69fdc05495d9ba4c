// Spans to sessions, for every tracing format (OTLP/JSON, OpenTelemetry SDK span dumps,
// any-agent traces, OpenInference exports): a span decoded into one common shape whatever its
// container, the window that groups the spans of a trace (or conversation) while bounding what
// is held, and the decoding helpers the containers share (ids in hex, base64 or decimal; times
// in Unix nanoseconds, ISO text or [seconds, nanoseconds]; OTLP typed attribute values).
//
// Interface for span dialects:
//   1. a dialect's SpanRules::decode turns one record into Spans (owning their data);
//   2. SpanWindow::add groups them; a group pushed out of the window (or flushed at the end)
//      is handed to the Emit callback with the session id it gets;
//   3. map_span_session (span_chat.hpp) turns a group into one trace/v1 record.
#pragma once

#include "json_text.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace tracemill::normalize::spans {

/// An event of a span (a log record on it): name, time, attributes in flat form.
struct SpanEvent {
  std::string name;
  std::optional<int64_t> time_ns;
  std::string time_text;  ///< the time as written (JSON), kept with the event
  rapidjson::Document attributes{rapidjson::kObjectType};
  std::vector<std::pair<std::string, std::string>> rest;  ///< other members of the event, as JSON
};

/// One span, whatever container it came in. Owns everything: the record it came from may go.
struct Span {
  std::string trace_id;   ///< lower-case hex; empty when the span has none
  std::string span_id;    ///< lower-case hex, or empty
  std::string parent_id;  ///< lower-case hex, or empty for a root
  std::string name, kind;  ///< kind in lower case: internal, server, client, producer, consumer, unspecified
  std::optional<int64_t> start_ns, end_ns;
  std::string start_text, end_text;  ///< the times as written (JSON), kept in extra
  std::string status_code;           ///< ok, error, unset, or empty
  std::string status_message;
  /// Attributes in flat form: dotted key -> plain JSON value (OTLP typed values decoded,
  /// nested objects flattened to dotted keys, arrays of objects to dotted indices).
  rapidjson::Document attributes{rapidjson::kObjectType};
  std::vector<SpanEvent> events;
  std::string resource;  ///< JSON object of the resource attributes (flat), or empty
  std::string scope;     ///< JSON of the instrumentation scope, or empty
  std::vector<std::pair<std::string, std::string>> rest;  ///< span members not decoded above, as JSON
  /// Members of the record around the spans (any-agent's final_output), on its first span only.
  std::vector<std::pair<std::string, std::string>> record_extra;
  std::string session_hint;  ///< the session id of a span that names no trace (a content hash)
  std::string format;  ///< the dialect of the record it came from
  std::string file;
  uint64_t line = 0;
  uint64_t arrival = 0;  ///< set by the window: input order, the tie-break of start times

  /// The attribute `key` (flat), or nullptr.
  [[nodiscard]] const Value* attribute(std::string_view key) const;
  /// The conversation the span belongs to (gen_ai.conversation.id, session.id), or empty.
  [[nodiscard]] std::string conversation_id() const;
};

using SpanList = std::vector<std::unique_ptr<Span>>;

/// Flattened list attributes (`llm.input_messages.0.message.role`, `gen_ai.prompt.1.content`):
/// for `prefix` ("llm.input_messages."), the entries by index, each (rest of the key, value),
/// the rest starting after the index's dot ("message.role"). Keys are added to `used`.
std::map<size_t, std::vector<std::pair<std::string, const Value*>>> indexed_attributes(const Span& span, std::string_view prefix,
                                                                                     std::set<std::string>& used);

// ---- decoding helpers shared by the containers ----

/// An id as lower-case hex: hex text (upper case and a 0x prefix accepted), base64 of 8 or
/// 16 bytes (OTLP protobuf-JSON), or a decimal integer (any-agent; `exact` is its text when
/// it did not fit 64 bits). `width` is 16 (span) or 32 (trace) hex digits. Empty when the
/// value is absent, null, empty or unreadable.
std::string id_hex(const Value* value, size_t width, std::string_view exact = {});
/// Bytes of a base64 text (standard or URL alphabet, padding optional); nullopt when not base64.
std::optional<std::string> base64_decode(std::string_view text);
/// A time as Unix nanoseconds: an integer or digit string (nanoseconds), [seconds, nanos],
/// or ISO 8601 text. nullopt when not a time.
std::optional<int64_t> time_ns(const Value* value);
/// Adds the attributes of `source` to `flat` (an object): an OTLP KeyValue list
/// [{key, value: AnyValue}], or a JSON object (nested objects flattened to dotted keys).
void decode_attributes(const Value* source, rapidjson::Document& flat);
/// A deep copy of `source` whose strings `allocator` owns (rapidjson 1.1 only references the
/// strings of an in-situ parse, which die with the record's buffer).
void copy_value(const Value& source, Value& out, rapidjson::Document::AllocatorType& allocator);
/// A deep copy (see copy_value).
inline Value own(const Value& source, rapidjson::Document::AllocatorType& allocator) {
  Value out;
  copy_value(source, out, allocator);
  return out;
}
/// An OTLP AnyValue ({stringValue}, {intValue: "12"}, {doubleValue}, {boolValue},
/// {arrayValue: {values}}, {kvlistValue: {values}}, {bytesValue}) as a plain JSON value.
void decode_any_value(const Value& any, Value& out, rapidjson::Document::AllocatorType& allocator);
/// Decimal texts of the integers in `json` too large for 64 bits, by the double they parse
/// to (ids of any-agent traces are 128-bit decimals): the exact text of an id read as a double.
std::map<double, std::string> big_integers(std::string_view json);

/// A source item a decode kept whole as JSON text (Span::rest, record_extra), parsed back into
/// a value `allocator` owns; null for text that does not parse (never: decode wrote it).
Value parse_kept(std::string_view json, rapidjson::Document::AllocatorType& allocator);

// ---- grouping ----

/// Groups spans into sessions: one per trace, or per conversation when spans name one
/// (traces sharing a conversation join it). At most `max_groups` groups are held; adding a
/// span to a new group beyond that writes the group touched least recently. A span arriving
/// for a group already written starts a second part of it (session id `<id>~2`), counted
/// in splits() and warned by the mapping: never silently.
class SpanWindow {
 public:
  /// A finished group: its spans in arrival order, the session id, and the part (1, 2, ...).
  using Emit = std::function<void(SpanList& spans, const std::string& session_id, size_t part)>;
  SpanWindow(size_t max_groups, Emit emit);
  void add(std::unique_ptr<Span> span);
  /// Writes every group held, least recently touched first.
  void flush_all();
  [[nodiscard]] size_t splits() const { return splits_; }
  [[nodiscard]] size_t held() const { return groups_.size(); }

 private:
  struct Group {
    std::vector<std::string> keys;  // "t:<trace>" and "c:<conversation>" aliases
    std::string session_id;
    size_t part = 1;
    SpanList spans;
  };
  using Iterator = std::list<Group>::iterator;
  void emit(Iterator group);

  size_t max_groups_;
  Emit emit_;
  std::list<Group> groups_;  // least recently touched first
  std::unordered_map<std::string, Iterator> by_key_;
  std::unordered_map<uint64_t, size_t> written_parts_;  // hash of a key -> parts written
  uint64_t arrivals_ = 0;
  size_t splits_ = 0;
};

/// The session id of part `part` of a trace's group: `session_id`, or `<session_id>~<part>`
/// for the later parts of a trace the window split (warned: its spans came after its first
/// part was written, more than --span-window traces apart).
std::string part_session_id(const std::string& session_id, size_t part, const std::function<void(const std::string&)>& warn);

}  // namespace tracemill::normalize::spans

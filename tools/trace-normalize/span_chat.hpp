// A session from the spans of one trace (or conversation): what each span says about the
// chat, read by the attribute flavour it carries (OpenTelemetry GenAI conventions, old and
// new; OpenInference; any-agent's GenAI dialect), then the conversation rebuilt from the LLM
// spans with ChatBuilder (each call's prompt prefix appended once), tool spans as the results
// answering their call ids, usage summed once per LLM call, and every other span and every
// unmapped member kept.
#pragma once

#include "dialects/agent_common.hpp"
#include "span_session.hpp"
#include "trace_record.hpp"

#include <set>
#include <string>
#include <vector>

namespace tracemill::normalize::spans {

/// What a span is in the chat.
enum class SpanPart { llm, tool, other };

/// What one span says, in OpenAI chat shapes whatever its flavour.
struct SpanReading {
  SpanPart part = SpanPart::other;
  const char* flavour = "";  ///< "gen_ai", "openinference", or "" (no LLM attributes)
  /// The call's prompt: an array of OpenAI-shaped messages ({role, content, tool_calls,
  /// tool_call_id, name}); null when the span does not say (the conversation so far is assumed).
  rapidjson::Document prompt;
  /// The call's reply: one OpenAI-shaped assistant message; null when the span has none.
  rapidjson::Document reply;
  /// Tool calls of the reply whose ids were made (the source had none): (id, name).
  std::vector<std::pair<std::string, std::string>> made_calls;
  // A tool span: the call it answers and its result.
  std::string call_id, tool_name, arguments_json, result_json;
  bool is_error = false;
  agent::UsageCounts usage;
  std::optional<double> cost;
  std::string model;
  std::set<std::string> used;  ///< attribute keys mapped (the rest stay in the span's extra)
};

/// Reads a span carrying OpenInference attributes (openinference.span.kind, llm.*).
bool read_openinference(const Span& span, SpanReading& out);
/// Reads a span carrying GenAI attributes (gen_ai.*, old and new conventions, any-agent's).
void read_gen_ai(const Span& span, SpanReading& out);

/// Appends an OpenAI-shaped message from a GenAI "parts" message ({role, parts: [{type: text |
/// tool_call | tool_call_response | reasoning | ...}]}) or an OpenAI one, to `array`. A
/// message of several tool_call_response parts gives one tool message each.
void add_chat_message(const Value& message, Value& array, rapidjson::Document::AllocatorType& allocator);
/// A JSON text, or a value, holding a list of messages (parts or OpenAI form), into `out` (an array).
void add_chat_messages(const Value* messages, rapidjson::Document& out);

/// Fills `out` with the trace/v1 session of `spans` (one trace or conversation). `part` > 1
/// marks the later part of a group the window had to write early (warned, id `<id>~<part>`).
void map_span_session(SpanList& spans, const std::string& session_id, size_t part, const Warn& warn, Record& out);

}  // namespace tracemill::normalize::spans

// The session builder every dialect shares: messages in trace/v1 form (roles, content forms,
// tool calls in OpenAI form with their ids), usage sums that stay unknown until a source has a
// value, per-turn facts, synth-ai metadata, and row ordering.
#pragma once

#include "json_text.hpp"
#include "normalize.hpp"
#include "trace_record.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill::normalize {

using Warn = std::function<void(const std::string&)>;

using tracemill::MappingError;

/// What set_tool_calls made up on this thread since the last call, whichever dialect called
/// it: the driver takes these after each record and reports them at the end of the run, so
/// no dialect can make up an id, a name or an arguments object without it being reported.
struct ToolCallGuesses {
  uint64_t made_call_ids = 0;
  uint64_t unnamed_calls = 0;
  uint64_t wrapped_arguments = 0;
  uint64_t parts_as_text = 0;  // content parts trace/v1 has no form for, kept as their JSON text
  // 1 when the record holds tool messages naming no call, written as user messages (a flag:
  // a message's json() may run more than once, for a repeated prompt's comparison key).
  uint64_t results_without_call = 0;
};
/// This thread's counts, for a caller that makes an id up before set_tool_calls sees the call.
ToolCallGuesses& tool_call_guesses();
ToolCallGuesses take_tool_call_guesses();

struct Message {
  std::string role;
  std::string id;                // the source's own id of the message, or empty
  std::string content = "null";  // JSON
  std::string reasoning;         // JSON array of reasoning parts, or empty
  std::optional<bool> is_error;  // on tool messages, when the source says
  std::string tool_calls;        // JSON array, or empty
  std::string tool_call_id;
  std::string name;
  std::string original_role;
  std::string original_arguments;  // JSON object call id -> original arguments, or empty
  std::optional<int64_t> turn;
  std::string model;
  std::string usage;  // JSON object, or empty
  std::string created_at;
  int64_t context_messages = -1;
  std::vector<std::pair<std::string, std::string>> extra;
  // What set_tool_calls had to make up or wrap, for a dialect to count and warn about.
  uint32_t made_call_ids = 0;      // calls without an id: made from the prefix
  uint32_t unnamed_calls = 0;      // calls without a name (written as "unnamed")
  uint32_t wrapped_arguments = 0;  // arguments strings that are not JSON text: {"input": text}

  /// The message as trace/v1 JSON. A tool message that names no call is the source's text
  /// all the same, kept as a user message (original_role tool), and the record counted.
  [[nodiscard]] std::string json() const;
  /// The same JSON appended to `out`: a session's messages are written into one buffer
  /// instead of one string each copied again into the array.
  void append_json(std::string& out) const;
  /// About the size of json() (exact but for escapes), for reserving a buffer up front.
  [[nodiscard]] size_t json_size_hint() const;
};

/// Sums that stay "unknown" until a source has a value (never 0 for missing).
struct Usage {
  std::optional<uint64_t> input, output, total;
  void add(std::optional<int64_t> in, std::optional<int64_t> out, std::optional<int64_t> tot) {
    if (in && *in >= 0) input = input.value_or(0) + static_cast<uint64_t>(*in);
    if (out && *out >= 0) output = output.value_or(0) + static_cast<uint64_t>(*out);
    if (!tot && in && out) tot = *in + *out;
    if (tot && *tot >= 0) total = total.value_or(0) + static_cast<uint64_t>(*tot);
  }
  [[nodiscard]] bool known() const { return input || output || total; }
  [[nodiscard]] std::string json() const {
    const auto n = [](const std::optional<uint64_t>& x) { return x ? std::to_string(*x) : std::string("null"); };
    return "{\"input_tokens\":" + n(input) + ",\"output_tokens\":" + n(output) + ",\"total_tokens\":" + n(total) + "}";
  }
};

/// Per-turn facts for window scoring: rewards by type and achievements first unlocked.
struct Turns {
  std::map<int64_t, std::map<std::string, double>> rewards;
  std::map<int64_t, std::vector<std::string>> unlocked;
  std::map<int64_t, std::vector<std::string>> hooks;
  std::set<int64_t> seen;
  [[nodiscard]] std::string json() const {
    std::string out = "[";
    for (int64_t turn : seen) {
      if (out.size() > 1) out += ',';
      out += "{\"turn\":" + std::to_string(turn);
      if (const auto it = rewards.find(turn); it != rewards.end()) {
        out += ",\"rewards\":{";
        bool first = true;
        for (const auto& [type, value] : it->second) {
          out += (first ? "" : ",") + quote(type) + ":" + number_json(value);
          first = false;
        }
        out += '}';
      }
      out += ",\"new_achievements\":[";
      if (const auto it = unlocked.find(turn); it != unlocked.end()) {
        for (size_t i = 0; i < it->second.size(); ++i) out += (i > 0 ? "," : "") + quote(it->second[i]);
      }
      out += ']';
      if (const auto it = hooks.find(turn); it != hooks.end()) {
        out += ",\"hooks\":[";
        for (size_t i = 0; i < it->second.size(); ++i) out += (i > 0 ? "," : "") + quote(it->second[i]);
        out += ']';
      }
      out += '}';
    }
    return out + "]";
  }
};

/// Sort key of a row: (turn, id), missing turns first; rows keep their order on ties.
struct Ordered {
  const Value* row;
  std::optional<int64_t> turn;
  int64_t id;
  size_t position;
};

/// trace/v1 role of a source message type; empty when the type is not part of a chat
/// (v2 Crafter observation / tool_call / action records, which go to env_messages).
std::string role_of_type(std::string_view type);

bool is_tool_call_item(const Value& item);

bool is_part_list(const Value& value);

/// One content part as trace/v1 writes it: a part that already is one is kept as written;
/// a text, refusal, image_url, input_audio or file part with other members has them moved
/// under its extra (a bare image_url string becomes {url}); anything else (a provider's own
/// part type, a part missing its payload) becomes a text part holding its JSON, counted in
/// tool_call_guesses().parts_as_text. trace/v1 knows no other part, and nothing is dropped.
std::string trace_part_json(const Value& part);

/// Message content as trace/v1 JSON: a string as it is, a part list part by part
/// (trace_part_json), anything else as its JSON text.
std::string trace_content_json(const Value& content);

/// Writes calls in OpenAI form; arguments given as objects are serialised and kept in
/// original_arguments by call id. Ids missing from the source are made from `id_prefix`.
/// A call (or its `function`) written as JSON in a string is read as the object it holds; an
/// arguments string that is not JSON text becomes {"input": text}, the text kept in
/// original_arguments. Throws MappingError for a call that is not an object. What was made
/// up is counted in the message (made_call_ids, unnamed_calls, wrapped_arguments).
void set_tool_calls(const Value& calls, Message& message, const std::string& id_prefix);


/// Fills content (and tool calls, tool_call_id, name) from a chat-shaped value: a string,
/// a part list, a tool-call list, {role, content, ...}, or a {payload} wrapper. Members it
/// does not map are kept in the message's extra.
void set_content(const Value& value, Message& message, const std::string& id_prefix, Embedded& embedded, int depth = 0);

/// Names unlocked in an achievements value: a list of names, an object of booleans, or an
/// object of counts (> 0 means unlocked). Order: as given.
std::vector<std::string> achievement_names(const Value* value);

/// Session-level fields from a synth-ai metadata object (docs/synth-ai-sources.md, "Session metadata"); the rest is
/// kept under extra.metadata.
void map_session_metadata(const Value* metadata, Record& out, std::string& metadata_model);

void set_model(Record& out, const std::string& event_model, const std::string& metadata_model);

void order_rows(std::vector<Ordered>& rows);

/// Messages of a chat list ({role, content} or ShareGPT {from, value}), every member kept.
void map_chat_messages(const Value& list, Record& out);

/// Throws MappingError ("a v3 record without a session_id string") unless `record` has one.
void need_session_id(const Value& record, const char* dialect);

}  // namespace tracemill::normalize

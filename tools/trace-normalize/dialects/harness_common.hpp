// Pieces the eval-harness and agent-framework dialects share (SWE-agent, mini-swe-agent,
// OpenHands): token counts with their cache and reasoning parts, message members the shared
// Message does not write (id, reasoning, is_error), session ids from file names, and the
// session's `source` object.
#pragma once

#include "dialect.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tracemill::normalize::harness {

/// Token counts that stay unknown until a source has a value (never 0 for missing).
struct TokenCounts {
  std::optional<uint64_t> input, output, total, cache_read, cache_creation, reasoning;

  /// Adds an OpenAI / LiteLLM / Anthropic / OpenHands usage object: prompt_tokens or
  /// input_tokens, completion_tokens or output_tokens, total_tokens, cached prompt tokens
  /// (prompt_tokens_details.cached_tokens, cache_read_input_tokens, cache_read_tokens),
  /// cache writes (cache_creation_input_tokens, cache_write_tokens) and reasoning tokens
  /// (completion_tokens_details.reasoning_tokens, reasoning_tokens).
  void add_usage(const Value& usage);
  void add(const TokenCounts& other);
  [[nodiscard]] bool known() const { return input || output || total; }
  /// The trace/v1 usage object; total is input + output when the source gave none.
  [[nodiscard]] std::string json() const;
};

/// Tool call ids unique within a session. A source that issues an id again (SWE-agent
/// replays) has the repeat renamed `<id>~2`, `<id>~3`, ... (the source's id kept in the
/// message's extra.source_tool_call_ids); a result answers the latest call of its id.
class CallIds {
 public:
  /// Renames repeated ids in `message.tool_calls` (as set_tool_calls writes them).
  void issue(Message& message);
  /// The id a result answering the source's `id` takes.
  [[nodiscard]] std::string answer(const std::string& id) const;
  [[nodiscard]] size_t renamed() const { return renamed_; }

 private:
  std::map<std::string, std::string> latest_;
  std::map<std::string, int> uses_;
  size_t renamed_ = 0;
};

/// `message` (a JSON object's text) with `members` (key, JSON) added at its end.
std::string with_members(std::string message, const std::vector<std::pair<std::string, std::string>>& members);

/// trace/v1 reasoning parts from Anthropic thinking blocks ({type: thinking, thinking,
/// signature} / {type: redacted_thinking, data}) and a plain reasoning text; empty when none.
std::string reasoning_json(const Value* thinking_blocks, const Value* reasoning_text);

/// The base name of `file` without its directory and its .zst/.gz, .json/.jsonl and .traj
/// suffixes; empty for standard input.
std::string file_stem(const std::string& file);

/// The input file a record names (trace-read --with-source: `_source.file`), else `file`.
std::string record_file(const Value& record, const std::string& file);

/// The session's `source` object: {"format", "version"?, and the members of `_source`}.
std::string source_json(const char* format, std::optional<std::string_view> version, const Value* provenance);

using normalize::content_id;  // json_text.hpp: `<prefix><16 hex digits>` of the compact text

/// A time member from an ISO text or Unix seconds, as RFC 3339 UTC; empty when not a time.
std::string instant_text(const Value* value);

}  // namespace tracemill::normalize::harness

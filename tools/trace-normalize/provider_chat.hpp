// Chat messages in OpenAI form from the provider-native payloads observability backends store
// as an LLM call's input and output: OpenAI chat (messages, chat.completion), OpenAI Responses
// items, Gemini contents/parts, Anthropic blocks, OTel GenAI {role, parts}, Vercel AI SDK
// parts and tool-call lists, LangChain messages. JSON held in strings is decoded first.
// Used by the Langfuse, LangSmith and OpenAI Agents SDK dialects.
#pragma once

#include "json_text.hpp"

#include <map>
#include <string>
#include <vector>

namespace tracemill::normalize::provider {

/// Converts one call's payloads. A call's prompt is converted before its completion, by the
/// same converter: calls without ids (Gemini function_call) get ids from their name and
/// rank, `call_<name>_<n>`, stable across calls that repeat the same prompt, and results
/// without ids answer the oldest unanswered call of their name.
class Converter {
 public:
  /// The messages of a prompt: a list of messages, {messages|contents|prompt|input, ...}, a
  /// string (one user message). Members of a wrapper that are not messages go to `rest`.
  void prompt(const Value* value, Embedded& embedded);
  /// The assistant messages of a completion: chat.completion (first choice), {message},
  /// Gemini {content}|{candidates}, Responses {output}, a message, a list, a string.
  void completion(const Value* value, Embedded& embedded);
  /// Responses API items (message, function_call, function_call_output, reasoning, ...).
  void responses_items(const Value& items, Embedded& embedded);

  /// The messages converted so far, each an OpenAI message as JSON text.
  std::vector<std::string> messages;
  /// Members of the payloads' wrappers not turned into messages, as (name, JSON).
  std::vector<std::pair<std::string, std::string>> rest;

  /// Appends one message of any known form (also used for single messages of a list).
  void message(const Value& value, Embedded& embedded, const char* default_role);

 private:
  std::string call_id(const std::string& name);
  std::string answer_id(const std::string& name);
  void gemini_contents(const Value& contents, Embedded& embedded);
  void flush_assistant();

  std::map<std::string, int> ranks_;                          // calls made so far, by name
  std::map<std::string, std::vector<std::string>> open_;      // unanswered call ids, by name
  std::string pending_calls_;                                 // Responses items: calls of the open assistant turn
  std::string pending_text_;                                  // ... and its text, JSON or empty
  std::string pending_reasoning_;                             // ... and its reasoning parts
};

/// Whether a value, once decoded, looks like a list of chat messages.
bool is_message_list(const Value& value);

}  // namespace tracemill::normalize::provider

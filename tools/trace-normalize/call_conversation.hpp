// A conversation rebuilt from a sequence of LLM calls, each holding its whole prompt: every
// call's prompt repeats the conversation so far, so only the part the conversation does not
// already end with is appended, then the call's completion. Used by every source that records
// calls rather than messages (synth-ai v2 call records, observability spans).
#pragma once

#include "json_text.hpp"
#include "session_builder.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tracemill::normalize {

class ChatBuilder {
 public:
  /// Appends the prompt of one LLM call, skipping the part the conversation already ends
  /// with, then its completion. The assistant message records how many messages its
  /// prompt held (context_messages), so per-turn examples hold exactly what the model saw.
  /// Messages are compared on role and content only (turns and usage are ours, not the prompt's).
  void add_call(const Value* prompt, const Value* completion, std::optional<int64_t> turn, const std::string& model,
                const std::string& usage, Embedded& embedded);
  /// The same for a call whose completion is a list of messages (a framework writing parallel
  /// tool calls as separate assistant messages): each is appended in order with its own role
  /// (assistant when it has none); model and usage go on the first, and each message's
  /// context_messages counts the prompt and the replies before it. An empty list is unanswered.
  void add_call_replies(const Value* prompt, const Value& replies, std::optional<int64_t> turn, const std::string& model,
                        const std::string& usage, Embedded& embedded);
  /// Prompts and replies are already OpenAI messages (provider_chat.hpp): taken as they are,
  /// content strings never decoded (a tool result that is JSON text stays text).
  void openai_messages(bool on) { openai_ = on; }
  /// trace/v1 branches ({after, messages}) the calls left (openai_messages mode only): a prompt
  /// that shares only its start with the conversation rewrites what followed (Koog repeats a
  /// reply's calls in another form); the conversation goes on with the prompt's version and
  /// the replaced messages are kept as a branch. JSON array, or empty.
  [[nodiscard]] std::string branches() const;
  [[nodiscard]] const std::vector<std::string>& messages() const { return messages_; }
  [[nodiscard]] size_t unanswered() const { return unanswered_; }

 private:
  size_t add_prompt(const Value* prompt, std::optional<int64_t> turn, Embedded& embedded);
  std::pair<std::string, std::string> convert(const Value& m, std::optional<int64_t> turn, Embedded& embedded);

  std::vector<std::string> messages_;
  std::vector<std::string> keys_;
  size_t unanswered_ = 0;
  bool openai_ = false;
  std::vector<std::string> branches_;
};

}  // namespace tracemill::normalize

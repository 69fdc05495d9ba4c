// A conversation rebuilt from a sequence of LLM calls, each holding its whole prompt: every
// call's prompt repeats the conversation so far, so only the part the conversation does not
// already end with is appended, then the call's completion. Used by every source that records
// calls rather than messages (synth-ai v2 call records, observability spans).
#pragma once

#include "json_text.hpp"
#include "session_builder.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tracemill::normalize {

/// What a call's reply carries besides its content (every member optional).
struct CallFacts {
  std::optional<int64_t> turn;
  std::string model, usage, created_at, id;
  /// False when the source does not record the call's prompt: nothing is appended for it and
  /// the reply has no context_messages (the conversation before it is taken as its prompt).
  bool prompt_known = true;
  std::vector<std::pair<std::string, std::string>> extra;  ///< the reply's extra members
};

/// A Message from one OpenAI-shaped message ({role, content, tool_calls, tool_call_id, name}),
/// as the provider and span readers build them for add_call: the role mapped (user when
/// unknown; the source's kept in original_role), content through trace_content_json (a string
/// that holds JSON stays that string), calls through set_tool_calls (ids made from
/// `id_prefix`, counted in the message), every other member kept in extra.
Message openai_to_message(const Value& m, const std::string& id_prefix);
/// The (id, name) of each call of an OpenAI tool_calls array, appended to `out` in order
/// (empty where the call has none); nothing when `tool_calls` is null or not an array.
void append_call_ids(const Value* tool_calls, std::vector<std::pair<std::string, std::string>>& out);

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
  /// As add_call above, for messages already converted (sources whose message shapes need their own
  /// rules). `reply` null: the call has no completion (counted in unanswered()). `on_new` sees
  /// each prompt message the conversation did not end with, before it is appended (after its
  /// comparison key is taken, so what it adds, such as extra, does not hinder later matches).
  void add_call(std::vector<Message> prompt, std::optional<Message> reply, const CallFacts& facts,
                const std::function<void(Message&)>& on_new = {});
  /// Appends a message that is no call's prompt or reply (a tool result recorded on its own).
  /// It takes part in prefix matching: a later prompt that holds it does not repeat it.
  void append(const Message& message);
  /// What prefix matching compares: the message as the model saw it (no turn, id, time,
  /// model, usage or extra).
  static std::string key_of(const Message& message);
  [[nodiscard]] const std::vector<std::string>& messages() const { return messages_; }
  [[nodiscard]] size_t unanswered() const { return unanswered_; }

 private:
  size_t add_prompt(const Value* prompt, std::optional<int64_t> turn, Embedded& embedded);
  std::pair<std::string, std::string> convert(const Value& m, std::optional<int64_t> turn, Embedded& embedded);
  [[nodiscard]] size_t new_part(const std::vector<std::pair<Message, std::string>>& prompt) const;
  void add_converted(std::vector<std::pair<Message, std::string>>& prompt, std::optional<Message> reply, std::string reply_key,
                     const CallFacts& facts, const std::function<void(Message&)>& on_new);

  std::vector<std::string> messages_;
  std::vector<std::string> keys_;
  size_t unanswered_ = 0;
  bool openai_ = false;
  std::vector<std::string> branches_;
};

}  // namespace tracemill::normalize

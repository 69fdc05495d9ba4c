// What the chat-dataset dialects share (ShareGPT, alpaca, LLaMA-Factory's OpenAI-style files,
// Agent Data Protocol, MT-bench): a conversation built message by message whose tool calls
// may lack ids (made up, deterministic, counted) and whose tool results answer the oldest
// open call; LLaMA-Factory's typed content parts `{type, value}`; the `tools` column; KTO
// labels; and preference rows (chosen / rejected) written as two sessions.
#pragma once

#include "dialect.hpp"

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill::normalize::chat {

/// What a role tag of a chat dataset stands for. ShareGPT (FastChat, LLaMA-Factory) and
/// OpenAI names are both read: human/user, gpt/assistant (and chatgpt, bard, bing, model,
/// bot), system, function_call/tool_call (an assistant's calls), observation/tool/function
/// (a tool's result).
enum class Tag { system, user, assistant, function_call, observation, unknown };
Tag tag_of(std::string_view name);

/// A conversation built message by message.
class Conversation {
 public:
  /// Appends `message` as it is.
  void add(const Message& message);
  /// An assistant message of calls from `value`: JSON text (or a value) of one {name, arguments}
  /// or a list of them (LLaMA-Factory's function_call). `index` numbers made-up ids
  /// (`call_<index>_<k>`). Throws MappingError when the value is no such JSON.
  void add_calls(const Value& value, size_t index, const std::string& where, Message message);
  /// Appends to `calls` (a JSON array's items, comma-separated) the calls in `value`: one
  /// call or a list, each {name, arguments} or OpenAI {id, function: {name, arguments}},
  /// JSON text or a value; they become open. False when `value` holds no call.
  bool collect_calls(const Value& value, size_t index, std::string& calls, std::string& originals);
  /// A tool result: answers the open call `call_id` names, else the oldest open call (a
  /// `tool` message, named after the call); with no call open it is a `user` message whose
  /// original_role says what it was.
  void add_result(Message message, std::string_view source_tag, std::string_view call_id = {});
  /// The messages as a JSON array.
  [[nodiscard]] std::string json() const { return array_json(messages_); }
  [[nodiscard]] size_t size() const { return messages_.size(); }
  [[nodiscard]] size_t open_calls() const { return open_.size(); }
  [[nodiscard]] const std::vector<std::string>& messages() const { return messages_; }
  /// Tool call ids made up because the source had none.
  [[nodiscard]] size_t made_up_ids() const { return made_up_; }
  /// Tool results that answered no open call, kept as user messages.
  [[nodiscard]] size_t results_without_call() const { return results_without_call_; }

 private:
  std::vector<std::string> messages_;
  std::deque<std::pair<std::string, std::string>> open_;  // call id, tool name; oldest first
  size_t made_up_ = 0;
  size_t results_without_call_ = 0;
  size_t made_up_message_ = SIZE_MAX;  // the message whose calls are numbered now
  size_t made_up_in_message_ = 0;
};

/// Whether `content` is a LLaMA-Factory list of typed parts `[{type, value}]`.
bool is_typed_parts(const Value& content);

/// One `{role, content}` message whose content is a string, OpenAI parts or LLaMA-Factory
/// typed parts (text -> text parts, reasoning -> `reasoning`, tool_call -> calls with made-up
/// ids, image_url -> image parts, any other part -> a text part holding its JSON). `role` is
/// the message's tag; members other than role and content go to the message's extra.
void add_message(const Value& message, std::string_view role, const Value* content, size_t index,
                 Conversation& conversation, const std::string& where, std::initializer_list<std::string_view> used);

/// The `tools` column: JSON text of tool schemas (parsed) or a value; kept in extra.tools.
void keep_tools(const Value* tools, Record& out);

/// A KTO label (`kto_tag`, `label`): a boolean gives reward 1 (desirable) or 0 with
/// reward_source `kto:<column>`. Returns the column used, or nullptr.
const char* set_kto_label(const Value& record, Record& out);

/// Session facts every chat dataset shares: made-up ids counted in extra and in the run's tallies.
void finish_conversation(const Conversation& conversation, const MapContext& context, Record& out);

/// A row written as one session `id`, or, when it has `chosen` and `rejected`, as two
/// sessions sharing the prompt: `<id>:chosen` (reward 1) and `<id>:rejected` (reward 0),
/// both with task_id `<id>` and reward_source `preference`, so `trace-pair --mode preference
/// --group-by task_id` gives the pair back. `side` appends a side's messages to a copy of
/// the prompt. Each session: source.format `format`, the tools column in extra.tools, a KTO
/// label as its reward, members not in `used` in extra.
using SideReader = Conversation (*)(const Conversation& prompt, const Value& side, const char* name);
void write_rows(const Value& record, const MapContext& context, std::string_view format, const std::string& id,
                const Conversation& prompt, SideReader side, std::set<std::string_view> used,
                std::vector<std::string>& sessions);

/// The two sessions of a preference row whose sides are already built (see write_rows).
void write_preference(const Value& record, const MapContext& context, std::string_view format, const std::string& id,
                      const Conversation& chosen, const Conversation& rejected, const std::set<std::string_view>& used,
                      std::vector<std::string>& sessions);

/// The record's id: `id`/`session_id` member when a string, else `<prefix><hash of the record>`.
std::string record_id(const Value& record, std::string_view prefix);

}  // namespace tracemill::normalize::chat

#include "call_conversation.hpp"

#include <libstream/json.hpp>

#include <algorithm>
#include <set>
#include <string_view>

namespace tracemill::normalize {
namespace {

/// Whether `calls` is a list of call objects one of which trace/v1 would refuse as written (an
/// id or name missing or empty, a type other than function, arguments absent or not JSON text).
bool needs_repair(const Value& calls) {
  if (!calls.IsArray()) return false;
  static thread_local libstream::JsonChecker checker;
  bool repair = false;
  for (const Value& call : calls.GetArray()) {
    if (!call.IsObject()) return false;  // not a call: kept as written
    const auto id = text(find_member(call, "id"));
    const auto type = text(find_member(call, "type"));
    const Value* function = find_member(call, "function");
    const Value* name = function != nullptr ? find_member(*function, "name") : nullptr;
    const Value* arguments = function != nullptr ? find_member(*function, "arguments") : nullptr;
    if (!id || id->empty() || (type && *type != "function") || name == nullptr || !name->IsString() ||
        name->GetStringLength() == 0 || arguments == nullptr || !arguments->IsString() ||
        !checker.check(arguments->GetString(), arguments->GetStringLength(), nullptr)) {
      repair = true;
    }
  }
  return repair;
}

/// A message already in OpenAI form, member by member (reasoning included).
void from_openai(const Value& m, Message& message) {
  if (const Value* content = find_member(m, "content")) message.content = json_of(*content);
  if (const Value* calls = find_present(m, "tool_calls")) {
    if (needs_repair(*calls)) {
      // As every other source's calls: made-up values counted, arguments' text kept beside.
      set_tool_calls(*calls, message, content_id("call-", *calls));
    } else {
      message.tool_calls = json_of(*calls);
    }
  }
  if (const Value* reasoning = find_present(m, "reasoning")) message.reasoning = json_of(*reasoning);
  if (auto id = text(find_member(m, "tool_call_id"))) message.tool_call_id = std::string(*id);
  if (auto name = text(find_member(m, "name"))) message.name = std::string(*name);
  if (auto role = text(find_member(m, "original_role"))) message.original_role = std::string(*role);
}

/// The trace/v1 role of a prompt message (user when its role is none of ours), the source's
/// kept in original_role when it differs.
void set_role(const Value& m, Message& message) {
  const std::string source_role(text(find_member(m, "role")).value_or(""));
  message.role = role_of_type(source_role);
  if (message.role.empty()) message.role = "user";
  if (message.role != source_role) message.original_role = source_role;
}

}  // namespace

Message openai_to_message(const Value& m, const std::string& id_prefix) {
  Message message;
  set_role(m, message);
  if (const Value* content = find_member(m, "content"); content != nullptr && !content->IsNull()) {
    message.content = trace_content_json(*content);
  }
  if (const Value* calls = find_present(m, "tool_calls"); calls != nullptr && calls->IsArray() && !calls->Empty()) {
    set_tool_calls(*calls, message, id_prefix);
  }
  if (auto id = text(find_member(m, "tool_call_id"))) message.tool_call_id = std::string(*id);
  if (auto name = text(find_member(m, "name"))) message.name = std::string(*name);
  static const std::set<std::string_view> kMapped = {"role", "content", "tool_calls", "tool_call_id", "name"};
  if (m.IsObject()) {
    for (const auto& member : m.GetObject()) {
      if (kMapped.count(string_of(member.name)) == 0) message.extra.emplace_back(string_of(member.name), json_of(member.value));
    }
  }
  return message;
}

void append_call_ids(const Value* tool_calls, std::vector<std::pair<std::string, std::string>>& out) {
  if (tool_calls == nullptr || !tool_calls->IsArray()) return;
  for (const Value& call : tool_calls->GetArray()) {
    const Value* function = find_member(call, "function");
    out.emplace_back(std::string(text(find_member(call, "id")).value_or("")),
                     std::string(text(function != nullptr ? find_member(*function, "name") : nullptr).value_or("")));
  }
}

size_t ChatBuilder::add_prompt(const Value* prompt, std::optional<int64_t> turn, Embedded& embedded) {
  std::vector<std::pair<std::string, std::string>> prompt_messages;  // (json, comparison key)
  if (prompt != nullptr && prompt->IsArray()) {
    for (const Value& m : prompt->GetArray()) prompt_messages.push_back(convert(m, turn, embedded));
  }
  size_t overlap = std::min(prompt_messages.size(), keys_.size());
  for (; overlap > 0; --overlap) {
    bool same = true;
    for (size_t i = 0; i < overlap && same; ++i) same = prompt_messages[i].second == keys_[keys_.size() - overlap + i];
    if (same) break;
  }
  size_t context = prompt_messages.size();
  if (openai_ && overlap == 0 && !prompt_messages.empty()) {
    size_t common = 0;
    while (common < prompt_messages.size() && common < keys_.size() && prompt_messages[common].second == keys_[common]) ++common;
    if (common > 0 && common < keys_.size()) {
      std::vector<std::string> replaced(messages_.begin() + static_cast<std::ptrdiff_t>(common), messages_.end());
      branches_.push_back("{\"after\":" + std::to_string(common) + ",\"messages\":" + array_json(replaced) + "}");
      messages_.resize(common);
      keys_.resize(common);
      overlap = common;
    } else if (common == 0) {
      // A prompt of only the new messages (OTel GenAI instrumentations log no history) when it
      // cannot open a conversation: the model saw everything before it too.
      const auto role = text(find_member((*prompt)[0], "role"));
      if (role && *role != "system" && *role != "user") context = messages_.size() + prompt_messages.size();
    }
  }
  for (size_t i = overlap; i < prompt_messages.size(); ++i) {
    messages_.push_back(prompt_messages[i].first);
    keys_.push_back(prompt_messages[i].second);
  }
  return context;
}

std::string ChatBuilder::branches() const { return branches_.empty() ? std::string() : array_json(branches_); }

void ChatBuilder::add_call(const Value* prompt, const Value* completion, std::optional<int64_t> turn, const std::string& model,
                              const std::string& usage, Embedded& embedded) {
  const size_t prompt_size = add_prompt(prompt, turn, embedded);
  if (completion == nullptr) {
    ++unanswered_;
    return;
  }
  Message reply;
  reply.role = "assistant";
  set_content(*completion, reply, "call_" + std::to_string(messages_.size()), embedded);
  keys_.push_back(reply.json());
  reply.turn = turn;
  reply.model = model;
  reply.usage = usage;
  reply.context_messages = static_cast<int64_t>(prompt_size);
  messages_.push_back(reply.json());
}

void ChatBuilder::add_call_replies(const Value* prompt, const Value& replies, std::optional<int64_t> turn,
                                   const std::string& model, const std::string& usage, Embedded& embedded) {
  const size_t prompt_size = add_prompt(prompt, turn, embedded);
  if (!replies.IsArray() || replies.Empty()) {
    ++unanswered_;
    return;
  }
  for (rapidjson::SizeType i = 0; i < replies.Size(); ++i) {
    Message reply;
    const std::string source_role(text(find_member(replies[i], "role")).value_or("assistant"));
    reply.role = role_of_type(source_role);
    if (reply.role.empty()) reply.role = "assistant";
    if (openai_) from_openai(replies[i], reply);
    else set_content(replies[i], reply, "call_" + std::to_string(messages_.size()), embedded);
    keys_.push_back(reply.json());
    reply.turn = turn;
    if (i == 0) {
      reply.model = model;
      reply.usage = usage;
    }
    if (reply.role == "assistant") reply.context_messages = static_cast<int64_t>(prompt_size + i);
    messages_.push_back(reply.json());
  }
}

std::pair<std::string, std::string> ChatBuilder::convert(const Value& m, std::optional<int64_t> turn, Embedded& embedded) {
  Message message;
  set_role(m, message);
  if (openai_) from_openai(m, message);
  else set_content(m, message, "call_" + std::to_string(messages_.size()), embedded);
  std::string key = message.json();
  message.turn = turn;
  return {message.json(), std::move(key)};
}

void ChatBuilder::add_call(std::vector<Message> prompt, std::optional<Message> reply, const CallFacts& facts,
                           const std::function<void(Message&)>& on_new) {
  std::vector<std::pair<Message, std::string>> prompt_messages;
  prompt_messages.reserve(prompt.size());
  for (Message& m : prompt) {
    std::string key = key_of(m);
    prompt_messages.emplace_back(std::move(m), std::move(key));
  }
  std::string reply_key = reply ? key_of(*reply) : std::string();
  add_converted(prompt_messages, std::move(reply), std::move(reply_key), facts, on_new);
}

size_t ChatBuilder::new_part(const std::vector<std::pair<Message, std::string>>& prompt) const {
  size_t overlap = std::min(prompt.size(), keys_.size());
  for (; overlap > 0; --overlap) {
    bool same = true;
    for (size_t i = 0; i < overlap && same; ++i) same = prompt[i].second == keys_[keys_.size() - overlap + i];
    if (same) break;
  }
  return prompt.size() - overlap;
}

void ChatBuilder::add_converted(std::vector<std::pair<Message, std::string>>& prompt, std::optional<Message> reply,
                                std::string reply_key, const CallFacts& facts, const std::function<void(Message&)>& on_new) {
  for (size_t i = prompt.size() - new_part(prompt); i < prompt.size(); ++i) {
    if (on_new) on_new(prompt[i].first);
    messages_.push_back(prompt[i].first.json());
    keys_.push_back(std::move(prompt[i].second));
  }
  if (!reply) {
    ++unanswered_;
    return;
  }
  keys_.push_back(std::move(reply_key));
  reply->turn = facts.turn;
  reply->model = facts.model;
  reply->usage = facts.usage;
  reply->created_at = facts.created_at;
  if (!facts.id.empty()) reply->id = facts.id;
  if (facts.prompt_known) reply->context_messages = static_cast<int64_t>(prompt.size());
  for (const auto& member : facts.extra) reply->extra.push_back(member);
  messages_.push_back(reply->json());
}

std::string ChatBuilder::key_of(const Message& message) {
  Message key = message;
  key.turn.reset();
  key.id.clear();
  key.created_at.clear();
  key.model.clear();
  key.usage.clear();
  key.context_messages = -1;
  key.extra.clear();
  return key.json();
}

void ChatBuilder::append(const Message& message) {
  keys_.push_back(key_of(message));
  messages_.push_back(message.json());
}

}  // namespace tracemill::normalize

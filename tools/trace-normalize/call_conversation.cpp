#include "call_conversation.hpp"

#include <algorithm>

namespace tracemill::normalize {

void ChatBuilder::add_call(const Value* prompt, const Value* completion, std::optional<int64_t> turn, const std::string& model,
                           const std::string& usage, Embedded& embedded) {
  std::vector<std::pair<Message, std::string>> prompt_messages;  // (message, comparison key)
  if (prompt != nullptr && prompt->IsArray()) {
    for (const Value& m : prompt->GetArray()) prompt_messages.push_back(convert(m, turn, embedded));
  }
  CallFacts facts;
  facts.turn = turn;
  facts.model = model;
  facts.usage = usage;
  std::optional<Message> reply;
  std::string reply_key;
  if (completion != nullptr) {
    reply.emplace();
    reply->role = "assistant";
    // Made call ids count the messages before the reply, once the prompt's new part is in.
    set_content(*completion, *reply, "call_" + std::to_string(messages_.size() + new_part(prompt_messages)), embedded);
    reply_key = reply->json();
  }
  add_converted(prompt_messages, std::move(reply), std::move(reply_key), facts, {});
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

std::pair<Message, std::string> ChatBuilder::convert(const Value& m, std::optional<int64_t> turn, Embedded& embedded) {
  Message message;
  const std::string source_role(text(find_member(m, "role")).value_or(""));
  message.role = role_of_type(source_role);
  if (message.role.empty()) message.role = "user";
  if (message.role != source_role) message.original_role = source_role;
  set_content(m, message, "call_" + std::to_string(messages_.size()), embedded);
  std::string key = message.json();
  message.turn = turn;
  return {std::move(message), std::move(key)};
}

}  // namespace tracemill::normalize

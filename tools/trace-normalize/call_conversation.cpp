#include "call_conversation.hpp"

#include <algorithm>

namespace tracemill::normalize {

void ChatBuilder::add_call(const Value* prompt, const Value* completion, std::optional<int64_t> turn, const std::string& model,
                              const std::string& usage, Embedded& embedded) {
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
  for (size_t i = overlap; i < prompt_messages.size(); ++i) {
    messages_.push_back(prompt_messages[i].first);
    keys_.push_back(prompt_messages[i].second);
  }
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
  reply.context_messages = static_cast<int64_t>(prompt_messages.size());
  messages_.push_back(reply.json());
}

std::pair<std::string, std::string> ChatBuilder::convert(const Value& m, std::optional<int64_t> turn, Embedded& embedded) {
  Message message;
  const std::string source_role(text(find_member(m, "role")).value_or(""));
  message.role = role_of_type(source_role);
  if (message.role.empty()) message.role = "user";
  if (message.role != source_role) message.original_role = source_role;
  set_content(m, message, "call_" + std::to_string(messages_.size()), embedded);
  std::string key = message.json();
  message.turn = turn;
  return {message.json(), std::move(key)};
}

}  // namespace tracemill::normalize

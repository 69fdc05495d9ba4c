// Preference rows of chat lists: LLaMA-Factory's v1 {chosen_messages, rejected_messages}
// (typed parts) and TRL's conversational {prompt?, chosen, rejected} (lists of {role,
// content}, or strings). ShareGPT and alpaca preference rows are read by their own dialects.
#include "chat_common.hpp"

namespace tracemill::normalize {
namespace {

bool message_list(const Value* v) {
  return v != nullptr && v->IsArray() && !v->Empty() && (*v)[0].IsObject() && find_member((*v)[0], "role") != nullptr;
}

bool recognise(const Value& r) {
  if (find_member(r, "chosen_messages") != nullptr && find_member(r, "rejected_messages") != nullptr) return true;
  return message_list(find_member(r, "chosen")) && message_list(find_member(r, "rejected"));
}

/// A prompt or one side: a list of {role, content} messages, or a string (`string_role`'s text).
void append(const Value* side, const char* name, const char* string_role, chat::Conversation& conversation) {
  if (side == nullptr || side->IsNull()) return;
  if (side->IsString()) {
    Message message;
    message.role = string_role;
    message.content = json_of(*side);
    conversation.add(message);
    return;
  }
  if (!side->IsArray()) throw MappingError{std::string(name) + ": neither a message list nor a string"};
  for (rapidjson::SizeType i = 0; i < side->Size(); ++i) {
    const Value& m = (*side)[i];
    const std::string where = std::string(name) + "[" + std::to_string(i) + "]";
    if (!m.IsObject()) throw MappingError{where + ": not a {role, content} object"};
    const std::string_view role = text(find_member(m, "role")).value_or("");
    chat::add_message(m, role, find_member(m, "content"), conversation.size(), conversation, where, {"role", "content"});
  }
}

void map_sessions(const Value& r, const MapContext& context, std::vector<std::string>& sessions) {
  const bool v1 = find_member(r, "chosen_messages") != nullptr;
  chat::Conversation prompt;
  append(find_member(r, "prompt"), "prompt", "user", prompt);
  chat::Conversation chosen = prompt;
  chat::Conversation rejected = prompt;
  append(find_member(r, v1 ? "chosen_messages" : "chosen"), v1 ? "chosen_messages" : "chosen", "assistant", chosen);
  append(find_member(r, v1 ? "rejected_messages" : "rejected"), v1 ? "rejected_messages" : "rejected", "assistant", rejected);
  chat::write_preference(r, context, v1 ? "llama-factory-v1-preference" : "trl-preference", chat::record_id(r, "preference-"),
                         chosen, rejected, {"id", "prompt", "chosen", "rejected", "chosen_messages", "rejected_messages", "tools"},
                         sessions);
}

}  // namespace

extern const DialectSpec kPreference{"preference", "chosen_messages and rejected_messages, or chosen and rejected message lists",
                                     "Chat datasets: ShareGPT, alpaca, LLaMA-Factory", recognise, nullptr, nullptr,
                                     map_sessions};

}  // namespace tracemill::normalize

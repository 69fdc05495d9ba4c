// ShareGPT rows (FastChat, LLaMA-Factory): {id?, conversations: [{from, value}], system?,
// tools?} with roles human / gpt / system / function_call / observation (also the OpenAI
// names, and role/content keys); preference rows add chosen / rejected (one message each, a
// string, or a list), KTO rows a boolean kto_tag / label.
#include "chat_common.hpp"

namespace tracemill::normalize {
namespace {

const Value* conversation_of(const Value& r) {
  for (const char* key : {"conversations", "conversation"}) {
    const Value* list = find_member(r, key);
    if (list == nullptr || !list->IsArray()) continue;
    if (list->Empty()) return std::string_view(key) == "conversations" ? list : nullptr;  // still a (empty) row
    const Value& first = (*list)[0];
    if (first.IsObject() && (find_member(first, "from") != nullptr || find_member(first, "role") != nullptr)) return list;
  }
  return nullptr;
}

bool recognise(const Value& r) { return find_member(r, "messages") == nullptr && conversation_of(r) != nullptr; }

/// One ShareGPT message ({from, value}, or {role, content}) appended to `conversation`.
void add_turn(const Value& m, size_t index, chat::Conversation& conversation, const std::string& where) {
  if (!m.IsObject()) throw MappingError{where + ": not a {from, value} object"};
  const bool sharegpt = find_member(m, "from") != nullptr;
  const std::string_view role = text(find_member(m, sharegpt ? "from" : "role")).value_or("");
  const Value* content = find_member(m, sharegpt ? "value" : "content");
  if (sharegpt) {
    chat::add_message(m, role, content, index, conversation, where, {"from", "value"});
  } else {
    chat::add_message(m, role, content, index, conversation, where, {"role", "content"});
  }
}

/// A preference side: one message, a string (an assistant reply), or a list of messages.
chat::Conversation with_side(const chat::Conversation& prompt, const Value& side, const char* name) {
  chat::Conversation out = prompt;
  const std::string where = name;
  if (side.IsString()) {
    Message message;
    message.role = "assistant";
    message.content = json_of(side);
    out.add(message);
  } else if (side.IsArray()) {
    for (rapidjson::SizeType i = 0; i < side.Size(); ++i) add_turn(side[i], out.size(), out, where + "[" + std::to_string(i) + "]");
  } else {
    add_turn(side, out.size(), out, where);
  }
  return out;
}

void map_sessions(const Value& r, const MapContext& context, std::vector<std::string>& sessions) {
  const Value* list = conversation_of(r);
  if (list == nullptr) throw MappingError{"a ShareGPT row needs a conversations list of {from, value}"};
  chat::Conversation conversation;
  std::set<std::string_view> used = {"id", "conversations", "conversation", "tools"};
  if (const Value* system = find_present(r, "system"); system != nullptr && system->IsString() && system->GetStringLength() > 0) {
    Message message;  // LLaMA-Factory's system column: the prompt before the conversation
    message.role = "system";
    message.content = json_of(*system);
    conversation.add(message);
    used.insert("system");
  }
  const std::string list_name = find_member(r, "conversations") == list ? "conversations" : "conversation";
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    add_turn((*list)[i], conversation.size(), conversation, list_name + "[" + std::to_string(i) + "]");
  }
  const std::string id = chat::record_id(r, "sharegpt-");
  chat::write_rows(r, context, "sharegpt", id, conversation, with_side, used, sessions);
}

}  // namespace

extern const DialectSpec kShareGpt{"sharegpt", "a conversations list of {from, value} (or {role, content})",
                                   "Chat datasets: ShareGPT, alpaca, LLaMA-Factory", recognise, nullptr, nullptr,
                                   map_sessions};

}  // namespace tracemill::normalize

// Alpaca rows (Stanford Alpaca, LLaMA-Factory): {instruction, input?, output, system?,
// history?: [[query, response], ...]}; preference rows have chosen / rejected strings instead
// of output, KTO rows a boolean kto_tag / label.
#include "chat_common.hpp"

namespace tracemill::normalize {
namespace {

bool recognise(const Value& r) {
  const Value* instruction = find_member(r, "instruction");
  return instruction != nullptr && instruction->IsString() &&
         (find_member(r, "output") != nullptr || find_member(r, "chosen") != nullptr);
}

Message text_message(const char* role, const Value& content) {
  Message message;
  message.role = role;
  message.content = content.IsString() ? json_of(content) : content.IsNull() ? "null" : quote(json_of(content));
  return message;
}

chat::Conversation with_reply(const chat::Conversation& prompt, const Value& reply, const char*) {
  chat::Conversation out = prompt;
  out.add(text_message("assistant", reply));
  return out;
}

void map_sessions(const Value& r, const MapContext& context, std::vector<std::string>& sessions) {
  chat::Conversation conversation;
  std::set<std::string_view> used = {"id", "instruction", "input", "history", "tools"};
  if (const Value* system = find_present(r, "system"); system != nullptr && system->IsString() && system->GetStringLength() > 0) {
    conversation.add(text_message("system", *system));
    used.insert("system");
  }
  if (const Value* history = find_present(r, "history")) {
    if (!history->IsArray()) throw MappingError{"history: not a list of [query, response] pairs"};
    for (rapidjson::SizeType i = 0; i < history->Size(); ++i) {
      const Value& turn = (*history)[i];
      if (!turn.IsArray() || turn.Size() != 2) {
        throw MappingError{"history[" + std::to_string(i) + "]: not a [query, response] pair"};
      }
      conversation.add(text_message("user", turn[0]));
      conversation.add(text_message("assistant", turn[1]));
    }
  }
  // The prompt is the instruction and the input joined by a newline, as LLaMA-Factory builds it.
  std::string prompt(string_of(*find_member(r, "instruction")));
  const Value* input = find_present(r, "input");
  if (input != nullptr && !input->IsString()) throw MappingError{"input: not a string"};
  if (input != nullptr && input->GetStringLength() > 0) prompt += "\n" + std::string(string_of(*input));
  Message user;
  user.role = "user";
  user.content = quote(prompt);
  conversation.add(user);
  const std::string id = chat::record_id(r, "alpaca-");
  // Without chosen and rejected the output is the reply; with them, each is one.
  if (find_present(r, "chosen") == nullptr || find_present(r, "rejected") == nullptr) {
    if (const Value* output = find_present(r, "output")) conversation.add(text_message("assistant", *output));
    used.insert("output");
  }
  chat::write_rows(r, context, "alpaca", id, conversation, with_reply, used, sessions);
}

}  // namespace

extern const DialectSpec kAlpaca{"alpaca", "instruction with output (or chosen and rejected)",
                                 "Chat datasets: ShareGPT, alpaca, LLaMA-Factory", recognise, nullptr, nullptr,
                                 map_sessions};

}  // namespace tracemill::normalize

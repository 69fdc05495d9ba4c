// Chat fine-tuning lines: {messages, metadata?} (OpenAI chat JSONL, synth-ai SFT output, ShareGPT lists),
// and LLaMA-Factory's OpenAI-style files: typed content parts {type, value}, its role tags
// (function_call, observation), a tools column of JSON text, a KTO label.
#include "chat_common.hpp"

#include <libstream/hash.hpp>

#include <rapidjson/writer.h>
#include <libstream/time.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace tracemill::normalize {
namespace {

/// Whether `messages` needs LLaMA-Factory's reading: typed parts, or role tags OpenAI has not.
bool llama_factory_messages(const Value& messages) {
  for (const Value& m : messages.GetArray()) {
    if (!m.IsObject()) continue;
    const Value* content = find_member(m, "content");
    if (content != nullptr && chat::is_typed_parts(*content)) return true;
    const std::string_view role = text(find_member(m, "role")).value_or("");
    const chat::Tag tag = chat::tag_of(role);
    if (tag == chat::Tag::function_call || (tag == chat::Tag::observation && role != "tool")) return true;
    if (role == "tool" && find_member(m, "tool_call_id") == nullptr) return true;  // results paired by order
  }
  return false;
}

void map_llama_factory(const Value& messages, const MapContext& context, Record& out) {
  chat::Conversation conversation;
  for (rapidjson::SizeType i = 0; i < messages.Size(); ++i) {
    const Value& m = messages[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.IsObject()) throw MappingError{where + ": not a {role, content} object"};
    const std::string_view role = text(find_member(m, "role")).value_or("");
    chat::add_message(m, role, find_member(m, "content"), conversation.size(), conversation, where, {"role", "content"});
  }
  chat::finish_conversation(conversation, context, out);
}

void map_sft(const Value& r, std::string_view raw, Record& out, const MapContext& context) {
  const Warn& warn = context.warn;
  const Value* metadata = find_present(r, "metadata");
  std::string metadata_model;
  if (auto id = text(find_member(r, "session_id")); id && !id->empty()) {
    out.set_text("session_id", *id);
  } else if (auto mid = text(metadata != nullptr ? find_member(*metadata, "session_id") : nullptr); mid && !mid->empty()) {
    out.set_text("session_id", *mid);
  } else {
    out.set_text("session_id", hex_id("example-", libstream::content_hash(raw)));
  }
  const Value& messages = *find_member(r, "messages");
  std::set<std::string_view> used = {"messages", "metadata", "session_id"};
  if (llama_factory_messages(messages)) {
    map_llama_factory(messages, context, out);
  } else {
    map_chat_messages(messages, out);
  }
  if (const Value* tools = find_member(r, "tools"); tools != nullptr && tools->IsString()) {
    chat::keep_tools(tools, out);  // LLaMA-Factory: JSON text of the tool schemas
    used.insert("tools");
  }
  if (metadata != nullptr && metadata->IsObject()) {
    if (const Value* reward = find_present(*metadata, "total_reward"); reward != nullptr && reward->IsNumber()) {
      out.set("reward", json_of(*reward));
    }
    if (const Value* a = find_present(*metadata, "achievements")) out.set("achievements", names_json(achievement_names(a)));
    out.set_time("created_at", "original_created_at", find_present(*metadata, "created_at"), warn);
    for (const char* key : {"experiment_id", "split", "task_id", "env", "policy"}) {
      if (auto t = text(find_member(*metadata, key))) out.set_text(key, *t);
    }
    map_session_metadata(metadata, out, metadata_model);
    if (auto m = text(find_member(*metadata, "model"))) {
      out.set_text("model", *m);
      out.set_text("model_source", "session_metadata");
    }
  }
  if (!out.has("reward")) {
    if (const char* label = chat::set_kto_label(r, out)) used.insert(label);
  }
  out.keep_rest(r, used);
}

bool recognise(const Value& r) {
  const Value* m = find_member(r, "messages");
  return m != nullptr && m->IsArray();
}

void map(const Value& r, const MapContext& context, Record& out) {
  const Value* m = find_member(r, "messages");
  if (m == nullptr || !m->IsArray()) throw MappingError{"an SFT example needs a messages array"};
  // The example's id hashes its compact text, the same whether it arrived as a line or a document.
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  r.Accept(writer);
  map_sft(r, std::string_view(buffer.GetString(), buffer.GetSize()), out, context);
}

}  // namespace

extern const DialectSpec kChatSft{"sft", "a messages array", "Chat fine-tuning examples", recognise, map, nullptr};

}  // namespace tracemill::normalize

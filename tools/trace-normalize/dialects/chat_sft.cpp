// Chat fine-tuning lines: {messages, metadata?} (OpenAI chat JSONL, synth-ai SFT output, ShareGPT lists).
#include "dialect.hpp"

#include <libstream/hash.hpp>

#include <rapidjson/writer.h>
#include <libstream/time.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace tracemill::normalize {
namespace {

void map_sft(const Value& r, std::string_view raw, Record& out, const Warn& warn) {
  const Value* metadata = find_present(r, "metadata");
  std::string metadata_model;
  if (auto id = text(find_member(r, "session_id")); id && !id->empty()) {
    out.set_text("session_id", *id);
  } else if (auto mid = text(metadata != nullptr ? find_member(*metadata, "session_id") : nullptr); mid && !mid->empty()) {
    out.set_text("session_id", *mid);
  } else {
    out.set_text("session_id", hex_id("example-", libstream::stable_hash(raw)));
  }
  map_chat_messages(*find_member(r, "messages"), out);
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
  out.keep_rest(r, {"messages", "metadata", "session_id"});
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
  map_sft(r, std::string_view(buffer.GetString(), buffer.GetSize()), out, context.warn);
}

}  // namespace

extern const DialectSpec kChatSft{"sft", "a messages array", "Chat fine-tuning examples", recognise, map, nullptr};

}  // namespace tracemill::normalize

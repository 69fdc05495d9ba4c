// synth-ai tracing v2 session files (event_history + message_history).
#include "dialect.hpp"
#include "synth_v2_common.hpp"

#include <libstream/stores.hpp>
#include <libstream/time.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace tracemill::normalize {
namespace {

void map_v2_json(const Value& r, const std::string& file, Record& out, const Warn& warn) {
  Embedded embedded;
  static const std::set<std::string_view> kUsed = {"session_id", "created_at", "session_metadata", "event_history",
                                                   "message_history", "session_time_steps", "_source"};
  std::string source_file = file;
  if (const Value* source = find_present(r, "_source")) {
    if (auto f = text(find_member(*source, "file"))) source_file = std::string(*f);
    out.set("source", json_of(*source));
  }
  if (auto id = text(find_member(r, "session_id")); id && !id->empty()) {
    out.set_text("session_id", *id);
  } else if (!source_file.empty() && source_file != "-" && source_file != "<stdin>") {
    out.set_text("session_id", libstream::session_id_from_file_name(source_file));
    warn("no session_id: derived \"" + libstream::session_id_from_file_name(source_file) + "\" from the file name (W12)");
  } else {
    throw MappingError{"a v2 JSON trace without session_id, read from a pipe: give the file to trace-read, or "
                       "use trace-read --with-source, so its name can serve"};
  }
  if (find_present(r, "created_at") == nullptr) warn("no created_at");
  out.set_time("created_at", "original_created_at", find_present(r, "created_at"), warn);
  std::string metadata_model;
  const Value* session_metadata = find_present(r, "session_metadata");
  const V2Metadata meta = classify_metadata(session_metadata, embedded);
  map_v2_outcome(meta, out, metadata_model);
  if (session_metadata != nullptr) out.extra("session_metadata", json_of(*session_metadata));

  Turns turns;
  std::vector<Ordered> events;
  const Value* history = find_present(r, "event_history");
  if (history != nullptr && history->IsArray()) {
    out.set_value("events", *history, "event_history");
    for (rapidjson::SizeType i = 0; i < history->Size(); ++i) {
      events.push_back({&(*history)[i], v2_event_turn((*history)[i], embedded), 0, i});
    }
  }
  order_rows(events);
  ChatBuilder chat;
  Usage usage;
  std::optional<double> cost;
  std::string event_model;
  for (const Ordered& o : events) {
    const Value& event = *o.row;
    const Value* metadata = embedded.resolve(find_present(event, "metadata"));
    if (o.turn) turns.seen.insert(*o.turn);
    // Hooks: event_metadata[].hook_name, or the hand-made sample's hooks_triggered.
    if (const Value* hooks = find_present(event, "event_metadata"); hooks != nullptr && hooks->IsArray() && o.turn) {
      for (const Value& hook : hooks->GetArray()) {
        if (auto name = text(find_member(hook, "hook_name"))) turns.hooks[*o.turn].emplace_back(*name);
      }
    }
    if (const Value* hooks = find_present(event, "hooks_triggered"); hooks != nullptr && o.turn) {
      for (const std::string& name : achievement_names(hooks)) turns.hooks[*o.turn].push_back(name);
    }
    if (find_member(event, "reward") != nullptr && find_member(event, "llm_call_records") == nullptr) {
      if (auto reward = number(find_present(event, "reward")); reward && o.turn) turns.rewards[*o.turn]["environment"] += *reward;
      continue;
    }
    const Value* records = find_present(event, "llm_call_records");
    if (records == nullptr || !records->IsArray()) continue;
    const auto meta_int = [&](const char* column, const char* key) {
      if (auto n = integer(find_present(event, column))) return n;
      return metadata != nullptr ? integer(find_present(*metadata, key)) : std::nullopt;
    };
    std::optional<int64_t> in = meta_int("prompt_tokens", "prompt_tokens");
    std::optional<int64_t> outt = meta_int("completion_tokens", "completion_tokens");
    std::optional<int64_t> total = meta_int("total_tokens", "total_tokens");
    std::string model(text(find_member(event, "model_name")).value_or(""));
    if (model.empty() && metadata != nullptr) model = std::string(text(find_member(*metadata, "model_name")).value_or(""));
    if (auto c = number(find_present(event, "cost"))) cost = cost.value_or(0) + *c;
    bool counted = in || outt || total;
    if (counted) usage.add(in, outt, total);
    for (const Value& record : records->GetArray()) {
      std::string call_model = model;
      if (call_model.empty()) call_model = std::string(text(find_member(record, "model")).value_or(""));
      if (event_model.empty()) event_model = call_model;
      const Value* response = find_present(record, "response");
      const Value* u = response != nullptr ? find_present(*response, "usage") : nullptr;
      Usage call_usage;
      if (u != nullptr) {
        call_usage.add(integer(find_present(*u, "prompt_tokens")), integer(find_present(*u, "completion_tokens")),
                       integer(find_present(*u, "total_tokens")));
        if (!counted) usage.add(call_usage.input.has_value() ? std::optional<int64_t>(*call_usage.input) : std::nullopt,
                                call_usage.output.has_value() ? std::optional<int64_t>(*call_usage.output) : std::nullopt,
                                call_usage.total.has_value() ? std::optional<int64_t>(*call_usage.total) : std::nullopt);
      }
      const Value* choices = response != nullptr ? find_present(*response, "choices") : nullptr;
      const Value* completion = nullptr;
      if (choices != nullptr && choices->IsArray() && !choices->Empty()) completion = find_present((*choices)[0], "message");
      chat.add_call(find_present(record, "messages"), completion, o.turn, call_model,
                    call_usage.known() ? call_usage.json() : std::string(), embedded);
    }
  }
  if (chat.unanswered() > 0) warn(std::to_string(chat.unanswered()) + " LLM call(s) without a recorded completion");
  out.set("messages", array_json(chat.messages()));
  if (usage.known()) out.set("usage", usage.json());
  if (cost) out.set("cost_usd", number_json(*cost));
  set_model(out, event_model, metadata_model);

  // Observations give the achievement state at the start of each turn.
  std::map<int64_t, std::vector<std::string>> states;
  if (const Value* messages = find_present(r, "message_history"); messages != nullptr && messages->IsArray()) {
    out.set_value("env_messages", *messages, "message_history");
    for (const Value& m : messages->GetArray()) {
      const auto turn = integer(field(m, "message_time", "time_record"));
      const Value* content = embedded.resolve(find_present(m, "content"));
      const Value* payload = content != nullptr ? find_present(*content, "payload") : nullptr;
      const Value* status = payload != nullptr ? find_present(*payload, "achievements_status") : nullptr;
      if (status == nullptr && content != nullptr) status = find_present(*content, "achievements_status");
      if (status != nullptr && turn) states[*turn] = achievement_names(status);
    }
  }
  if (meta.results != nullptr && !states.empty()) {
    achievement_deltas(states, achievement_names(find_present(*meta.results, "achievements")), turns);
  }
  if (!turns.seen.empty()) out.set("turns", turns.json());
  if (const Value* steps = find_present(r, "session_time_steps")) out.set_value("timesteps", *steps, "session_time_steps");
  out.keep_rest(r, kUsed);
}

bool recognise(const Value& r) {
  return find_member(r, "event_history") != nullptr || find_member(r, "message_history") != nullptr;
}

void map(const Value& r, const MapContext& context, Record& out) { map_v2_json(r, context.file, out, context.warn); }

}  // namespace

extern const DialectSpec kSynthV2Json{"v2-json", "event_history or message_history", "synth-ai v2 JSON", recognise, map,
                                      nullptr};

}  // namespace tracemill::normalize

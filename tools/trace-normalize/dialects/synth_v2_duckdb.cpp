// synth-ai tracing v2 DuckDB stores: a session assembled by trace-read from the table exports.
#include "dialect.hpp"
#include "synth_v2_common.hpp"
#include <libstream/time.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace tracemill::normalize {
namespace {

void map_v2_duckdb(const Value& r, Record& out, const Warn& warn) {
  Embedded embedded;
  const Value* session = find_present(r, "session");
  out.set_text("session_id", *text(find_member(r, "session_id")));
  if (session == nullptr) warn("rows without a session_traces row");
  std::string metadata_model;
  if (session != nullptr) {
    out.set_time("created_at", "original_created_at", find_present(*session, "created_at"), warn);
    const Value* metadata = embedded.resolve(find_present(*session, "metadata"));
    const V2Metadata meta = classify_metadata(metadata, embedded);
    map_v2_outcome(meta, out, metadata_model);
    // W3: dialect A stored session_<insert time>; the writer's id is rebuilt from the config.
    if (meta.config != nullptr) {
      const auto num = find_present(*meta.config, "instance_num");
      const auto task = text(find_member(*meta.config, "task_instance_id"));
      const std::string id(*text(find_member(r, "session_id")));
      if (num != nullptr && task && id.rfind("session_", 0) == 0) {
        out.set_text("original_session_id", "crafter_episode_" + json_of(*num) + "_" + std::string(*task));
      }
    }
    if (auto e = text(find_member(*session, "experiment_id"))) out.set_text("experiment_id", *e);  // NULL in A (W4)
    out.extra("session", json_of(*session));
  }
  if (const Value* e = find_present(r, "experiment")) out.set_value("experiment", *e, "experiment");
  if (const Value* steps = find_present(r, "timesteps"); steps != nullptr && steps->IsArray() && !steps->Empty()) {
    out.set_value("timesteps", *steps, "timesteps");
  }

  Turns turns;
  std::vector<std::string> messages;
  std::vector<std::string> env_messages;
  std::vector<Ordered> rows;
  if (const Value* m = find_present(r, "messages"); m != nullptr && m->IsArray()) {
    for (rapidjson::SizeType i = 0; i < m->Size(); ++i) {
      rows.push_back({&(*m)[i], integer(find_present((*m)[i], "message_time")), integer(find_present((*m)[i], "id")).value_or(0), i});
    }
  }
  order_rows(rows);
  std::map<int64_t, std::vector<std::string>> states;
  for (const Ordered& o : rows) {
    const Value& row = *o.row;
    std::string type(text(find_member(row, "message_type")).value_or(""));
    const Value* content = embedded.resolve(find_present(row, "content"));
    if (type == "SessionEventMessage" && content != nullptr && content->IsObject()) {  // dialect A (W2)
      type = std::string(text(find_member(*content, "message_type")).value_or("unknown"));
      content = embedded.resolve(find_present(*content, "content"));
    }
    if (o.turn) turns.seen.insert(*o.turn);
    Message message;
    message.role = role_of_type(type);
    if (message.role.empty() || content == nullptr) {
      std::string entry = "{\"type\":" + quote(type) + ",\"turn\":" + (o.turn ? std::to_string(*o.turn) : "null") +
                          ",\"content\":" + (content != nullptr ? json_of(*content) : "null") + ",\"row\":" + json_of(row) + "}";
      env_messages.push_back(std::move(entry));
      const Value* payload = content != nullptr ? find_present(*content, "payload") : nullptr;
      const Value* status = payload != nullptr ? find_present(*payload, "achievements_status") : nullptr;
      if (status != nullptr && o.turn) states[*o.turn] = achievement_names(status);
      continue;
    }
    if (message.role != type) message.original_role = type;
    message.turn = o.turn;
    set_content(*content, message, "call_" + std::to_string(messages.size()), embedded);
    for (const auto& m : row.GetObject()) {  // the row's other columns, for the record
      if (string_of(m.name) != "content" && string_of(m.name) != "session_id") message.extra.emplace_back(string_of(m.name), json_of(m.value));
    }
    messages.push_back(message.json());
  }
  if (messages.empty()) {
    warn("no prompts or completions: v2 DuckDB stores do not keep them (W1); this session cannot give "
         "fine-tuning examples (the v2 JSON files have them)");
  }
  out.set("messages", array_json(messages));
  if (!env_messages.empty()) out.set("env_messages", array_json(env_messages));

  Usage usage;
  std::optional<double> cost;
  std::string event_model;
  std::vector<Ordered> events;
  if (const Value* e = find_present(r, "events"); e != nullptr && e->IsArray()) {
    out.set_value("events", *e, "events");
    for (rapidjson::SizeType i = 0; i < e->Size(); ++i) {
      events.push_back({&(*e)[i], v2_event_turn((*e)[i], embedded), integer(find_present((*e)[i], "id")).value_or(0), i});
    }
  }
  order_rows(events);
  for (const Ordered& o : events) {
    const Value& event = *o.row;
    const std::string type(text(find_member(event, "event_type")).value_or(""));
    const Value* metadata = embedded.resolve(find_present(event, "metadata"));
    if (o.turn) turns.seen.insert(*o.turn);
    if (type == "environment") {
      if (auto reward = number(find_present(event, "reward")); reward && o.turn) turns.rewards[*o.turn]["environment"] += *reward;
      continue;
    }
    if (type != "cais") continue;
    // W5: the columns are NULL for Crafter; the values are in metadata.
    const auto pick = [&](const char* column, const char* key) {
      if (auto n = integer(find_present(event, column))) return n;
      return metadata != nullptr ? integer(find_present(*metadata, key)) : std::nullopt;
    };
    usage.add(pick("prompt_tokens", "prompt_tokens"), pick("completion_tokens", "completion_tokens"), pick("total_tokens", "total_tokens"));
    if (auto c = number(find_present(event, "cost"))) cost = cost.value_or(0) + *c;
    if (event_model.empty()) {
      auto m = text(find_member(event, "model_name"));
      if (!m && metadata != nullptr) m = text(find_member(*metadata, "model_name"));
      if (m) event_model = std::string(*m);
    }
  }
  if (usage.known()) out.set("usage", usage.json());
  if (cost) out.set("cost_usd", number_json(*cost));
  set_model(out, event_model, metadata_model);
  if (!states.empty() && session != nullptr) {
    const V2Metadata meta = classify_metadata(embedded.resolve(find_present(*session, "metadata")), embedded);
    achievement_deltas(states, meta.results != nullptr ? achievement_names(find_present(*meta.results, "achievements"))
                                                       : std::vector<std::string>{},
                       turns);
  }
  if (!turns.seen.empty()) out.set("turns", turns.json());
}

bool recognise(const Value& r) {
  auto store = text(find_member(r, "store"));
  return store && *store == "duckdb-v2";
}

void map(const Value& r, const MapContext& context, Record& out) {
  need_session_id(r, "v2-duckdb");
  map_v2_duckdb(r, out, context.warn);
}

}  // namespace

extern const DialectSpec kSynthV2Duckdb{"v2-duckdb", "store: \"duckdb-v2\" (trace-read of v2 DuckDB table exports)",
                                        "synth-ai v2 DuckDB", recognise, map, nullptr};

}  // namespace tracemill::normalize

// synth-ai tracing v3: the JSON export, and trace-read's rendering of a v3 SQLite store.
#include "dialect.hpp"

#include <libstream/time.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace tracemill::normalize {
namespace {

void map_v3(const Value& r, Record& out, const Warn& warn) {
  Embedded embedded;
  static const std::set<std::string_view> kUsed = {
      "session_id", "created_at", "metadata", "experiment_id", "experiment", "session_time_steps", "event_history",
      "events", "markov_blanket_message_history", "messages", "event_rewards", "outcome_rewards"};
  out.set_text("session_id", *text(find_member(r, "session_id")));
  out.set_time("created_at", "original_created_at", find_present(r, "created_at"), warn);
  if (auto e = text(find_member(r, "experiment_id"))) out.set_text("experiment_id", *e);
  if (const Value* e = find_present(r, "experiment")) out.set_value("experiment", *e, "experiment");
  std::string metadata_model;
  map_session_metadata(embedded.resolve(find_present(r, "metadata")), out, metadata_model);

  // Turns of timesteps, by row id and by step_id.
  std::map<int64_t, int64_t> turn_of_step_row;
  std::map<std::string, int64_t> turn_of_step_id;
  Turns turns;
  if (const Value* steps = find_present(r, "session_time_steps"); steps != nullptr && steps->IsArray()) {
    out.set_value("timesteps", *steps, "session_time_steps");
    for (const Value& step : steps->GetArray()) {
      auto turn = integer(find_present(step, "turn_number"));
      if (!turn) turn = integer(find_present(step, "step_index"));
      if (!turn) continue;
      if (auto id = integer(find_present(step, "id"))) turn_of_step_row[*id] = *turn;
      if (auto sid = text(find_member(step, "step_id"))) turn_of_step_id[std::string(*sid)] = *turn;
    }
  }
  const auto turn_of = [&](const Value& row) -> std::optional<int64_t> {
    if (auto step = integer(find_present(row, "timestep_id"))) {
      if (const auto it = turn_of_step_row.find(*step); it != turn_of_step_row.end()) return it->second;
    }
    const Value* metadata = embedded.resolve(find_present(row, "metadata"));
    if (auto sid = text(metadata != nullptr ? find_member(*metadata, "step_id") : nullptr)) {
      if (const auto it = turn_of_step_id.find(std::string(*sid)); it != turn_of_step_id.end()) return it->second;
    }
    return integer(field(row, "message_time", "time_record"));
  };

  // Messages: every row becomes one message (chat types) or one env_messages entry.
  const Value* rows = find_present(r, "markov_blanket_message_history");
  if (rows == nullptr) rows = find_present(r, "messages");
  std::vector<Ordered> ordered;
  if (rows != nullptr && rows->IsArray()) {
    for (rapidjson::SizeType i = 0; i < rows->Size(); ++i) {
      const Value& row = (*rows)[i];
      ordered.push_back({&row, turn_of(row), integer(find_present(row, "id")).value_or(0), i});
    }
  }
  order_rows(ordered);
  std::vector<std::string> messages;
  std::vector<std::string> env_messages;
  static const std::set<std::string_view> kMessageUsed = {"message_type", "content", "timestep_id", "message_time",
                                                          "event_time", "time_record"};
  for (const Ordered& o : ordered) {
    const Value& row = *o.row;
    const std::string type(text(find_member(row, "message_type")).value_or(""));
    Message message;
    message.role = role_of_type(type);
    const Value* metadata = embedded.resolve(find_present(row, "metadata"));
    if (message.role.empty()) {
      env_messages.push_back(json_of(row));
      continue;
    }
    if (message.role != type) message.original_role = type;
    if (auto original = text(metadata != nullptr ? find_member(*metadata, "original_message_type") : nullptr)) {
      message.original_role = std::string(*original);
    }
    message.turn = o.turn;
    const Value* content = find_member(row, "content");
    set_content(content != nullptr ? *content : Value().Move(), message, "call_" + std::to_string(messages.size()),
                embedded);
    if (message.role == "tool" && message.tool_call_id.empty()) {
      if (auto call = text(metadata != nullptr ? find_member(*metadata, "call_id") : nullptr)) message.tool_call_id = std::string(*call);
    }
    if (const Value* at = field(row, "event_time", "time_record"); at != nullptr && at->IsNumber()) {
      if (auto instant = libstream::parse_instant(number_json(at->GetDouble()))) message.created_at = libstream::format_instant(*instant);
    }
    for (const auto& m : row.GetObject()) {
      if (kMessageUsed.count(string_of(m.name)) == 0) message.extra.emplace_back(string_of(m.name), json_of(m.value));
    }
    messages.push_back(message.json());
  }
  out.set("messages", array_json(messages));
  if (!env_messages.empty()) out.set("env_messages", array_json(env_messages));

  // Events: usage, cost and the model of the LLM calls.
  const char* events_key = "event_history";
  const Value* events = find_present(r, events_key);
  if (events == nullptr) events = find_present(r, events_key = "events");
  Usage usage;
  std::optional<double> exact_cost;
  std::optional<double> cents_cost;
  bool all_exact = true;
  std::string event_model;
  size_t calls = 0;
  if (events != nullptr && events->IsArray()) {
    out.set_value("events", *events, events_key);
    for (const Value& event : events->GetArray()) {
      if (text(find_member(event, "event_type")).value_or("") != "cais") continue;
      ++calls;
      const Value* metadata = embedded.resolve(find_present(event, "metadata"));
      const Value* records = embedded.resolve(find_present(event, "call_records"));
      const auto from_records = [&](const char* key) -> std::optional<int64_t> {
        std::optional<int64_t> sum;
        if (records == nullptr || !records->IsArray()) return sum;
        for (const Value& record : records->GetArray()) {
          if (const Value* u = find_present(record, "usage")) {
            if (auto n = integer(find_present(*u, key))) sum = sum.value_or(0) + *n;
          }
        }
        return sum;
      };
      const auto pick = [&](const char* column, const char* meta_key, const char* record_key) {
        if (auto n = integer(find_present(event, column))) return std::optional<int64_t>(n);
        if (metadata != nullptr) {
          if (auto n = integer(find_present(*metadata, meta_key))) return std::optional<int64_t>(n);
        }
        return from_records(record_key);
      };
      usage.add(pick("input_tokens", "prompt_tokens", "input_tokens"), pick("output_tokens", "completion_tokens", "output_tokens"),
                pick("total_tokens", "total_tokens", "total_tokens"));
      std::optional<double> record_cost;
      bool complete = records != nullptr && records->IsArray() && !records->Empty();
      if (complete) {
        for (const Value& record : records->GetArray()) {
          const Value* u = find_present(record, "usage");
          auto c = number(u != nullptr ? find_present(*u, "cost_usd") : nullptr);
          if (!c) complete = false; else record_cost = record_cost.value_or(0) + *c;
        }
      }
      if (complete) {
        exact_cost = exact_cost.value_or(0) + *record_cost;
        cents_cost = cents_cost.value_or(0) + *record_cost * 100;
      } else {
        all_exact = false;
        if (auto cents = number(find_present(event, "cost_usd"))) cents_cost = cents_cost.value_or(0) + *cents;
      }
      if (event_model.empty()) {
        std::optional<std::string_view> m = text(find_member(event, "model_name"));
        if (!m && metadata != nullptr) m = text(find_member(*metadata, "model_name"));
        if (!m && records != nullptr && records->IsArray() && !records->Empty()) m = text(find_member((*records)[0], "model_name"));
        if (m) event_model = std::string(*m);
      }
    }
  }
  if (usage.known()) out.set("usage", usage.json());
  if (calls > 0 && all_exact && exact_cost) {
    out.set("cost_usd", number_json(*exact_cost));
  } else if (cents_cost) {
    // W13: events.cost_usd holds int(usd * 100); calls with exact record costs count in full.
    out.set("cost_usd", number_json(*cents_cost / 100.0));
    out.set("cost_usd_cents_truncated", "true");
  }
  set_model(out, event_model, metadata_model);

  // Rewards: the outcome row (latest created_at, then highest id: W19), else event rewards.
  std::vector<std::string> achievements;
  std::string reward_type_used;
  if (const Value* er = find_present(r, "event_rewards"); er != nullptr && er->IsArray() && !er->Empty()) {
    out.set_value("event_rewards", *er, "event_rewards");
    std::map<std::string, double> totals;
    for (const Value& reward : er->GetArray()) {
      const std::string type(text(find_member(reward, "reward_type")).value_or("reward"));
      const auto value = number(find_present(reward, "reward_value"));
      const auto turn = integer(find_present(reward, "turn_number"));
      if (value) totals[type] += *value;
      if (turn) {
        turns.seen.insert(*turn);
        if (value) turns.rewards[*turn][type] += *value;
      }
      const Value* annotation = embedded.resolve(find_present(reward, "annotation"));
      if (annotation != nullptr && type == "unique_achievement_delta") {
        for (const std::string& name : achievement_names(find_present(*annotation, "new_unique"))) {
          if (std::find(achievements.begin(), achievements.end(), name) == achievements.end()) achievements.push_back(name);
          if (turn) turns.unlocked[*turn].push_back(name);
        }
      }
    }
    if (!totals.empty()) {
      reward_type_used = totals.count("unique_achievement_delta") != 0 ? "unique_achievement_delta" : totals.begin()->first;
      if (totals.size() > 1 && totals.count("unique_achievement_delta") == 0) reward_type_used.clear();
      if (!reward_type_used.empty()) {
        out.set("reward", number_json(totals[reward_type_used]));
        out.set_text("reward_source", "event_rewards:" + reward_type_used);
      }
    }
  }
  if (const Value* outcomes = find_present(r, "outcome_rewards"); outcomes != nullptr && outcomes->IsArray() && !outcomes->Empty()) {
    const Value* chosen = nullptr;
    std::pair<int64_t, int64_t> best{INT64_MIN, INT64_MIN};
    for (const Value& row : outcomes->GetArray()) {
      const Value* at = find_present(row, "created_at");
      const int64_t when = at != nullptr && at->IsString() ? libstream::parse_instant(string_of(*at)).value_or(INT64_MIN) : INT64_MIN;
      const std::pair<int64_t, int64_t> key{when, integer(find_present(row, "id")).value_or(0)};
      if (chosen == nullptr || key > best) {
        chosen = &row;
        best = key;
      }
    }
    if (const Value* total = find_present(*chosen, "total_reward"); total != nullptr && total->IsNumber()) {
      out.set("reward", json_of(*total));
      out.set_text("reward_source", "outcome_rewards");
    }
    const Value* reward_metadata = embedded.resolve(find_present(*chosen, "reward_metadata"));
    if (reward_metadata != nullptr) {
      if (const Value* names = find_present(*reward_metadata, "achievements")) achievements = achievement_names(names);
    }
    out.set("outcome", "{\"chosen\":" + json_of(*chosen) + ",\"rows\":" + std::to_string(outcomes->Size()) + "}");
    if (outcomes->Size() > 1) {
      out.extra("outcome_rewards", json_of(*outcomes));
      warn(std::to_string(outcomes->Size()) + " outcome_rewards rows: took the latest (W19)");
    }
  }
  if (!achievements.empty() || find_present(r, "outcome_rewards") != nullptr) out.set("achievements", names_json(achievements));
  for (const auto& [turn, unused] : turn_of_step_id) turns.seen.insert(unused);
  if (!turns.seen.empty()) out.set("turns", turns.json());
  if (messages.empty()) {
    warn("session has no messages (a write that skipped them, W15, or an empty session)");
  }
  out.keep_rest(r, kUsed);
}

bool has_session_id(const Value& r) { return text(find_member(r, "session_id")).has_value(); }

bool recognise(const Value& r) {
  if (!has_session_id(r)) return false;
  if (find_member(r, "markov_blanket_message_history") != nullptr || find_member(r, "outcome_rewards") != nullptr ||
      find_member(r, "event_rewards") != nullptr) {
    return true;
  }
  // An export without reward tables: events and messages, and none of v2's members.
  return find_member(r, "events") != nullptr && find_member(r, "messages") != nullptr &&
         find_member(r, "event_history") == nullptr && find_member(r, "message_history") == nullptr;
}

void map(const Value& r, const MapContext& context, Record& out) {
  need_session_id(r, "v3");
  map_v3(r, out, context.warn);
}

}  // namespace

extern const DialectSpec kSynthV3{
    "v3", "session_id with markov_blanket_message_history, outcome_rewards or event_rewards (or events and messages)",
    "synth-ai v3", recognise, map, nullptr};

}  // namespace tracemill::normalize

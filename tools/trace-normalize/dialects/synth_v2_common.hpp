// What synth-ai's two v2 forms share: metadata items, episode outcomes and turns of events.
#pragma once

#include "dialect.hpp"
#include "../call_conversation.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace tracemill::normalize {

struct V2Metadata {
  const Value* config = nullptr;   // episode_config
  const Value* results = nullptr;  // episode_results
  const Value* error = nullptr;    // error
};

/// Items are recognised by metadata_type, or by their data keys when the type was lost
/// (dialect A writes "SessionMetadum" for all: W2).
inline V2Metadata classify_metadata(const Value* metadata, Embedded& embedded) {
  V2Metadata found;
  metadata = embedded.resolve(metadata);
  if (metadata == nullptr) return found;
  const auto consider = [&](std::string_view type, const Value* data) {
    data = embedded.resolve(data);
    if (data == nullptr || !data->IsObject()) return;
    if (type == "episode_config" || (find_member(*data, "instance_num") != nullptr && find_member(*data, "task_instance_id") != nullptr)) {
      found.config = data;
    } else if (type == "episode_results" || find_member(*data, "achievements") != nullptr || find_member(*data, "num_achievements") != nullptr) {
      found.results = data;
    } else if (type == "error" || find_member(*data, "error_message") != nullptr) {
      found.error = data;
    }
  };
  if (metadata->IsArray()) {
    for (const Value& item : metadata->GetArray()) consider(text(find_member(item, "metadata_type")).value_or(""), find_present(item, "data"));
  } else if (metadata->IsObject()) {
    for (const auto& m : metadata->GetObject()) consider(string_of(m.name), &m.value);
  }
  return found;
}

inline void map_v2_outcome(const V2Metadata& meta, Record& out, std::string& metadata_model) {
  if (meta.results != nullptr) {
    if (auto total = number(find_present(*meta.results, "total_reward"))) {
      out.set("reward", json_of(*find_present(*meta.results, "total_reward")));
      // W11: the Crafter runner overwrote total_reward with a K-weighted achievement score.
      out.set_text("reward_source", "episode_results.total_reward");
    }
    out.set("achievements", names_json(achievement_names(find_present(*meta.results, "achievements"))));
    out.set_text("status", meta.error != nullptr ? "error" : "completed");
  }
  if (meta.error != nullptr) {
    out.set_text("status", "error");
    if (const Value* message = find_present(*meta.error, "error_message")) {
      out.set("error", string_or_quoted_json(*message));
    }
  }
  if (meta.config != nullptr) {
    if (auto m = text(find_member(*meta.config, "model_name"))) metadata_model = std::string(*m);
    if (auto t = text(find_member(*meta.config, "task_instance_id"))) out.set_text("task_id", *t);
    if (auto a = text(find_member(*meta.config, "agent_type"))) out.set_text("policy", *a);
  }
}

/// The turn of a v2 event: metadata.turn, else time_record.message_time (W10).
inline std::optional<int64_t> v2_event_turn(const Value& event, Embedded& embedded) {
  const Value* metadata = embedded.resolve(find_present(event, "metadata"));
  if (metadata != nullptr) {
    if (auto t = integer(find_present(*metadata, "turn"))) return t;
  }
  return integer(field(event, "message_time", "time_record"));
}

/// Achievements first seen per turn from per-turn achievement states. An observation at
/// turn t is the state before turn t's actions (docs/synth-ai-sources.md, "Observations"), so what it shows new
/// was gained by turn t-1 at the latest; the episode results give the state after the last
/// turn. The first state is the baseline: what was held before it is nobody's gain.
inline void achievement_deltas(const std::map<int64_t, std::vector<std::string>>& states, const std::vector<std::string>& final_state,
                        Turns& turns) {
  std::set<std::string> have;
  const auto unlock = [&](int64_t turn, const std::vector<std::string>& state) {
    for (const std::string& name : state) {
      if (have.insert(name).second) {
        turns.unlocked[turn].push_back(name);
        turns.seen.insert(turn);
      }
    }
  };
  bool first = true;
  for (const auto& [turn, state] : states) {
    if (first) {
      have.insert(state.begin(), state.end());
      first = false;
    } else {
      unlock(turn - 1, state);
    }
  }
  int64_t last = states.rbegin()->first;
  if (!turns.seen.empty()) last = std::max(last, *turns.seen.rbegin());
  unlock(last, final_state);
}

}  // namespace tracemill::normalize

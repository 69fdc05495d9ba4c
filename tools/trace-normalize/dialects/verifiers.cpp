// verifiers `vf-eval` results: results.jsonl, one rollout per line {id | example_id, prompt,
// completion, answer?, task?, info?, reward, <one column per rubric function>, timings...};
// prompt and completion are chat lists (tool calls as objects, or JSON strings in some
// versions) or plain strings (completion environments). The metadata.json beside them
// {env, model, sampling args, averages} holds no rollout: read before the rows (trace-read
// run/metadata.json run/results.jsonl), it gives the rows after it their model and env.
#include "eval_common.hpp"

#include <libstream/document.hpp>

#include <set>

namespace tracemill::normalize {
namespace {

constexpr const char* kCarried = "verifiers-metadata";


/// A prompt or completion: a chat list, or a string (one user / assistant message).
void append_side(const Value* side, const char* name, const char* string_role, std::vector<std::string>& messages,
                 evals::CallLedger& ledger, const Warn& warn) {
  if (side == nullptr || side->IsNull()) return;
  if (side->IsString()) {
    Message message;
    message.role = string_role;
    message.content = json_of(*side);
    messages.push_back(message.json());
  } else if (side->IsArray()) {
    evals::append_openai_messages(*side, name, messages, ledger, warn);
  } else {
    throw MappingError{std::string(name) + ": neither a message list nor a string"};
  }
}

bool recognise_rollout(const Value& r) { return find_member(r, "prompt") != nullptr && find_member(r, "completion") != nullptr; }

void map_rollout(const Value& r, const MapContext& context, Record& out) {
  static const std::set<std::string_view> kNotScores = {"id", "example_id", "reward", "generation_ms", "scoring_ms", "total_ms"};
  const Value* example = find_present(r, "example_id");
  if (example == nullptr) example = find_present(r, "id");
  const std::string example_text = example == nullptr ? "" : text_or_json(*example);
  // Rollouts carry no id of their own: the example and a hash of the row name them.
  out.set_text("session_id", content_id("vf-example" + example_text + "-", r));
  std::vector<std::string> messages;
  evals::CallLedger ledger;
  append_side(find_member(r, "prompt"), "prompt", "user", messages, ledger, context.warn);
  const size_t prompt_messages = messages.size();
  append_side(find_member(r, "completion"), "completion", "assistant", messages, ledger, context.warn);
  out.set("messages", array_json(messages));
  if (const Value* reward = find_present(r, "reward"); reward != nullptr && reward->IsNumber()) {
    out.set("reward", json_of(*reward));
    out.set_text("reward_source", "reward");
  }
  if (!example_text.empty()) out.set_text("task_id", example_text);
  // Rubric columns (one number per reward function) and, in later versions, a metrics object.
  std::string scores;
  std::set<std::string_view> used = {"prompt", "completion", "reward", "id", "example_id"};
  for (const auto& m : r.GetObject()) {
    const std::string_view key = string_of(m.name);
    if (m.value.IsNumber() && kNotScores.count(key) == 0) {
      scores += (scores.empty() ? "" : ",") + quote(key) + ":" + json_of(m.value);
      used.insert(key);
    }
  }
  if (const Value* metrics = find_present(r, "metrics"); metrics != nullptr && metrics->IsObject()) {
    for (const auto& m : metrics->GetObject()) scores += (scores.empty() ? "" : ",") + quote(string_of(m.name)) + ":" + json_of(m.value);
    used.insert("metrics");
  }
  if (!scores.empty()) out.set("scores", "{" + scores + "}");
  std::string source = "{\"format\":\"verifiers\"";
  if (context.carried != nullptr) {
    if (const auto it = context.carried->find(kCarried); it != context.carried->end()) {
      rapidjson::Document metadata;
      if (!libstream::parse_embedded_json(it->second, metadata)) metadata.SetObject();
      if (auto model = text(find_member(metadata, "model"))) {
        out.set_text("model", *model);
        out.set_text("model_source", "session_metadata");
      }
      auto env = text(find_member(metadata, "env"));
      if (!env) env = text(find_member(metadata, "env_id"));
      if (env) out.set_text("env", *env);
      source += ",\"metadata\":" + it->second;
    }
  }
  out.set("source", source + "}");
  out.extra("prompt_messages", std::to_string(prompt_messages));  // where the completion starts
  out.keep_rest(r, used);
}

bool recognise_metadata(const Value& r) {
  return find_member(r, "rollouts_per_example") != nullptr && text(find_member(r, "model")).has_value() &&
         (find_member(r, "env") != nullptr || find_member(r, "env_id") != nullptr) && find_member(r, "prompt") == nullptr;
}

/// No session: the metadata waits for the rows read after it (the record counts as filtered).
void map_metadata(const Value& r, const MapContext& context, std::vector<std::string>& sessions) {
  (void)sessions;
  if (context.carried == nullptr) return;
  (*context.carried)[kCarried] = json_of(r);
}

}  // namespace

extern const DialectSpec kVerifiers{"verifiers", "prompt and completion (vf-eval results rows)", "verifiers vf-eval results",
                                    recognise_rollout, map_rollout, nullptr, nullptr, nullptr, /*uses_carried=*/true};
extern const DialectSpec kVerifiersMetadata{"vf-metadata", "model, env and rollouts_per_example (vf-eval metadata.json)",
                                            "verifiers vf-eval results", recognise_metadata, nullptr, nullptr, map_metadata,
                                            nullptr, /*uses_carried=*/true};

}  // namespace tracemill::normalize

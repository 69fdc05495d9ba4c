#include "observer.hpp"

#include <libstream/json.hpp>

namespace tracemill::dedup {

using rapidjson::Value;

namespace {

const Value* find_first(const Value& root, const std::string& path, std::initializer_list<const char*> defaults) {
  if (!path.empty()) return libstream::find_path(root, path);
  for (const char* candidate : defaults) {
    if (const Value* value = libstream::find_path(root, candidate); value != nullptr && !value->IsNull()) return value;
  }
  return nullptr;
}

}  // namespace

Observer::Observer(const DedupOptions& options, const NgramIndex& eval_index)
    : options_(options), eval_index_(eval_index), hasher_(options.minhash) {}

void Observer::observe(const char* data, size_t size, Observation& seen) {
  seen = Observation();
  libstream::JsonError error;
  const Value* root = parser_.parse(data, size, &error);
  text_.clear();
  words_.clear();
  if (root == nullptr) {
    seen.problem = error.describe();
  } else if (!root->IsObject()) {
    seen.problem = "not a JSON object";
  } else {
    static_cast<void>(collect_text(*root, options_.text, text_, seen.problem));
  }
  if (!seen.problem.empty()) return;
  if (const Value* id = find_first(*root, options_.id_field, {"session_id", "metadata.session_id"}); id != nullptr) {
    seen.has_id = true;
    if (id->IsString()) {
      seen.id.assign(libstream::string_of(*id));
    } else {
      static_cast<void>(libstream::append_json_value(seen.id, *id));
    }
  }
  if (options_.keep == KeepRule::best_reward) {
    const Value* reward = find_first(*root, options_.reward_field, {"reward", "metadata.total_reward"});
    if (reward != nullptr && reward->IsNumber()) seen.reward = reward->GetDouble();
  }
  seen.text_bytes = text_.size();
  word_hashes(text_, words_);
  if (!eval_index_.empty()) {
    if (const std::optional<uint32_t> item = eval_index_.find(words_)) {
      seen.eval_item = *item;
      return;
    }
  }
  seen.exact = normalized_hash(text_);
}

}  // namespace tracemill::dedup

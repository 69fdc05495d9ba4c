#include "outcomes.hpp"

#include "json_splice.hpp"

#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/json.hpp>
#include <libstream/source.hpp>

#include <memory>

namespace tracemill {

using rapidjson::Value;

const std::vector<std::string> kDefaultOutcomeKeys = {"instance_id", "session_id", "trial_name", "task_id", "id"};

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw libstream::Error(libstream::ErrorKind::data, where, message);
}

// A number's text as the outcome file wrote it, when the path can be followed in the text;
// else as the parsed value prints (the same number, perhaps spelled differently).
std::string number_text(const Value& value, std::string_view record, std::string_view path) {
  if (auto raw = raw_member(record, path)) return std::string(*raw);
  std::string text;
  static_cast<void>(libstream::append_json_value(text, value));
  return text;
}

// SWE-bench's run report lists, in the harness's order; the reward each list means (empty: none).
struct SummaryList {
  const char* name;
  const char* reward;
};
constexpr SummaryList kSummaryLists[] = {{"resolved_ids", "1.0"},
                                         {"unresolved_ids", "0.0"},
                                         {"empty_patch_ids", "0.0"},
                                         {"error_ids", ""},
                                         {"incomplete_ids", ""}};

bool is_summary_report(const Value& root) {
  const Value* resolved = libstream::find_member(root, "resolved_ids");
  const Value* unresolved = libstream::find_member(root, "unresolved_ids");
  return resolved != nullptr && resolved->IsArray() && unresolved != nullptr && unresolved->IsArray();
}

bool all_members_objects(const Value& root) {
  if (root.MemberCount() == 0) return false;
  for (const auto& member : root.GetObject()) {
    if (!member.value.IsObject()) return false;
  }
  return true;
}

std::string tried(const std::vector<std::string>& keys) {
  std::string list;
  for (const std::string& key : keys) list += (list.empty() ? "" : ", ") + key;
  return list;
}

}  // namespace

bool key_text(const Value* value, std::string& key) {
  if (value == nullptr) return false;
  if (value->IsString()) {
    key.assign(value->GetString(), value->GetStringLength());
    return !key.empty();
  }
  if (value->IsInt64() || value->IsUint64()) {
    key = value->IsInt64() ? std::to_string(value->GetInt64()) : std::to_string(value->GetUint64());
    return true;
  }
  return false;
}

void derive_reward(const Value& record, const OutcomeOptions& options, Outcome& outcome) {
  const auto set = [&outcome](std::string reward, const std::string& path) {
    outcome.reward = std::move(reward);
    outcome.reward_source = "outcomes:" + path;
  };
  if (!options.reward_from.empty()) {
    const Value* value = libstream::find_path(record, options.reward_from);
    if (value != nullptr && value->IsBool()) set(value->GetBool() ? "1.0" : "0.0", options.reward_from);
    if (value != nullptr && value->IsNumber()) set(number_text(*value, outcome.record, options.reward_from), options.reward_from);
    return;
  }
  // SWE-bench harness report (one instance's entry): resolved is the verdict.
  if (const Value* resolved = libstream::find_member(record, "resolved"); resolved != nullptr && resolved->IsBool()) {
    set(resolved->GetBool() ? "1.0" : "0.0", "resolved");
    return;
  }
  // Harbor trial result: verifier_result.rewards, named numbers from reward.txt or reward.json.
  const Value* verifier = libstream::find_present(record, "verifier_result");
  const Value* rewards = verifier != nullptr ? libstream::find_present(*verifier, "rewards") : nullptr;
  if (rewards != nullptr && rewards->IsObject()) {
    const Value* only = nullptr;
    std::string only_name;
    size_t numbers = 0;
    for (const auto& member : rewards->GetObject()) {
      if (!member.value.IsNumber()) continue;
      const std::string name(libstream::string_of(member.name));
      const std::string path = "verifier_result.rewards." + name;
      outcome.verifier_scores.emplace_back(name, number_text(member.value, outcome.record, path));
      ++numbers;
      only = &member.value;
      only_name = name;
    }
    if (const Value* reward = libstream::find_member(*rewards, "reward"); reward != nullptr && reward->IsNumber()) {
      set(number_text(*reward, outcome.record, "verifier_result.rewards.reward"), "verifier_result.rewards.reward");
    } else if (numbers == 1) {
      set(number_text(*only, outcome.record, "verifier_result.rewards." + only_name), "verifier_result.rewards." + only_name);
    }
    return;
  }
  if (const Value* reward = libstream::find_member(record, "reward"); reward != nullptr && reward->IsNumber()) {
    set(number_text(*reward, outcome.record, "reward"), "reward");
  }
}

void OutcomeTable::load(const std::string& path, const libstream::FramingOptions& framing) {
  // Framed as JSON text, never as a store: open_record_source() sniffs a path for a database
  // header before reading it, which loses the first bytes of a pipe such as <(cat reports/*).
  auto source = std::make_unique<libstream::RecordReader>(libstream::open_input(path),
                                                          libstream::InputFormat::auto_detect, framing);
  libstream::RawRecord record;
  while (source->next(record)) {
    const std::string where = source->name() + ":" + std::to_string(record.line);
    if (!record.problem.empty()) fail(where, record.problem);
    add_record(std::string_view(record.data, record.size), where);
  }
}

void OutcomeTable::add_record(std::string_view json, const std::string& where) {
  std::string compact;
  libstream::JsonError error;
  if (!libstream::append_compact_json(json.data(), json.size(), compact, &error)) fail(where, error.describe());
  const Value* root = parser_.parse(compact.data(), compact.size(), &error);
  if (root == nullptr) fail(where, error.describe());
  if (!root->IsObject()) fail(where, "an outcome is not a JSON object");
  if (is_summary_report(*root)) {
    add_summary_report(*root, where);
    return;
  }
  const std::vector<std::string>& keys = options_.keys.empty() ? kDefaultOutcomeKeys : options_.keys;
  Outcome outcome;
  for (const std::string& path : keys) {
    if (key_text(libstream::find_path(*root, path), outcome.key)) break;
    outcome.key.clear();
  }
  if (!outcome.key.empty()) {
    outcome.record = std::move(compact);
    outcome.where = where;
    derive_reward(*root, options_, outcome);
    add(std::move(outcome));
    return;
  }
  if (!all_members_objects(*root)) {
    if (root->MemberCount() == 0) return;  // {}: an empty map of outcomes
    fail(where, "an outcome without a key (tried " + tried(keys) + ") that is not an object of outcomes keyed by id");
  }
  // An object keyed by id (SWE-bench report.json, mini-swe-agent preds.json): each member is one outcome.
  std::vector<std::pair<std::string_view, std::string_view>> spans;
  if (!libstream::top_level_members(compact, spans) || spans.size() != root->MemberCount()) {
    fail(where, "cannot split the object of outcomes");  // not reached: compact is valid JSON
  }
  size_t i = 0;
  for (const auto& member : root->GetObject()) {
    Outcome entry;
    entry.key.assign(libstream::string_of(member.name));
    entry.record.assign(spans[i++].second);
    entry.where = where;
    if (entry.key.empty()) fail(where, "an outcome keyed by the empty string");
    derive_reward(member.value, options_, entry);
    add(std::move(entry));
  }
}

void OutcomeTable::add_summary_report(const Value& report, const std::string& where) {
  for (const SummaryList& list : kSummaryLists) {
    const Value* ids = libstream::find_member(report, list.name);
    if (ids == nullptr || !ids->IsArray()) continue;
    for (const Value& id : ids->GetArray()) {
      Outcome entry;
      if (!id.IsString() || id.GetStringLength() == 0) fail(where, std::string(list.name) + " holds something other than an id");
      entry.key.assign(libstream::string_of(id));
      entry.record = "{\"instance_id\":";
      libstream::append_json_string(entry.record, entry.key);
      entry.record += ",\"list\":\"" + std::string(list.name) + "\"}";
      entry.where = where;
      if (list.reward[0] != '\0') {
        entry.reward = list.reward;
        entry.reward_source = "outcomes:" + std::string(list.name);
      }
      add(std::move(entry));
    }
  }
}

void OutcomeTable::add(Outcome outcome) {
  const auto [it, inserted] = index_.emplace(outcome.key, outcomes_.size());
  if (!inserted) {
    const Outcome& first = outcomes_[it->second];
    if (first.record != outcome.record) {
      std::string key;
      libstream::append_json_string(key, outcome.key);
      fail(outcome.where, "outcome key " + key + " again with a different outcome (first at " + first.where + ")");
    }
    ++duplicates_;
    return;
  }
  bytes_ += outcome.key.size() + outcome.record.size() + outcome.reward.size();
  outcomes_.push_back(std::move(outcome));
}

Outcome* OutcomeTable::find(const std::string& key) {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &outcomes_[it->second];
}

}  // namespace tracemill

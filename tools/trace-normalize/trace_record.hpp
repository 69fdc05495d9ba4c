// The trace/v1 record a dialect fills: members in fixed slots, written in the documented
// order, untouched source members copied byte for byte from the record's own text.
#pragma once

#include "json_text.hpp"

#include <libstream/json.hpp>
#include <libstream/time.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill::normalize {

/// trace/v1 members in the order they are written (docs/trace-v1.md).
inline const char* const kOrder[] = {
    "schema", "session_id", "original_session_id", "parent_session_id", "parent_tool_call_id", "messages", "reward",
    "reward_source", "achievements", "model", "model_source", "experiment_id", "split", "task_id", "seed", "env",
    "policy", "status", "error", "phase", "trial_id", "job_id", "created_at", "original_created_at", "ended_at", "usage",
    "cost_usd", "cost_usd_cents_truncated", "scores", "turns", "outcome", "event_rewards", "events", "env_messages",
    "branches", "timesteps", "experiment", "config", "source"};


/// Records on this thread whose cost summed below 0 (a source's refund or error): the cost is
/// kept under extra.negative_cost_usd instead, and the driver counts and warns.
inline uint64_t& negative_costs() {
  static thread_local uint64_t count = 0;
  return count;
}

/// The trace/v1 record being built. Members are JSON text in fixed slots, written in the
/// documented order; one Record serves a whole run (reset() keeps the slots' capacity), so
/// large members do not cost a fresh allocation per record.
class Record {
 public:
  static constexpr size_t kSlots = sizeof(kOrder) / sizeof(kOrder[0]);

  /// Starts a record. `raw` is the source record's text when it is one line of compact-able
  /// JSON (NDJSON): members copied untouched are then taken byte for byte from it, which is
  /// both faster than re-serialising and keeps numbers exactly as written.
  void reset(const Value* root, std::string_view raw) {
    for (size_t i = 0; i < kSlots; ++i) present_[i] = false;
    extra_.clear();
    root_ = root;
    raw_members_.clear();
    if (!raw.empty() && !libstream::top_level_members(raw, raw_members_)) raw_members_.clear();
  }
  /// The source's raw text of its top-level member `name`, if usable as one line.
  [[nodiscard]] std::optional<std::string_view> raw(std::string_view name) const {
    for (const auto& [key, value] : raw_members_) {
      if (key == name) {
        // A line holds no newline; a raw tab (which Hadoop Streaming splits on) is re-serialised away.
        if (std::memchr(value.data(), '\t', value.size()) != nullptr) return std::nullopt;
        return value;
      }
    }
    return std::nullopt;
  }
  void set(std::string_view key, const std::string& json) { slot(key).assign(json); }
  void set(std::string_view key, std::string&& json) { slot(key) = std::move(json); }  // a session's messages: not copied again
  /// The JSON of `value` as member `key`, serialised straight into the slot.
  void set_value(std::string_view key, const Value& value, const char* source_key = nullptr) {
    if (source_key != nullptr) {
      if (auto text = raw(source_key)) {
        slot(key).assign(text->data(), text->size());
        return;
      }
    }
    const rapidjson::StringBuffer& buffer = serialise(value);
    slot(key).assign(buffer.GetString(), buffer.GetSize());
  }
  void set_text(std::string_view key, std::string_view value) {
    std::string& out = slot(key);
    out.clear();
    libstream::append_json_string(out, value);
  }
  [[nodiscard]] bool has(std::string_view key) const { return present_[index(key)]; }
  void extra(std::string_view key, std::string json) { extra_.emplace_back(std::string(key), std::move(json)); }
  /// Keeps every member of `object` not in `used` under extra: nothing is dropped.
  void keep_rest(const Value& object, const std::set<std::string_view>& used) {
    if (!object.IsObject()) return;
    for (const auto& m : object.GetObject()) {
      if (used.count(string_of(m.name)) != 0) continue;
      const auto text = &object == root_ ? raw(string_of(m.name)) : std::nullopt;
      extra(string_of(m.name), text ? std::string(*text) : json_of(m.value));
    }
  }
  /// A time member: RFC 3339 UTC; the original text is kept when it differed.
  void set_time(const char* key, const char* original_key, const Value* value,
                const std::function<void(const std::string&)>& warn) {
    if (value == nullptr) return;
    std::optional<int64_t> instant;
    if (value->IsString()) instant = libstream::parse_instant(string_of(*value));
    if (value->IsNumber()) instant = libstream::parse_instant(number_json(value->GetDouble()));
    if (!instant) {
      warn(std::string(key) + " " + json_of(*value) + " is not a time: kept as " + original_key);
      set(original_key, json_of(*value));
      return;
    }
    const std::string formatted = libstream::format_instant(*instant);
    set_text(key, formatted);
    if (!value->IsString() || string_of(*value) != formatted) set(original_key, json_of(*value));
  }

  void finish(std::string& out) {
    set("schema", "\"trace/v1\"");
    // trace/v1's cost_usd is a cost, >= 0; a negative sum is the source's, kept beside.
    if (const size_t cost = index("cost_usd"); present_[cost] && std::strtod(slots_[cost].c_str(), nullptr) < 0) {
      present_[cost] = false;
      extra("negative_cost_usd", slots_[cost]);
      ++negative_costs();
    }
    if (!has("messages")) set("messages", "[]");
    size_t size = 16;
    for (size_t i = 0; i < kSlots; ++i) size += present_[i] ? slots_[i].size() + 32 : 0;
    for (const auto& [key, json] : extra_) size += key.size() + json.size() + 4;
    out.clear();
    out.reserve(size);
    out += '{';
    for (size_t i = 0; i < kSlots; ++i) {
      if (!present_[i]) continue;
      if (out.size() > 1) out += ',';
      out += '"';
      out += kOrder[i];
      out += "\":";
      out += slots_[i];
    }
    if (!extra_.empty()) {
      out += ",\"extra\":{";
      for (size_t i = 0; i < extra_.size(); ++i) {
        if (i > 0) out += ',';
        libstream::append_json_string(out, extra_[i].first);
        out += ':';
        out += extra_[i].second;
      }
      out += '}';
    }
    out += '}';
  }

 private:
  // Keys are looked up by view (no std::string made per call; lengths compared first).
  static size_t index(std::string_view key) {
    static const auto names = [] {
      std::vector<std::string_view> all(std::begin(kOrder), std::end(kOrder));
      return all;
    }();
    for (size_t i = 0; i < kSlots; ++i) {
      if (key == names[i]) return i;
    }
    throw std::logic_error("not a trace/v1 member: " + std::string(key));  // a programming error, caught by tests
  }
  std::string& slot(std::string_view key) {
    const size_t i = index(key);
    present_[i] = true;
    return slots_[i];
  }

  const Value* root_ = nullptr;
  std::vector<std::pair<std::string_view, std::string_view>> raw_members_;
  std::string slots_[kSlots];
  bool present_[kSlots] = {};
  std::vector<std::pair<std::string, std::string>> extra_;
};

}  // namespace tracemill::normalize

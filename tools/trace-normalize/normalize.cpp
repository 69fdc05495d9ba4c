#include "normalize.hpp"

#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/hash.hpp>
#include <libstream/json.hpp>
#include <libstream/projection.hpp>
#include <libstream/stores.hpp>
#include <libstream/time.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace tracemill {

using libstream::find_member;
using libstream::find_present;
using libstream::string_of;
using rapidjson::Value;

namespace {

// ----------------------------------------------------------------------------------------
// Small JSON helpers

/// The compact JSON of `value`. One buffer serves every call, so serialising a large member
/// (a session's events) does not grow a fresh buffer from nothing each time.
rapidjson::StringBuffer& serialise(const Value& value) {
  thread_local rapidjson::StringBuffer buffer;
  buffer.Clear();
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer;
}

std::string json_of(const Value& value) {
  const rapidjson::StringBuffer& buffer = serialise(value);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string quote(std::string_view text) {
  std::string out;
  libstream::append_json_string(out, text);
  return out;
}

std::string number_json(double value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.Double(value);
  return {buffer.GetString(), buffer.GetSize()};
}

std::optional<std::string_view> text(const Value* value) {
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return string_of(*value);
}

std::optional<int64_t> integer(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsInt64()) return value->GetInt64();
  if (value->IsDouble() && std::isfinite(value->GetDouble()) && value->GetDouble() == static_cast<double>(static_cast<int64_t>(value->GetDouble()))) {
    return static_cast<int64_t>(value->GetDouble());
  }
  if (value->IsString() && value->GetStringLength() > 0 && value->GetStringLength() < 19) {
    const std::string digits(string_of(*value));
    if (digits.find_first_not_of("0123456789-") == std::string::npos) return std::stoll(digits);
  }
  return std::nullopt;
}

std::optional<double> number(const Value* value) {
  if (value == nullptr || !value->IsNumber()) return std::nullopt;
  const double x = value->GetDouble();
  if (!std::isfinite(x)) return std::nullopt;
  return x;
}

/// Member `name` of `object`, or of the nested object `inner` ("time_record").
const Value* field(const Value& object, const char* name, const char* inner = nullptr) {
  if (const Value* v = find_present(object, name)) return v;
  if (inner != nullptr) {
    if (const Value* nested = find_present(object, inner)) return find_present(*nested, name);
  }
  return nullptr;
}

/// Turns a JSON object written as a string (v3 TEXT columns, DuckDB JSON exported as text)
/// into a value. The parses of one record share one memory pool, freed with the Embedded.
class Embedded {
 public:
  /// `value` itself if not a string; its parse if a string holding an object or array.
  const Value* resolve(const Value* value) {
    if (value == nullptr || !value->IsString()) return value;
    std::string_view s = string_of(*value);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    if (s.empty() || (s.front() != '{' && s.front() != '[')) return value;
    auto& document = documents_.emplace_back(&pool_);
    document.Parse<rapidjson::kParseFullPrecisionFlag>(s.data(), s.size());
    if (document.HasParseError()) return value;
    return &document;
  }

 private:
  rapidjson::MemoryPoolAllocator<> pool_;
  std::deque<rapidjson::Document> documents_;
};

// ----------------------------------------------------------------------------------------
// The output record

const char* const kOrder[] = {
    "schema", "session_id", "original_session_id", "messages", "reward", "reward_source", "achievements", "model",
    "model_source", "experiment_id", "split", "task_id", "seed", "env", "policy", "status", "error", "phase",
    "trial_id", "job_id", "created_at", "original_created_at", "usage", "cost_usd", "cost_usd_cents_truncated",
    "scores", "turns", "outcome", "event_rewards", "events", "env_messages", "timesteps", "experiment", "config",
    "source"};

}  // namespace

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
  void set(const std::string& key, const std::string& json) { slot(key).assign(json); }
  /// The JSON of `value` as member `key`, serialised straight into the slot.
  void set_value(const std::string& key, const Value& value, const char* source_key = nullptr) {
    if (source_key != nullptr) {
      if (auto text = raw(source_key)) {
        slot(key).assign(text->data(), text->size());
        return;
      }
    }
    const rapidjson::StringBuffer& buffer = serialise(value);
    slot(key).assign(buffer.GetString(), buffer.GetSize());
  }
  void set_text(const std::string& key, std::string_view value) {
    std::string& out = slot(key);
    out.clear();
    libstream::append_json_string(out, value);
  }
  [[nodiscard]] bool has(const std::string& key) const { return present_[index(key)]; }
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
  static size_t index(const std::string& key) {
    for (size_t i = 0; i < kSlots; ++i) {
      if (key == kOrder[i]) return i;
    }
    throw std::logic_error("not a trace/v1 member: " + key);  // a programming error, caught by tests
  }
  std::string& slot(const std::string& key) {
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

namespace {

// ----------------------------------------------------------------------------------------
// Messages

struct Message {
  std::string role;
  std::string content = "null";  // JSON
  std::string tool_calls;        // JSON array, or empty
  std::string tool_call_id;
  std::string name;
  std::string original_role;
  std::string original_arguments;  // JSON object call id -> original arguments, or empty
  std::optional<int64_t> turn;
  std::string model;
  std::string usage;  // JSON object, or empty
  std::string created_at;
  int64_t context_messages = -1;
  std::vector<std::pair<std::string, std::string>> extra;

  [[nodiscard]] std::string json() const {
    std::string out = "{\"role\":" + quote(role) + ",\"content\":" + content;
    if (!tool_calls.empty()) out += ",\"tool_calls\":" + tool_calls;
    if (!tool_call_id.empty()) out += ",\"tool_call_id\":" + quote(tool_call_id);
    if (!name.empty()) out += ",\"name\":" + quote(name);
    if (!original_role.empty()) out += ",\"original_role\":" + quote(original_role);
    if (!original_arguments.empty()) out += ",\"original_arguments\":" + original_arguments;
    if (turn) out += ",\"turn\":" + std::to_string(*turn);
    if (context_messages >= 0) out += ",\"context_messages\":" + std::to_string(context_messages);
    if (!model.empty()) out += ",\"model\":" + quote(model);
    if (!usage.empty()) out += ",\"usage\":" + usage;
    if (!created_at.empty()) out += ",\"created_at\":" + quote(created_at);
    if (!extra.empty()) {
      out += ",\"extra\":{";
      for (size_t i = 0; i < extra.size(); ++i) out += (i > 0 ? "," : "") + quote(extra[i].first) + ":" + extra[i].second;
      out += '}';
    }
    return out + "}";
  }
};

/// trace/v1 role of a source message type; empty when the type is not part of a chat
/// (v2 Crafter observation / tool_call / action records, which go to env_messages).
std::string role_of_type(std::string_view type) {
  if (type == "system" || type == "user" || type == "assistant" || type == "tool") return std::string(type);
  if (type == "policy_system_prompt") return "system";
  if (type == "policy_user_prompt") return "user";
  if (type == "policy_tool_call" || type == "tool_use" || type == "llm_completion") return "assistant";
  if (type == "tool_result") return "tool";
  if (type == "human") return "user";  // ShareGPT "from"
  if (type == "gpt" || type == "bot" || type == "model") return "assistant";
  return {};
}

bool is_tool_call_item(const Value& item) {
  return item.IsObject() && (find_member(item, "function") != nullptr ||
                             ((find_member(item, "tool_name") != nullptr || find_member(item, "name") != nullptr ||
                               find_member(item, "tool") != nullptr) &&
                              (find_member(item, "arguments") != nullptr || find_member(item, "args") != nullptr ||
                               find_member(item, "input") != nullptr || find_member(item, "arguments_json") != nullptr)));
}

bool is_part_list(const Value& value) {
  if (!value.IsArray() || value.Empty()) return false;
  for (const Value& part : value.GetArray()) {
    if (!part.IsObject() || find_member(part, "type") == nullptr) return false;
  }
  return true;
}

/// Writes calls in OpenAI form; arguments given as objects are serialised and kept in
/// original_arguments by call id. Ids missing from the source are made from `id_prefix`.
void set_tool_calls(const Value& calls, Message& message, const std::string& id_prefix) {
  std::string out = "[";
  std::string originals;
  for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
    const Value& call = calls[i];
    const Value* function = find_present(call, "function");
    const Value& source = function != nullptr && function->IsObject() ? *function : call;
    std::string name;
    for (const char* key : {"name", "tool_name", "tool"}) {
      if (auto t = text(find_member(source, key))) {
        name = std::string(*t);
        break;
      }
    }
    std::string id;
    for (const char* key : {"id", "call_id", "tool_call_id"}) {
      if (auto t = text(find_member(call, key))) {
        id = std::string(*t);
        break;
      }
    }
    if (id.empty()) id = id_prefix + "_" + std::to_string(i);
    const Value* arguments = nullptr;
    for (const char* key : {"arguments", "arguments_json", "args", "input"}) {
      if ((arguments = find_member(source, key)) != nullptr) break;
    }
    std::string arguments_json;
    if (arguments != nullptr && arguments->IsString()) {
      arguments_json = json_of(*arguments);
    } else {
      arguments_json = quote(arguments != nullptr ? json_of(*arguments) : "{}");
      if (arguments != nullptr) originals += (originals.empty() ? "" : ",") + quote(id) + ":" + json_of(*arguments);
    }
    out += (i > 0 ? ",{\"id\":" : "{\"id\":") + quote(id) + ",\"type\":\"function\",\"function\":{\"name\":" +
           quote(name) + ",\"arguments\":" + arguments_json + "}}";
  }
  message.tool_calls = out + "]";
  if (!originals.empty()) message.original_arguments = "{" + originals + "}";
  if (message.content == "\"\"") message.content = "null";
}

/// Fills content (and tool calls, tool_call_id, name) from a chat-shaped value: a string,
/// a part list, a tool-call list, {role, content, ...}, or a {payload} wrapper. Members it
/// does not map are kept in the message's extra.
void set_content(const Value& value, Message& message, const std::string& id_prefix, Embedded& embedded, int depth = 0) {
  const Value& v = *embedded.resolve(&value);
  if (v.IsString()) {
    message.content = json_of(v);
  } else if (v.IsNull()) {
    message.content = "null";
  } else if (v.IsArray()) {
    bool calls = !v.Empty();
    for (const Value& item : v.GetArray()) calls = calls && is_tool_call_item(item);
    if (calls) {
      set_tool_calls(v, message, id_prefix);
      message.content = "null";
    } else if (is_part_list(v)) {
      message.content = json_of(v);
    } else {
      message.content = quote(json_of(v));  // structured payload: kept whole, as text
    }
  } else if (v.IsObject() && depth < 4 && find_member(v, "payload") != nullptr && find_member(v, "role") == nullptr) {
    for (const auto& m : v.GetObject()) {
      if (string_of(m.name) != "payload") message.extra.emplace_back(string_of(m.name), json_of(m.value));
    }
    set_content(*find_member(v, "payload"), message, id_prefix, embedded, depth + 1);
  } else if (v.IsObject() && (find_member(v, "content") != nullptr || find_member(v, "tool_calls") != nullptr ||
                              find_member(v, "role") != nullptr || find_member(v, "text") != nullptr)) {
    static const std::set<std::string_view> kMapped = {"role", "content", "tool_calls", "tool_call_id", "name", "text"};
    const Value* content = find_member(v, "content");
    if (content == nullptr) content = find_member(v, "text");
    if (content != nullptr) {
      set_content(*content, message, id_prefix, embedded, depth + 1);
    } else {
      message.content = "null";
    }
    if (const Value* calls = find_present(v, "tool_calls"); calls != nullptr && calls->IsArray() && !calls->Empty()) {
      set_tool_calls(*calls, message, id_prefix);
    }
    if (auto id = text(find_member(v, "tool_call_id"))) message.tool_call_id = std::string(*id);
    if (auto n = text(find_member(v, "name"))) message.name = std::string(*n);
    if (auto role = text(find_member(v, "role")); role && *role != message.role && !role_of_type(*role).empty()) {
      if (message.original_role.empty() && role_of_type(*role) != message.role) message.original_role = std::string(*role);
    }
    for (const auto& m : v.GetObject()) {
      if (kMapped.count(string_of(m.name)) == 0) message.extra.emplace_back(string_of(m.name), json_of(m.value));
    }
  } else {
    message.content = quote(json_of(v));  // numbers, booleans, other objects: kept as their JSON text
  }
}

// ----------------------------------------------------------------------------------------
// Sums that stay "unknown" until a source has a value (never 0 for missing).

struct Usage {
  std::optional<uint64_t> input, output, total;
  void add(std::optional<int64_t> in, std::optional<int64_t> out, std::optional<int64_t> tot) {
    if (in && *in >= 0) input = input.value_or(0) + static_cast<uint64_t>(*in);
    if (out && *out >= 0) output = output.value_or(0) + static_cast<uint64_t>(*out);
    if (!tot && in && out) tot = *in + *out;
    if (tot && *tot >= 0) total = total.value_or(0) + static_cast<uint64_t>(*tot);
  }
  [[nodiscard]] bool known() const { return input || output || total; }
  [[nodiscard]] std::string json() const {
    const auto n = [](const std::optional<uint64_t>& x) { return x ? std::to_string(*x) : std::string("null"); };
    return "{\"input_tokens\":" + n(input) + ",\"output_tokens\":" + n(output) + ",\"total_tokens\":" + n(total) + "}";
  }
};

/// Per-turn facts for window scoring: rewards by type and achievements first unlocked.
struct Turns {
  std::map<int64_t, std::map<std::string, double>> rewards;
  std::map<int64_t, std::vector<std::string>> unlocked;
  std::map<int64_t, std::vector<std::string>> hooks;
  std::set<int64_t> seen;
  [[nodiscard]] std::string json() const {
    std::string out = "[";
    for (int64_t turn : seen) {
      if (out.size() > 1) out += ',';
      out += "{\"turn\":" + std::to_string(turn);
      if (const auto it = rewards.find(turn); it != rewards.end()) {
        out += ",\"rewards\":{";
        bool first = true;
        for (const auto& [type, value] : it->second) {
          out += (first ? "" : ",") + quote(type) + ":" + number_json(value);
          first = false;
        }
        out += '}';
      }
      out += ",\"new_achievements\":[";
      if (const auto it = unlocked.find(turn); it != unlocked.end()) {
        for (size_t i = 0; i < it->second.size(); ++i) out += (i > 0 ? "," : "") + quote(it->second[i]);
      }
      out += ']';
      if (const auto it = hooks.find(turn); it != hooks.end()) {
        out += ",\"hooks\":[";
        for (size_t i = 0; i < it->second.size(); ++i) out += (i > 0 ? "," : "") + quote(it->second[i]);
        out += ']';
      }
      out += '}';
    }
    return out + "]";
  }
};

/// Names unlocked in an achievements value: a list of names, an object of booleans, or an
/// object of counts (> 0 means unlocked). Order: as given.
std::vector<std::string> achievement_names(const Value* value) {
  std::vector<std::string> names;
  if (value == nullptr) return names;
  if (value->IsArray()) {
    for (const Value& item : value->GetArray()) {
      if (item.IsString()) names.emplace_back(string_of(item));
    }
  } else if (value->IsObject()) {
    for (const auto& m : value->GetObject()) {
      if (m.value.IsTrue() || (m.value.IsNumber() && m.value.GetDouble() > 0)) names.emplace_back(string_of(m.name));
    }
  }
  return names;
}

std::string names_json(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i > 0 ? "," : "") + quote(names[i]);
  return out + "]";
}

std::string array_json(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? "," : "") + items[i];
  return out + "]";
}

/// Session-level fields from a synth-ai metadata object (spec/inputs.md section 4.7); the rest is
/// kept under extra.metadata.
void map_session_metadata(const Value* metadata, Record& out, std::string& metadata_model) {
  if (metadata == nullptr || !metadata->IsObject()) {
    if (metadata != nullptr) out.extra("metadata", json_of(*metadata));
    return;
  }
  static const std::set<std::string_view> kUsed = {"task_split", "split", "task_id", "model", "env_name", "env",
                                                   "policy_name", "policy", "seed", "judge_scores", "verifier_scores",
                                                   "status", "phase"};
  for (const auto& [key, member] : {std::pair<const char*, const char*>{"task_split", "split"}, {"split", "split"},
                                    {"task_id", "task_id"}, {"env_name", "env"}, {"env", "env"},
                                    {"policy_name", "policy"}, {"policy", "policy"}, {"status", "status"},
                                    {"phase", "phase"}}) {
    if (auto t = text(find_member(*metadata, key)); t && !out.has(member)) out.set_text(member, *t);
  }
  if (const Value* seed = find_present(*metadata, "seed"); seed != nullptr && (seed->IsInt64() || seed->IsUint64() || seed->IsString())) {
    out.set("seed", json_of(*seed));
  }
  if (auto m = text(find_member(*metadata, "model"))) metadata_model = std::string(*m);
  std::string scores;
  for (const auto& [key, group] : {std::pair<const char*, const char*>{"judge_scores", "judge"}, {"verifier_scores", "verifier"}}) {
    if (const Value* s = find_present(*metadata, key); s != nullptr && s->IsObject()) {
      scores += (scores.empty() ? "" : ",") + quote(group) + ":" + json_of(*s);
    }
  }
  if (!scores.empty()) out.set("scores", "{" + scores + "}");
  std::string rest;
  for (const auto& m : metadata->GetObject()) {
    if (kUsed.count(string_of(m.name)) == 0 || (string_of(m.name) == "seed" && !out.has("seed"))) {
      rest += (rest.empty() ? "" : ",") + quote(string_of(m.name)) + ":" + json_of(m.value);
    }
  }
  if (!rest.empty()) out.extra("metadata", "{" + rest + "}");
}

void set_model(Record& out, const std::string& event_model, const std::string& metadata_model) {
  // Precedence (spec/inputs.md section 8.2): job override > config file > event model > session metadata.
  if (!event_model.empty()) {
    out.set_text("model", event_model);
    out.set_text("model_source", "event");
  } else if (!metadata_model.empty()) {
    out.set_text("model", metadata_model);
    out.set_text("model_source", "session_metadata");
  }
}

using Warn = std::function<void(const std::string&)>;

/// Sort key of a row: (turn, id), missing turns first; rows keep their order on ties.
struct Ordered {
  const Value* row;
  std::optional<int64_t> turn;
  int64_t id;
  size_t position;
};

void order_rows(std::vector<Ordered>& rows) {
  const bool all_turns = std::all_of(rows.begin(), rows.end(), [](const Ordered& r) { return r.turn.has_value(); });
  std::stable_sort(rows.begin(), rows.end(), [&](const Ordered& a, const Ordered& b) {
    if (all_turns && *a.turn != *b.turn) return *a.turn < *b.turn;
    if (a.id != b.id) return a.id < b.id;
    return a.position < b.position;
  });
}

// ----------------------------------------------------------------------------------------
// v3: the JSON export and trace-read's rendering of a v3 SQLite store

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

// ----------------------------------------------------------------------------------------
// v2: metadata items, JSON files and DuckDB table exports

struct V2Metadata {
  const Value* config = nullptr;   // episode_config
  const Value* results = nullptr;  // episode_results
  const Value* error = nullptr;    // error
};

/// Items are recognised by metadata_type, or by their data keys when the type was lost
/// (dialect A writes "SessionMetadum" for all: W2).
V2Metadata classify_metadata(const Value* metadata, Embedded& embedded) {
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

void map_v2_outcome(const V2Metadata& meta, Record& out, std::string& metadata_model) {
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
      out.set("error", message->IsString() ? json_of(*message) : quote(json_of(*message)));
    }
  }
  if (meta.config != nullptr) {
    if (auto m = text(find_member(*meta.config, "model_name"))) metadata_model = std::string(*m);
    if (auto t = text(find_member(*meta.config, "task_instance_id"))) out.set_text("task_id", *t);
    if (auto a = text(find_member(*meta.config, "agent_type"))) out.set_text("policy", *a);
  }
}

/// The turn of a v2 event: metadata.turn, else time_record.message_time (W10).
std::optional<int64_t> v2_event_turn(const Value& event, Embedded& embedded) {
  const Value* metadata = embedded.resolve(find_present(event, "metadata"));
  if (metadata != nullptr) {
    if (auto t = integer(find_present(*metadata, "turn"))) return t;
  }
  return integer(field(event, "message_time", "time_record"));
}

/// Achievements first seen per turn from per-turn achievement states. An observation at
/// turn t is the state before turn t's actions (spec/inputs.md section 2.3), so what it shows new
/// was gained by turn t-1 at the latest; the episode results give the state after the last
/// turn. The first state is the baseline: what was held before it is nobody's gain.
void achievement_deltas(const std::map<int64_t, std::vector<std::string>>& states, const std::vector<std::string>& final_state,
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

class ChatBuilder {
 public:
  /// Appends the prompt of one LLM call, skipping the part the conversation already ends
  /// with, then its completion. The assistant message records how many messages its
  /// prompt held (context_messages), so per-turn examples hold exactly what the model saw.
  /// Messages are compared on role and content only (turns and usage are ours, not the prompt's).
  void add_call(const Value* prompt, const Value* completion, std::optional<int64_t> turn, const std::string& model,
                const std::string& usage, Embedded& embedded) {
    std::vector<std::pair<std::string, std::string>> prompt_messages;  // (json, comparison key)
    if (prompt != nullptr && prompt->IsArray()) {
      for (const Value& m : prompt->GetArray()) prompt_messages.push_back(convert(m, turn, embedded));
    }
    size_t overlap = std::min(prompt_messages.size(), keys_.size());
    for (; overlap > 0; --overlap) {
      bool same = true;
      for (size_t i = 0; i < overlap && same; ++i) same = prompt_messages[i].second == keys_[keys_.size() - overlap + i];
      if (same) break;
    }
    for (size_t i = overlap; i < prompt_messages.size(); ++i) {
      messages_.push_back(prompt_messages[i].first);
      keys_.push_back(prompt_messages[i].second);
    }
    if (completion == nullptr) {
      ++unanswered_;
      return;
    }
    Message reply;
    reply.role = "assistant";
    set_content(*completion, reply, "call_" + std::to_string(messages_.size()), embedded);
    keys_.push_back(reply.json());
    reply.turn = turn;
    reply.model = model;
    reply.usage = usage;
    reply.context_messages = static_cast<int64_t>(prompt_messages.size());
    messages_.push_back(reply.json());
  }
  [[nodiscard]] const std::vector<std::string>& messages() const { return messages_; }
  [[nodiscard]] size_t unanswered() const { return unanswered_; }

 private:
  std::pair<std::string, std::string> convert(const Value& m, std::optional<int64_t> turn, Embedded& embedded) {
    Message message;
    const std::string source_role(text(find_member(m, "role")).value_or(""));
    message.role = role_of_type(source_role);
    if (message.role.empty()) message.role = "user";
    if (message.role != source_role) message.original_role = source_role;
    set_content(m, message, "call_" + std::to_string(messages_.size()), embedded);
    std::string key = message.json();
    message.turn = turn;
    return {message.json(), std::move(key)};
  }

  std::vector<std::string> messages_;
  std::vector<std::string> keys_;
  size_t unanswered_ = 0;
};

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

// ----------------------------------------------------------------------------------------
// Other dialects

std::string hex_id(std::string_view prefix, uint64_t hash) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016" PRIx64, hash);
  return std::string(prefix) + buffer;
}

void map_chat_messages(const Value& list, Record& out) {
  Embedded embedded;
  std::vector<std::string> messages;
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    const Value& m = list[i];
    Message message;
    std::string source_role(text(find_member(m, "role")).value_or(""));
    if (source_role.empty()) source_role = std::string(text(find_member(m, "from")).value_or(""));  // ShareGPT
    if (source_role.empty()) source_role = std::string(text(find_member(m, "message_type")).value_or(""));  // store rows
    message.role = role_of_type(source_role);
    if (message.role.empty()) {
      throw MappingError{"messages[" + std::to_string(i) + "]: role " + quote(source_role) +
                         " is not system, user, assistant or tool (nor a synth-ai or ShareGPT name for one)"};
    }
    if (message.role != source_role) message.original_role = source_role;
    if (find_member(m, "value") != nullptr && find_member(m, "content") == nullptr) {  // ShareGPT {from, value}
      set_content(*find_member(m, "value"), message, "call_" + std::to_string(i), embedded);
      for (const auto& member : m.GetObject()) {
        const std::string_view key = string_of(member.name);
        if (key != "from" && key != "value" && key != "role") message.extra.emplace_back(key, json_of(member.value));
      }
    } else {
      set_content(m, message, "call_" + std::to_string(i), embedded);  // keeps unmapped members in extra
      if (message.role == "tool" && message.tool_call_id.empty()) {
        if (auto call = text(find_member(m, "tool_call_id"))) message.tool_call_id = std::string(*call);
      }
    }
    messages.push_back(message.json());
  }
  out.set("messages", array_json(messages));
}

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

void map_summary(const Value& r, Record& out, const Warn& warn) {
  out.set_text("session_id", *text(find_member(r, "session_id")));
  out.set_time("created_at", "original_created_at", find_present(r, "created_at"), warn);
  out.keep_rest(r, {"session_id", "created_at"});
}

}  // namespace

// ----------------------------------------------------------------------------------------

const char* dialect_name(Dialect dialect) {
  switch (dialect) {
    case Dialect::trace_v1: return "trace/v1";
    case Dialect::v2_json: return "v2-json";
    case Dialect::v3_export: return "v3";
    case Dialect::v2_duckdb: return "v2-duckdb";
    case Dialect::v3_summary: return "v3-summary";
    case Dialect::sft_example: return "sft";
    case Dialect::queue_record: return "queue";
    case Dialect::mapped: return "mapped";
    case Dialect::unknown: break;
  }
  return "unknown";
}

Dialect detect_dialect(const Value& r) {
  if (!r.IsObject()) return Dialect::unknown;
  if (auto schema = text(find_member(r, "schema")); schema && *schema == "trace/v1") return Dialect::trace_v1;
  if (auto store = text(find_member(r, "store")); store && *store == "duckdb-v2") return Dialect::v2_duckdb;
  if (find_member(r, "record_type") != nullptr) return Dialect::queue_record;
  const bool has_id = text(find_member(r, "session_id")).has_value();
  if (has_id && (find_member(r, "markov_blanket_message_history") != nullptr || find_member(r, "outcome_rewards") != nullptr ||
                 find_member(r, "event_rewards") != nullptr)) {
    return Dialect::v3_export;
  }
  if (find_member(r, "event_history") != nullptr || find_member(r, "message_history") != nullptr) {
    return Dialect::v2_json;
  }
  if (has_id && find_member(r, "num_messages") != nullptr && find_member(r, "num_events") != nullptr &&
      find_member(r, "messages") == nullptr) {
    return Dialect::v3_summary;
  }
  if (has_id && find_member(r, "events") != nullptr && find_member(r, "messages") != nullptr) return Dialect::v3_export;
  if (const Value* m = find_member(r, "messages"); m != nullptr && m->IsArray()) return Dialect::sft_example;
  return Dialect::unknown;
}

Normalizer::Normalizer(NormalizeOptions options) : options_(std::move(options)), record_(std::make_shared<Record>()) {
  std::vector<std::string> pairs = options_.maps;
  if (!options_.map_file.empty()) {
    std::ifstream in(options_.map_file);
    if (!in) throw libstream::Error(libstream::ErrorKind::usage, options_.map_file, "cannot open the mapping file");
    std::string line;
    bool in_map = false;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      line.erase(0, line.find_first_not_of(" \t"));
      if (line.empty() || line.front() == '#') continue;
      if (line.front() == '[') {
        in_map = line.compare(0, 5, "[map]") == 0;
        continue;
      }
      if (!in_map) continue;
      // FIELD = "path"  # comment
      const size_t eq = line.find('=');
      const size_t open = line.find('"', eq == std::string::npos ? 0 : eq);
      const size_t close = open == std::string::npos ? std::string::npos : line.find('"', open + 1);
      std::string key = eq == std::string::npos ? "" : line.substr(0, eq);
      key.erase(key.find_last_not_of(" \t") + 1);
      std::string rest = close == std::string::npos ? "x" : line.substr(close + 1);
      rest.erase(0, rest.find_first_not_of(" \t\r"));
      if (key.empty() || close == std::string::npos || !(rest.empty() || rest.front() == '#')) {
        throw libstream::Error(libstream::ErrorKind::usage, options_.map_file + ":" + std::to_string(number),
                               "expected FIELD = \"path.in.record\" in the [map] table");
      }
      const std::string value = line.substr(open, close - open + 1);
      pairs.push_back(key + "=" + value.substr(1, value.size() - 2));
    }
  }
  static const std::set<std::string> kFields = {"session_id", "messages", "reward", "achievements", "model",
                                                "experiment_id", "split", "task_id", "seed", "env", "policy", "status",
                                                "created_at", "cost_usd", "phase", "trial_id", "job_id",
                                                "usage.input_tokens", "usage.output_tokens", "usage.total_tokens"};
  for (const std::string& pair : pairs) {
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      throw libstream::Error(libstream::ErrorKind::usage, "", "--map takes FIELD=PATH, not '" + pair + "'");
    }
    const std::string name = pair.substr(0, eq);
    if (kFields.count(name) == 0) {
      throw libstream::Error(libstream::ErrorKind::usage, "", "--map " + pair + ": '" + name + "' is not a trace/v1 field that can be mapped");
    }
    maps_.emplace_back(name, pair.substr(eq + 1));
  }
  static const std::map<std::string, Dialect> kForced = {
      {"auto", Dialect::unknown}, {"v2-json", Dialect::v2_json}, {"v3", Dialect::v3_export},
      {"v2-duckdb", Dialect::v2_duckdb}, {"sft", Dialect::sft_example}, {"mapped", Dialect::mapped}};
  forced_ = kForced.at(options_.dialect);
  if (forced_ == Dialect::mapped && maps_.empty()) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--dialect mapped needs --map or --map-file");
  }
}

Dialect Normalizer::normalize(const Value& record, const std::string& file, std::string& out, const Warn& warn,
                              std::string_view raw) {
  out.clear();
  Dialect dialect = forced_ != Dialect::unknown ? forced_ : detect_dialect(record);
  if (dialect == Dialect::unknown && !maps_.empty()) dialect = Dialect::mapped;
  if (!record.IsObject()) throw MappingError{"not a JSON object"};
  Record& r = *record_;
  r.reset(&record, raw);
  const auto need_id = [&]() {
    auto id = text(find_member(record, "session_id"));
    if (!id || id->empty()) throw MappingError{std::string("a ") + dialect_name(dialect) + " record without a session_id string"};
  };
  switch (dialect) {
    case Dialect::trace_v1: return dialect;  // out stays empty: the caller passes the bytes through
    case Dialect::v3_export:
      need_id();
      map_v3(record, r, warn);
      break;
    case Dialect::v2_json: map_v2_json(record, file, r, warn); break;
    case Dialect::v2_duckdb:
      need_id();
      map_v2_duckdb(record, r, warn);
      break;
    case Dialect::v3_summary:
      need_id();
      map_summary(record, r, warn);
      break;
    case Dialect::sft_example: {
      const Value* m = find_member(record, "messages");
      if (m == nullptr || !m->IsArray()) throw MappingError{"an SFT example needs a messages array"};
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      record.Accept(writer);
      map_sft(record, std::string_view(buffer.GetString(), buffer.GetSize()), r, warn);
      break;
    }
    case Dialect::queue_record:
      throw MappingError{"experiment-queue records are statistics input, not sessions: give them to trace-stats"};
    case Dialect::mapped: {
      std::set<std::string_view> used;
      Usage usage;
      bool has_usage = false;
      for (const auto& [name, path] : maps_) {
        const Value* v = libstream::find_path(record, path);
        if (path.find('.') == std::string::npos) used.insert(path);  // a whole top-level member was taken
        if (v == nullptr || v->IsNull()) continue;
        if (name == "messages") {
          if (!v->IsArray()) throw MappingError{"--map messages=" + path + ": not an array"};
          map_chat_messages(*v, r);
        } else if (name == "created_at") {
          r.set_time("created_at", "original_created_at", v, warn);
        } else if (name == "achievements") {
          r.set("achievements", names_json(achievement_names(v)));
        } else if (name.rfind("usage.", 0) == 0) {
          const auto n = integer(v);
          if (name == "usage.input_tokens") usage.add(n, std::nullopt, std::nullopt);
          if (name == "usage.output_tokens") usage.add(std::nullopt, n, std::nullopt);
          if (name == "usage.total_tokens") usage.total = n ? std::optional<uint64_t>(static_cast<uint64_t>(*n)) : std::nullopt;
          has_usage = true;
        } else if (name == "reward" || name == "cost_usd") {
          if (!v->IsNumber()) throw MappingError{"--map " + name + "=" + path + ": " + json_of(*v) + " is not a number"};
          r.set(name, json_of(*v));
        } else if (name == "seed") {
          r.set(name, json_of(*v));
        } else {
          r.set_text(name, v->IsString() ? string_of(*v) : std::string_view(json_of(*v)));
        }
      }
      if (has_usage && usage.known()) r.set("usage", usage.json());
      if (!r.has("session_id")) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        record.Accept(writer);
        r.set_text("session_id", hex_id("record-", libstream::stable_hash(std::string_view(buffer.GetString(), buffer.GetSize()))));
      }
      r.keep_rest(record, used);
      break;
    }
    case Dialect::unknown: {
      std::string keys;
      size_t shown = 0;
      for (const auto& m : record.GetObject()) {
        if (shown++ == 8) {
          keys += ", ...";
          break;
        }
        keys += (keys.empty() ? "" : ", ") + std::string(string_of(m.name));
      }
      throw MappingError{"no known dialect has these members (" + keys +
                         "): map them with --map FIELD=PATH (e.g. --map messages=history --map reward=info.score)"};
    }
  }
  r.finish(out);
  return dialect;
}

// ----------------------------------------------------------------------------------------

void add_normalize_options(CLI::App& app, NormalizeOptions& options) {
  app.add_option("--map", options.maps,
                 "FIELD=PATH: take a trace/v1 field from a dotted path, for records of no known dialect "
                 "(repeatable; e.g. --map messages=history --map reward=info.score)")
      ->type_name("FIELD=PATH")
      ->allow_extra_args(false);
  app.add_option("--map-file", options.map_file, "TOML file whose [map] table holds FIELD = \"PATH\" pairs")
      ->type_name("FILE");
  app.add_option("--dialect", options.dialect, "Treat every record as this dialect instead of detecting it")
      ->check(CLI::IsMember({"auto", "v2-json", "v3", "v2-duckdb", "sft", "mapped"}))
      ->type_name("auto|v2-json|v3|v2-duckdb|sft|mapped")
      ->capture_default_str();
}

void run_normalize(const NormalizeOptions& options, libstream::ToolContext& context) {
  Normalizer normalizer(options);
  libstream::DocumentParser parser;
  // trace/v1 records pass through unchanged: for them only `schema` is built (the scan still
  // checks the whole record as JSON), not a DOM of every message.
  libstream::Projection schema_only;
  schema_only.keep_member("schema");
  libstream::ProjectingParser schema_parser(std::move(schema_only));
  const bool detecting = options.dialect == "auto";
  std::string line;
  context.for_each_record(libstream::InputFormat::auto_detect, [&](libstream::RecordSource& reader, libstream::RawRecord& record) {
    libstream::JsonError error;
    if (detecting) {
      const Value* head = schema_parser.parse(record.data, record.size, &error);
      if (head == nullptr) {
        context.reject(reader, record, error.describe());
        return true;
      }
      if (auto schema = text(find_member(*head, "schema")); head->IsObject() && schema && *schema == "trace/v1") {
        context.write_line(context.record_bytes(reader, record));  // idempotent: unchanged
        return true;
      }
    }
    const Value* root = parser.parse(record.data, record.size, &error);
    if (root == nullptr) {
      context.reject(reader, record, error.describe());
      return true;
    }
    const std::string where = reader.name() + ":" + std::to_string(record.line);
    try {
      // NDJSON lines are one line already: their untouched members are copied byte for byte.
      const std::string_view raw = reader.framed_by_structure() ? std::string_view() : std::string_view(record.data, record.size);
      const Dialect dialect = normalizer.normalize(*root, reader.name(), line,
                                                   [&](const std::string& message) { context.warning(where, message); }, raw);
      if (dialect == Dialect::trace_v1) {
        context.write_line(context.record_bytes(reader, record));  // idempotent: unchanged
      } else {
        context.write_line(line);
      }
    } catch (const MappingError& e) {
      context.reject(reader, record, e.reason);
    }
    return true;
  });
}

}  // namespace tracemill

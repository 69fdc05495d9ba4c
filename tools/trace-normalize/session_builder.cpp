#include "session_builder.hpp"

#include <libstream/json.hpp>

#include <algorithm>
#include <utility>

namespace tracemill::normalize {

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

std::string trace_part_json(const Value& part) {
  const auto as_text = [&] {
    ++tool_call_guesses().parts_as_text;
    return "{\"type\":\"text\",\"text\":" + quote(json_of(part)) + "}";
  };
  const std::optional<std::string_view> type = part.IsObject() ? text(find_member(part, "type")) : std::nullopt;
  if (!type || (*type != "text" && *type != "refusal" && *type != "image_url" && *type != "input_audio" && *type != "file")) {
    return as_text();
  }
  const std::string name(*type);
  const Value* payload = find_member(part, name.c_str());
  if (payload == nullptr) return as_text();
  std::string payload_json;
  if (name == "text" || name == "refusal") {
    if (!payload->IsString()) return as_text();
    payload_json = json_of(*payload);
  } else if (name == "image_url" && payload->IsString()) {
    payload_json = "{\"url\":" + json_of(*payload) + "}";  // the early OpenAI form, a bare URL
  } else if (name == "image_url") {
    const Value* url = payload->IsObject() ? find_member(*payload, "url") : nullptr;
    if (url == nullptr || !url->IsString()) return as_text();
    payload_json = json_of(*payload);
  } else {
    if (!payload->IsObject()) return as_text();
    payload_json = json_of(*payload);
  }
  // Members trace/v1 does not name go under the part's extra, beside what extra holds.
  const Value* extra = find_member(part, "extra");
  if (extra != nullptr && !extra->IsObject()) return as_text();
  std::string moved;
  for (const auto& m : part.GetObject()) {
    const std::string_view key = string_of(m.name);
    if (key == "type" || key == name || key == "extra") continue;
    if (extra != nullptr && find_member(*extra, std::string(key).c_str()) != nullptr) return as_text();  // no key twice
    moved += (moved.empty() ? "" : ",") + quote(key) + ":" + json_of(m.value);
  }
  const bool bare_url = name == "image_url" && payload->IsString();
  if (moved.empty() && !bare_url) return json_of(part);  // already a trace/v1 part
  std::string out = "{\"type\":" + quote(name) + "," + quote(name) + ":" + payload_json;
  if (extra != nullptr || !moved.empty()) {
    std::string kept = extra != nullptr ? json_of(*extra) : "{}";
    kept.pop_back();
    out += ",\"extra\":" + kept + (kept.size() > 1 && !moved.empty() ? "," : "") + moved + "}";
  }
  return out + "}";
}

std::string trace_content_json(const Value& content) {
  if (content.IsString()) return json_of(content);
  if (!is_part_list(content)) return quote(json_of(content));  // not chat content: kept whole, as text
  std::string out = "[";
  for (const Value& part : content.GetArray()) out += (out.size() > 1 ? "," : "") + trace_part_json(part);
  return out + "]";
}

size_t Message::json_size_hint() const {
  // 256: the member names and punctuation json() may write besides the values.
  size_t size = 256 + id.size() + content.size() + reasoning.size() + tool_calls.size() + tool_call_id.size() +
                name.size() + original_role.size() + original_arguments.size() + model.size() + usage.size() +
                created_at.size();
  for (const auto& [key, json] : extra) size += key.size() + json.size() + 4;
  return size;
}

std::string Message::json() const {
  std::string out;
  append_json(out);
  return out;
}

void Message::append_json(std::string& out) const {
  const bool answers_nothing = role == "tool" && tool_call_id.empty();
  if (answers_nothing) tool_call_guesses().results_without_call = 1;
  // Appended into one buffer sized up front: a transcript's messages are most of its bytes,
  // and each temporary `"..." + content` would copy them once more.
  out.reserve(out.size() + json_size_hint());
  const auto member = [&out](const char* key, std::string_view json) {
    out += key;
    out += json;
  };
  const auto quoted = [&out](const char* key, std::string_view text) {
    out += key;
    libstream::append_json_string(out, text);
  };
  quoted("{\"role\":", answers_nothing ? "user" : role);
  if (!id.empty()) quoted(",\"id\":", id);
  member(",\"content\":", content);
  if (!reasoning.empty()) member(",\"reasoning\":", reasoning);
  if (!tool_calls.empty()) member(",\"tool_calls\":", tool_calls);
  if (!tool_call_id.empty()) quoted(",\"tool_call_id\":", tool_call_id);
  if (is_error) out += *is_error ? ",\"is_error\":true" : ",\"is_error\":false";
  if (!name.empty()) quoted(",\"name\":", name);
  if (!original_role.empty() || answers_nothing) quoted(",\"original_role\":", original_role.empty() ? role : original_role);
  if (!original_arguments.empty()) member(",\"original_arguments\":", original_arguments);
  if (turn) member(",\"turn\":", std::to_string(*turn));
  if (context_messages >= 0) member(",\"context_messages\":", std::to_string(context_messages));
  if (!model.empty()) quoted(",\"model\":", model);
  if (!usage.empty()) member(",\"usage\":", usage);
  if (!created_at.empty()) quoted(",\"created_at\":", created_at);
  if (!extra.empty()) {
    out += ",\"extra\":{";
    for (size_t i = 0; i < extra.size(); ++i) {
      if (i > 0) out += ',';
      libstream::append_json_string(out, extra[i].first);
      out += ':';
      out += extra[i].second;
    }
    out += '}';
  }
  out += '}';
}

ToolCallGuesses& tool_call_guesses() {
  static thread_local ToolCallGuesses guesses;
  return guesses;
}

ToolCallGuesses take_tool_call_guesses() { return std::exchange(tool_call_guesses(), ToolCallGuesses{}); }

/// Writes calls in OpenAI form; arguments given as objects are serialised and kept in
/// original_arguments by call id. Ids missing from the source are made from `id_prefix`.
void set_tool_calls(const Value& calls, Message& message, const std::string& id_prefix) {
  static thread_local libstream::JsonChecker checker;
  Embedded embedded;  // calls kept as JSON text: parsed only when met
  std::string out = "[";
  std::string originals;
  for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
    const Value& call = *embedded.resolve(&calls[i]);
    if (!call.IsObject()) {
      throw MappingError{"tool_calls[" + std::to_string(i) + "]: " + json_of(call).substr(0, 60) + " is not a tool call"};
    }
    const Value* function = embedded.resolve(find_present(call, "function"));
    const Value& source = function != nullptr && function->IsObject() ? *function : call;
    std::string name;
    for (const char* key : {"name", "tool_name", "tool"}) {
      if (auto t = text(find_member(source, key))) {
        name = std::string(*t);
        break;
      }
    }
    if (name.empty()) {
      name = "unnamed";  // a placeholder, counted: trace/v1 needs a name
      ++message.unnamed_calls;
      ++tool_call_guesses().unnamed_calls;
    }
    std::string id;
    for (const char* key : {"id", "call_id", "tool_call_id"}) {
      if (auto t = text(find_member(call, key))) {
        id = std::string(*t);
        break;
      }
    }
    if (id.empty()) {
      id = id_prefix + "_" + std::to_string(i);
      ++message.made_call_ids;
      ++tool_call_guesses().made_call_ids;
    }
    const Value* arguments = nullptr;
    for (const char* key : {"arguments", "arguments_json", "args", "input", "parameters"}) {
      if ((arguments = find_member(source, key)) != nullptr) break;
    }
    std::string arguments_json;
    libstream::JsonError error;
    if (arguments != nullptr && arguments->IsString() && checker.check(arguments->GetString(), arguments->GetStringLength(), &error)) {
      arguments_json = json_of(*arguments);
    } else if (arguments != nullptr && arguments->IsString()) {
      arguments_json = quote("{\"input\":" + json_of(*arguments) + "}");  // kept as written, beside
      originals += (originals.empty() ? "" : ",") + quote(id) + ":" + json_of(*arguments);
      ++message.wrapped_arguments;
      ++tool_call_guesses().wrapped_arguments;
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
void set_content(const Value& value, Message& message, const std::string& id_prefix, Embedded& embedded, int depth) {
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
      message.content = trace_content_json(v);
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
    if (const Value* calls = embedded.resolve(find_present(v, "tool_calls")); calls != nullptr && calls->IsArray() && !calls->Empty()) {
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

/// Session-level fields from a synth-ai metadata object (docs/synth-ai-sources.md, "Session metadata"); the rest is
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
  // Precedence (docs/synth-ai-sources.md, "Model precedence"): job override > config file > event model > session metadata.
  if (!event_model.empty()) {
    out.set_text("model", event_model);
    out.set_text("model_source", "event");
  } else if (!metadata_model.empty()) {
    out.set_text("model", metadata_model);
    out.set_text("model_source", "session_metadata");
  }
}

void order_rows(std::vector<Ordered>& rows) {
  const bool all_turns = std::all_of(rows.begin(), rows.end(), [](const Ordered& r) { return r.turn.has_value(); });
  std::stable_sort(rows.begin(), rows.end(), [&](const Ordered& a, const Ordered& b) {
    if (all_turns && *a.turn != *b.turn) return *a.turn < *b.turn;
    if (a.id != b.id) return a.id < b.id;
    return a.position < b.position;
  });
}

/// Messages of a chat list ({role, content} or ShareGPT {from, value}), every member kept.
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

void need_session_id(const Value& record, const char* dialect) {
  auto id = text(find_member(record, "session_id"));
  if (!id || id->empty()) throw MappingError{std::string("a ") + dialect + " record without a session_id string"};
}

}  // namespace tracemill::normalize

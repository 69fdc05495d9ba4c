// Reading ATOF event lines (atof_events.hpp).
#include "atof_events.hpp"

#include "../call_conversation.hpp"

#include <libstream/json.hpp>
#include <libstream/time.hpp>

#include <algorithm>

namespace tracemill::normalize::atof {
namespace {

const std::set<std::string_view> kDraftKinds = {"ScopeStart", "ScopeEnd", "LLMStart", "LLMEnd", "ToolStart",
                                                "ToolEnd",    "Mark",     "StreamHeader", "StreamHeaderEvent"};

/// The codec's decoded copies of a payload (annotated_request / annotated_response).
bool is_annotation(std::string_view name) { return name == "annotated_request" || name == "annotated_response"; }

}  // namespace

bool recognise(const Value& v) {
  if (!v.IsObject()) return false;
  const auto kind = text(find_member(v, "kind"));
  if (!kind) return false;
  if (text(find_member(v, "atof_version"))) return true;
  // The drafts: a kind of theirs, or any kind with their envelope (schema_version, uuid, timestamp).
  if (!text(find_member(v, "uuid"))) return false;
  if (kDraftKinds.count(*kind) != 0) {
    return find_member(v, "schema_version") != nullptr || find_member(v, "scope_type") != nullptr || find_member(v, "timestamp") != nullptr;
  }
  return text(find_member(v, "schema_version")) && find_member(v, "timestamp") != nullptr && find_member(v, "name") != nullptr;
}

std::string_view str(const Value* v) { return text(v).value_or(std::string_view()); }

std::optional<int64_t> micros_of(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) {
    // ATOF's integer form: epoch microseconds. Only years 0000-9999 make an RFC 3339 time;
    // a larger count (nanoseconds written by mistake) is no time: the event stays whole in
    // `events` with its number, and gives no message or session its time.
    constexpr int64_t kYear0 = -62167219200000000;    // 0000-01-01T00:00:00Z
    constexpr int64_t kYear10000 = 253402300800000000;  // 10000-01-01T00:00:00Z
    const int64_t micros = v->GetInt64();
    if (micros < kYear0 || micros >= kYear10000) return std::nullopt;
    return micros;
  }
  if (v->IsString()) return libstream::parse_instant(string_of(*v));
  return std::nullopt;
}

Event read_event(const SessionLine& line, size_t position) {
  const Value& v = *line.value;
  Event e;
  e.line = &line;
  e.position = position;
  const std::string_view kind = str(find_member(v, "kind"));
  e.uuid = std::string(str(find_member(v, "uuid")));
  e.parent = std::string(str(find_member(v, "parent_uuid")));
  e.name = std::string(str(find_member(v, "name")));
  e.micros = micros_of(find_member(v, "timestamp"));
  e.profile = find_present(v, "category_profile");
  if (e.profile == nullptr) e.profile = find_present(v, "profile");
  e.category = std::string(str(find_member(v, "category")));
  if (e.category.empty()) e.category = std::string(str(find_member(v, "scope_type")));
  e.status = std::string(str(find_member(v, "status")));
  e.payload = find_present(v, "data");
  if (kind == "scope") {
    e.kind = Kind::scope;
    const std::string_view phase = str(find_member(v, "scope_category"));
    e.phase = phase == "start" ? Phase::start : phase == "end" ? Phase::end : Phase::none;
  } else if (kind == "mark" || kind == "Mark") {
    e.kind = Kind::mark;
  } else if (kind.size() > 5 && (kind.substr(kind.size() - 5) == "Start" || kind.substr(kind.size() - 3) == "End") &&
             kDraftKinds.count(kind) != 0) {
    e.kind = Kind::scope;
    const bool start = kind.substr(kind.size() - 5) == "Start";
    e.phase = start ? Phase::start : Phase::end;
    if (kind.rfind("LLM", 0) == 0) e.category = "llm";
    if (kind.rfind("Tool", 0) == 0) e.category = "tool";
    const char* key = start ? "input" : "output";
    if (const Value* p = find_present(v, start ? "annotated_request" : "annotated_response"); p != nullptr && find_present(v, key) == nullptr) {
      e.payload = p;
      e.payload_key = start ? "annotated_request" : "annotated_response";
    }
    if (const Value* p = find_present(v, key)) {
      e.payload = p;
      e.payload_key = key;
    }
  }
  return e;
}

/// A root scope's lines (start or end, no parent) name the session: the root's uuid.
std::string session_key(const Value& v) {
  const auto kind = str(find_member(v, "kind"));
  const bool draft_scope = kDraftKinds.count(kind) != 0 && (kind.substr(kind.size() - 3) == "End" || kind.substr(kind.size() - 5) == "Start");
  const bool scope = kind == "scope" || draft_scope;
  if (!scope || !str(find_member(v, "parent_uuid")).empty()) return {};
  const auto uuid = str(find_member(v, "uuid"));
  return uuid.empty() ? std::string() : "atof:" + std::string(uuid);
}

std::string profile_text(const Event* e, const char* key) {
  if (e == nullptr) return {};
  std::string_view value = e->profile != nullptr ? str(find_member(*e->profile, key)) : std::string_view();
  if (value.empty()) value = str(find_member(*e->line->value, key));  // the drafts' top-level model_name, tool_call_id
  return std::string(value);
}

/// The event's members but `skip` (its payload, when the chat holds it), as a JSON object.
/// Members are copied as written when the line's text is known (numbers never re-serialised).
std::string event_rest(const Event& e, std::initializer_list<std::string_view> skip) {
  const auto raw = raw_members(*e.line);
  std::string out;
  out.reserve(e.line->raw.size() + 2);  // at most the line, whose members these are
  out += '{';
  size_t i = 0;
  for (const auto& m : e.line->value->GetObject()) {
    const size_t index = i++;
    const std::string_view name = string_of(m.name);
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    // A payload's annotations repeat it (a whole prompt, per call): not copied again.
    const bool payload = e.payload != nullptr && !is_annotation(e.payload_key);
    if (payload && is_annotation(name)) continue;
    if (out.size() > 1) out += ',';
    libstream::append_json_string(out, name);
    out += ':';
    if (payload && name == "category_profile" && m.value.IsObject() &&
        (find_member(m.value, "annotated_request") != nullptr || find_member(m.value, "annotated_response") != nullptr)) {
      std::string profile = "{";
      for (const auto& f : m.value.GetObject()) {
        if (is_annotation(string_of(f.name))) continue;
        profile += (profile.size() > 1 ? "," : "") + quote(string_of(f.name)) + ":" + json_of(f.value);
      }
      out += profile + "}";
    } else if (index < raw.size() && raw[index]) {
      out.append(raw[index]->data(), raw[index]->size());
    } else {
      out += json_of(m.value);
    }
  }
  out += '}';
  return out;
}

std::string raw_json(const Event& e) { return e.line->raw.empty() ? json_of(*e.line->value) : std::string(e.line->raw); }

/// A payload as message text: a string as it is; {input|response|output|result|...: string}
/// unwrapped when that is its only member; anything else as its JSON text.
std::string payload_text(const Value* p, std::initializer_list<const char*> keys, std::string* unwrapped) {
  if (p == nullptr) return {};
  if (p->IsString()) return std::string(string_of(*p));
  if (p->IsObject() && p->MemberCount() == 1) {
    for (const char* key : keys) {
      const Value* inner = find_member(*p, key);
      if (inner == nullptr) continue;
      if (inner->IsString()) return std::string(string_of(*inner));
      return json_of(*inner);
    }
    // Any other lone string ({raw_query: ...} of an unclassified producer): the text, its key in `unwrapped`.
    const auto& only = *p->MemberBegin();
    if (only.value.IsString() && unwrapped != nullptr) {
      *unwrapped = std::string(string_of(only.name));
      return std::string(string_of(only.value));
    }
  }
  return json_of(*p);
}

/// A provider response's members but the messages the chat holds (Anthropic `content`,
/// the first OpenAI choice's `message`, the first Gemini candidate's `content`): id, stop reasons, usage...
std::string response_rest(const Value& response) {
  if (!response.IsObject()) return {};
  const bool message_like = find_member(response, "role") != nullptr || find_member(response, "type") != nullptr;
  std::string out = "{";
  for (const auto& m : response.GetObject()) {
    const std::string_view name = string_of(m.name);
    std::string json;
    if (name == "content" && (message_like || !m.value.IsObject())) continue;
    if ((name == "choices" || name == "candidates") && m.value.IsArray()) {
      const char* inner = name == "choices" ? "message" : "content";
      std::vector<std::string> items;
      for (const Value& item : m.value.GetArray()) {
        if (!items.empty()) {  // the chat holds the first choice only: the others as written
          items.push_back(json_of(item));
          continue;
        }
        std::string one = "{";
        if (item.IsObject()) {
          for (const auto& f : item.GetObject()) {
            if (string_of(f.name) == inner) continue;
            one += (one.size() > 1 ? "," : "") + quote(string_of(f.name)) + ":" + json_of(f.value);
          }
        }
        items.push_back(one + "}");
      }
      json = array_json(items);
    } else if (name == "content" || name == "message") {
      continue;
    } else {
      json = json_of(m.value);
    }
    out += (out.size() > 1 ? "," : "") + quote(name) + ":" + json;
  }
  return out.size() > 1 ? out + "}" : std::string();
}

void calls_of(const Message& m, std::vector<std::pair<std::string, std::string>>& out) {
  if (m.tool_calls.empty()) return;
  rapidjson::Document d;
  d.Parse(m.tool_calls.c_str());
  append_call_ids(&d, out);
}

std::string instant(const std::optional<int64_t>& micros) { return micros ? libstream::format_instant(*micros) : std::string(); }

}  // namespace tracemill::normalize::atof

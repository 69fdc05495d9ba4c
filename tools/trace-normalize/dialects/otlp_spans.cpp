// Span containers: OTLP/JSON documents (`resourceSpans[].scopeSpans[].spans[]`, typed
// attribute values, ids in hex or base64), any-agent traces (`{spans: [...], final_output}`,
// spans as the OpenTelemetry Python SDK's to_json with 128-bit decimal ids), one span per
// record (SDK console dumps, Phoenix exports, Vercel AI SDK fixtures, OTLP spans on their own),
// and bare attribute maps (one span's attributes, no envelope). Each decodes records into
// Spans; grouping into sessions and the chat are shared (span_session, span_chat).
#include "../span_chat.hpp"
#include "dialect.hpp"
#include "harness_common.hpp"

#include <cctype>

namespace tracemill::normalize {
namespace {

using spans::Span;
using spans::SpanEvent;
using spans::SpanList;

const Value* first_of(const Value& object, std::initializer_list<const char*> keys, std::set<std::string_view>& used) {
  for (const char* key : keys) {
    if (const Value* v = find_member(object, key)) {
      used.insert(key);
      return v;
    }
  }
  return nullptr;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Span kinds: OTLP numbers (0-5), "SPAN_KIND_SERVER", Python's "SpanKind.SERVER", "server".
std::string kind_name(const Value* kind) {
  static const char* const kNames[] = {"unspecified", "internal", "server", "client", "producer", "consumer"};
  if (auto n = integer(kind); n && *n >= 0 && *n <= 5) return kNames[*n];
  std::string k = lower(text(kind).value_or(""));
  for (const char* prefix : {"span_kind_", "spankind."}) {
    if (k.rfind(prefix, 0) == 0) k = k.substr(std::string_view(prefix).size());
  }
  return k;
}

/// Status codes: OTLP numbers (0 unset, 1 ok, 2 error), "STATUS_CODE_ERROR", "ERROR", "ok".
std::string status_name(const Value* code) {
  static const char* const kNames[] = {"unset", "ok", "error"};
  if (auto n = integer(code); n && *n >= 0 && *n <= 2) return kNames[*n];
  std::string c = lower(text(code).value_or(""));
  if (c.rfind("status_code_", 0) == 0) c = c.substr(12);
  if (c.rfind("statuscode.", 0) == 0) c = c.substr(11);
  return c;
}

/// The members of `object` not in `used`, as one JSON object (empty when none).
std::string rest_of(const Value& object, const std::set<std::string_view>& used) {
  std::string out;
  if (!object.IsObject()) return out;
  for (const auto& m : object.GetObject()) {
    if (used.count(string_of(m.name)) == 0) out += (out.empty() ? "{" : ",") + quote(string_of(m.name)) + ":" + json_of(m.value);
  }
  return out.empty() ? out : out + "}";
}

struct Decoder {
  std::map<double, std::string> big;  // exact digits of 128-bit decimal ids
  std::string format;

  std::string id(const Value* v, size_t width) const {
    std::string exact;
    if (v != nullptr && v->IsDouble()) {
      if (auto it = big.find(v->GetDouble()); it != big.end()) exact = it->second;
    }
    return spans::id_hex(v, width, exact);
  }
  static std::string time_text(const Value* v) { return v == nullptr || v->IsNull() ? std::string() : json_of(*v); }

  void event(const Value& e, SpanEvent& out) const {
    std::set<std::string_view> used;
    out.name = std::string(text(first_of(e, {"name"}, used)).value_or(""));
    const Value* time = first_of(e, {"timeUnixNano", "timestamp", "time", "time_unix_nano"}, used);
    out.time_ns = spans::time_ns(time);
    out.time_text = time_text(time);
    spans::decode_attributes(first_of(e, {"attributes"}, used), out.attributes);
    for (const auto& m : e.GetObject()) {
      if (used.count(string_of(m.name)) == 0) out.rest.emplace_back(string_of(m.name), json_of(m.value));
    }
  }

  /// One span, in any of the shapes this file reads.
  std::unique_ptr<Span> span(const Value& s, const std::string& resource, const std::string& scope) const {
    auto out = std::make_unique<Span>();
    out->format = format;
    out->resource = resource;
    out->scope = scope;
    std::set<std::string_view> used;
    const Value* context = first_of(s, {"context", "spanContext"}, used);
    std::set<std::string_view> context_used;
    if (context != nullptr && context->IsObject()) {
      out->trace_id = id(first_of(*context, {"trace_id", "traceId"}, context_used), 32);
      out->span_id = id(first_of(*context, {"span_id", "spanId"}, context_used), 16);
      if (std::string rest = rest_of(*context, context_used); !rest.empty()) out->rest.emplace_back("context", rest);
    }
    if (out->trace_id.empty()) out->trace_id = id(first_of(s, {"traceId", "trace_id"}, used), 32);
    if (out->span_id.empty()) out->span_id = id(first_of(s, {"spanId", "span_id"}, used), 16);
    out->parent_id = id(first_of(s, {"parentSpanId", "parent_id", "parent_span_id"}, used), 16);
    if (const Value* parent = first_of(s, {"parent", "parentSpanContext"}, used); parent != nullptr && parent->IsObject()) {
      std::set<std::string_view> parent_used;
      if (out->parent_id.empty()) out->parent_id = id(first_of(*parent, {"span_id", "spanId"}, parent_used), 16);
      first_of(*parent, {"trace_id", "traceId"}, parent_used);
      if (std::string rest = rest_of(*parent, parent_used); !rest.empty()) out->rest.emplace_back("parent", rest);
    } else if (parent != nullptr && !parent->IsNull()) {
      out->rest.emplace_back("parent", json_of(*parent));
    }
    out->name = std::string(text(first_of(s, {"name"}, used)).value_or(""));
    if (const Value* kind = first_of(s, {"kind", "span_kind", "spanKind"}, used)) {
      out->kind = kind_name(kind);
      if (out->kind.empty()) out->rest.emplace_back("kind", json_of(*kind));
    }
    const Value* start = first_of(s, {"startTimeUnixNano", "start_time", "startTime", "start_time_unix_nano"}, used);
    const Value* end = first_of(s, {"endTimeUnixNano", "end_time", "endTime", "end_time_unix_nano"}, used);
    out->start_ns = spans::time_ns(start);
    out->end_ns = spans::time_ns(end);
    out->start_text = time_text(start);
    out->end_text = time_text(end);
    if (const Value* status = first_of(s, {"status"}, used); status != nullptr && status->IsObject()) {
      std::set<std::string_view> status_used;
      out->status_code = status_name(first_of(*status, {"code", "status_code"}, status_used));
      out->status_message = std::string(text(first_of(*status, {"message", "description"}, status_used)).value_or(""));
      if (std::string rest = rest_of(*status, status_used); !rest.empty()) out->rest.emplace_back("status", rest);
    } else if (status != nullptr && !status->IsNull()) {
      out->rest.emplace_back("status", json_of(*status));
    }
    if (const Value* code = first_of(s, {"status_code", "statusCode"}, used)) out->status_code = status_name(code);
    if (auto message = text(first_of(s, {"status_message", "statusMessage"}, used))) out->status_message = std::string(*message);
    spans::decode_attributes(first_of(s, {"attributes"}, used), out->attributes);
    if (const Value* events = first_of(s, {"events"}, used); events != nullptr && events->IsArray()) {
      for (const Value& e : events->GetArray()) {
        if (!e.IsObject()) continue;
        out->events.emplace_back();
        event(e, out->events.back());
      }
    }
    // A span written alone carries its resource (SDK to_json: {attributes, schema_url}).
    if (const Value* r = first_of(s, {"resource"}, used); r != nullptr && out->resource.empty()) {
      rapidjson::Document flat(rapidjson::kObjectType);
      const Value* attributes = find_member(*r, "attributes");
      spans::decode_attributes(attributes != nullptr ? attributes : r, flat);
      out->resource = json_of(flat);
      if (attributes != nullptr) {
        std::set<std::string_view> resource_used = {"attributes"};
        if (std::string rest = rest_of(*r, resource_used); !rest.empty()) out->rest.emplace_back("resource", rest);
      }
    }
    if (const Value* sc = first_of(s, {"instrumentationScope", "instrumentation_scope", "instrumentationLibrary"}, used); sc != nullptr && out->scope.empty()) {
      out->scope = json_of(*sc);
    }
    for (const auto& m : s.GetObject()) {
      if (used.count(string_of(m.name)) == 0) out->rest.emplace_back(string_of(m.name), json_of(m.value));
    }
    return out;
  }
};

Decoder decoder(const char* format, std::string_view text) {
  Decoder d;
  d.format = format;
  // 128-bit decimal ids lose digits as doubles: their exact text is read back from the record.
  size_t run = 0;
  for (char c : text) {
    run = std::isdigit(static_cast<unsigned char>(c)) != 0 ? run + 1 : 0;
    if (run == 20) {
      d.big = spans::big_integers(text);
      break;
    }
  }
  return d;
}

// ---- OTLP/JSON ----

bool recognise_otlp(const Value& r) {
  const Value* rs = find_member(r, "resourceSpans");
  return rs != nullptr && rs->IsArray();
}

void decode_otlp(const Value& record, std::string_view text, SpanList& out) {
  const Decoder d = decoder("otlp-json", text);
  for (const Value& rs : find_member(record, "resourceSpans")->GetArray()) {
    std::string resource;
    if (const Value* r = find_member(rs, "resource")) {
      rapidjson::Document flat(rapidjson::kObjectType);
      spans::decode_attributes(find_member(*r, "attributes"), flat);
      resource = json_of(flat);
    }
    const Value* scopes = find_member(rs, "scopeSpans");
    if (scopes == nullptr) scopes = find_member(rs, "instrumentationLibrarySpans");  // before OTLP 0.15
    if (scopes == nullptr || !scopes->IsArray()) continue;
    for (const Value& ss : scopes->GetArray()) {
      std::string scope;
      const Value* sc = find_member(ss, "scope");
      if (sc == nullptr) sc = find_member(ss, "instrumentationLibrary");
      if (sc != nullptr && sc->IsObject()) {
        rapidjson::Document decoded;
        spans::copy_value(*sc, decoded, decoded.GetAllocator());
        if (const Value* attributes = find_member(*sc, "attributes")) {
          rapidjson::Document flat(rapidjson::kObjectType);
          spans::decode_attributes(attributes, flat);
          decoded["attributes"].CopyFrom(flat, decoded.GetAllocator());
        }
        scope = json_of(decoded);
      }
      const Value* list = find_member(ss, "spans");
      if (list == nullptr || !list->IsArray()) continue;
      for (const Value& s : list->GetArray()) {
        if (s.IsObject()) out.push_back(d.span(s, resource, scope));
      }
    }
  }
  // The schema URLs and any other member of the document stay with its first span.
  if (!out.empty()) {
    std::set<std::string_view> used = {"resourceSpans"};
    for (const auto& m : record.GetObject()) {
      if (used.count(string_of(m.name)) == 0) out.front()->record_extra.emplace_back(string_of(m.name), json_of(m.value));
    }
  }
}

// ---- any-agent traces ----

bool recognise_any_agent(const Value& r) {
  const Value* list = find_member(r, "spans");
  if (list == nullptr || !list->IsArray()) return false;
  if (find_member(r, "final_output") != nullptr) return true;
  return !list->Empty() && find_member((*list)[0], "context") != nullptr && find_member((*list)[0], "name") != nullptr;
}

void decode_any_agent(const Value& record, std::string_view text, SpanList& out) {
  const Decoder d = decoder("any-agent", text);
  for (const Value& s : find_member(record, "spans")->GetArray()) {
    if (s.IsObject()) out.push_back(d.span(s, {}, {}));
  }
  if (!out.empty()) {
    for (const auto& m : record.GetObject()) {
      if (string_of(m.name) != "spans") out.front()->record_extra.emplace_back(string_of(m.name), json_of(m.value));
    }
  }
}

// ---- one span per record ----

bool recognise_span(const Value& r) {
  if (!text(find_member(r, "name"))) return false;
  const Value* context = find_member(r, "context");
  if (context == nullptr) context = find_member(r, "spanContext");
  if (context != nullptr && context->IsObject()) {
    return find_member(*context, "trace_id") != nullptr || find_member(*context, "traceId") != nullptr;
  }
  return (find_member(r, "traceId") != nullptr && find_member(r, "spanId") != nullptr) ||
         (find_member(r, "trace_id") != nullptr && find_member(r, "span_id") != nullptr && find_member(r, "attributes") != nullptr);
}

void decode_span(const Value& record, std::string_view text, SpanList& out) {
  out.push_back(decoder("otel-span", text).span(record, {}, {}));
}

// ---- a bare attribute map ----

bool recognise_attributes(const Value& r) {
  bool known = false;
  for (const auto& m : r.GetObject()) {
    const std::string_view key = string_of(m.name);
    if (key.find('.') == std::string_view::npos) return false;  // an envelope member: not an attribute map
    known = known || key.rfind("gen_ai.", 0) == 0 || key.rfind("llm.", 0) == 0 || key.rfind("openinference.", 0) == 0;
  }
  return known;
}

void decode_attributes(const Value& record, std::string_view, SpanList& out) {
  auto span = std::make_unique<Span>();
  span->format = "span-attributes";
  span->session_hint = harness::content_id("span-", record);
  spans::decode_attributes(&record, span->attributes);
  out.push_back(std::move(span));
}

const SpanRules kOtlpRules{decode_otlp};
const SpanRules kAnyAgentRules{decode_any_agent};
const SpanRules kSpanRules{decode_span};
const SpanRules kAttributeRules{decode_attributes};

}  // namespace

extern const DialectSpec kOtlpJson{"otlp-json", "resourceSpans", "OpenTelemetry spans", recognise_otlp, nullptr, nullptr,
                                   nullptr, &kOtlpRules};
extern const DialectSpec kAnyAgent{"any-agent", "spans + final_output", "OpenTelemetry spans", recognise_any_agent, nullptr,
                                   nullptr, nullptr, &kAnyAgentRules};
extern const DialectSpec kOtelSpan{"otel-span", "name + context.trace_id|spanContext|traceId+spanId", "OpenTelemetry spans",
                                   recognise_span, nullptr, nullptr, nullptr, &kSpanRules};
extern const DialectSpec kSpanAttributes{"span-attributes", "only dotted gen_ai.*|llm.*|openinference.* keys",
                                         "OpenTelemetry spans", recognise_attributes, nullptr, nullptr, nullptr,
                                         &kAttributeRules};

}  // namespace tracemill::normalize

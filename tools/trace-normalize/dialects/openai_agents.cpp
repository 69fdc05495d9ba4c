// OpenAI Agents SDK (Python and JS): a serialised RunState ({$schemaVersion, original_input,
// generated_items, model_responses, context.usage, current_step, trace, ...}; camelCase in
// JS), and trace exports ({trace_id?, spans|data: [{object: "trace.span", id, parent_id,
// started_at, span_data: {type: agent|generation|response|function|handoff|custom|...}}]}).
#include "dialect.hpp"
#include "observability_common.hpp"

#include "../call_conversation.hpp"
#include "../provider_chat.hpp"
#include "../span_session.hpp"

#include <libstream/hash.hpp>
#include <libstream/time.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>

namespace tracemill::normalize {
namespace {

const Value* either(const Value& o, const char* snake, const char* camel) {
  const Value* v = find_present(o, snake);
  return v != nullptr ? v : find_present(o, camel);
}

bool recognise_state(const Value& r) {
  return find_member(r, "$schemaVersion") != nullptr &&
         (either(r, "generated_items", "generatedItems") != nullptr || either(r, "original_input", "originalInput") != nullptr ||
          either(r, "model_responses", "modelResponses") != nullptr);
}

const Value* span_list(const Value& r) {
  for (const char* key : {"spans", "data"}) {
    const Value* list = find_member(r, key);
    if (list == nullptr || !list->IsArray() || list->Empty()) continue;
    for (const Value& item : list->GetArray()) {
      if (text(find_member(item, "object")) == std::optional<std::string_view>("trace.span")) return list;
    }
  }
  return nullptr;
}

/// One exported item alone on a line (a file processor's output): a span, or the trace
/// opening it (`Trace.export()`: object, id, workflow_name, group_id, metadata).
bool is_item(const Value& r) {
  const auto object = text(find_member(r, "object"));
  return (object == std::optional<std::string_view>("trace.span") && find_member(r, "span_data") != nullptr) ||
         (object == std::optional<std::string_view>("trace") && find_member(r, "workflow_name") != nullptr);
}

bool recognise_spans(const Value& r) { return span_list(r) != nullptr || is_item(r); }

void keep_rest(const Value& r, std::initializer_list<std::string_view> used, Record& out) {
  for (const auto& m : r.GetObject()) {
    if (!agent::used_name(string_of(m.name), used)) out.extra(string_of(m.name), json_of(m.value));
  }
}

void map_state(const Value& r, const MapContext& context, Record& out) {
  // Items of the conversation: the original input, then every generated item's raw item
  // (a pending approval repeats its call: it stays in extra with the interruptions).
  rapidjson::Document items;
  items.SetArray();
  auto& allocator = items.GetAllocator();
  Embedded embedded;
  const Value* input = either(r, "original_input", "originalInput");
  if (input != nullptr && input->IsString()) {
    Value m(rapidjson::kObjectType);
    m.AddMember("role", "user", allocator);
    m.AddMember("content", Value(*input, allocator), allocator);
    items.PushBack(m, allocator);
  } else if (input != nullptr && input->IsArray()) {
    for (const Value& item : input->GetArray()) items.PushBack(Value(item, allocator), allocator);
  }
  size_t approvals = 0;
  if (const Value* generated = either(r, "generated_items", "generatedItems"); generated != nullptr && generated->IsArray()) {
    for (const Value& item : generated->GetArray()) {
      const auto type = text(find_member(item, "type"));
      if (type && (*type == "tool_approval_item" || *type == "tool_approval")) {
        ++approvals;
        continue;
      }
      if (const Value* raw = either(item, "raw_item", "rawItem")) items.PushBack(Value(*raw, allocator), allocator);
    }
  }
  provider::Converter converter;
  converter.responses_items(items, embedded);
  out.set("messages", array_json(converter.messages));
  std::string id;
  if (const Value* trace = find_present(r, "trace"); trace != nullptr && trace->IsObject()) {
    id = std::string(text(either(*trace, "trace_id", "id")).value_or(""));
  }
  for (const char* key : {"conversation_id", "conversationId", "previous_response_id", "previousResponseId"}) {
    if (id.empty()) id = std::string(text(find_present(r, key)).value_or(""));
  }
  if (id.empty()) id = hex_id("agents-run-", libstream::content_hash(json_of(r)));  // a state names no run: its content does
  out.set_text("session_id", id);
  if (const Value* ctx = find_present(r, "context")) {
    if (const Value* u = find_present(*ctx, "usage"); observability::has_usage(u)) out.set("usage", observability::usage_of(u).json());
  }
  const Value* step = either(r, "current_step", "currentStep");
  if (step != nullptr && step->IsObject() && text(find_member(*step, "type")) == std::optional<std::string_view>("next_step_interruption")) {
    out.set_text("status", "interrupted");  // pending tool approvals: the run waits for a person
  } else if (approvals > 0) {
    out.set_text("status", "interrupted");
  }
  if (converter.messages.empty()) context.warn("an Agents SDK run state without input or generated items: no messages");
  out.extra("source_format", "\"openai-agents-run-state\"");
  keep_rest(r, {"original_input", "originalInput"}, out);  // generated_items kept whole: their agents and origins
}

struct Span {
  const Value* value;
  const Value* data;
  std::string id, parent;
  int64_t start;
  size_t position;
};

/// A trace export `r` whose items are `list` (which may hold no span: a trace item alone).
void map_spans(const Value& r, const Value& items, const MapContext& context, Record& out) {
  const Value* list = &items;
  std::vector<Span> spans;
  for (size_t i = 0; i < list->Size(); ++i) {
    const Value& s = (*list)[static_cast<rapidjson::SizeType>(i)];
    if (text(find_member(s, "object")) != std::optional<std::string_view>("trace.span")) continue;  // trace items: extra
    const Value* data = find_present(s, "span_data");
    spans.push_back({&s, data != nullptr && data->IsObject() ? data : nullptr, std::string(text(find_member(s, "id")).value_or("")),
                     std::string(text(find_member(s, "parent_id")).value_or("")),
                     agent::instant_of(find_member(s, "started_at")).value_or(INT64_MAX), i});
  }
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
  std::map<std::string, int> index;
  for (size_t i = 0; i < spans.size(); ++i) index.emplace(spans[i].id, static_cast<int>(i));
  std::vector<int> parent(spans.size(), -1);
  std::vector<bool> has(spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    if (auto it = index.find(spans[i].parent); it != index.end() && it->second != static_cast<int>(i)) parent[i] = it->second;
    has[i] = spans[i].data != nullptr && observability::has_usage(find_present(*spans[i].data, "usage"));
  }
  const std::vector<bool> counted = observability::counted_usage(parent, has);
  ChatBuilder chat;
  chat.openai_messages(true);
  Embedded embedded;
  std::deque<rapidjson::Document> converted;
  agent::UsageCounts usage;
  std::string model, trace_id(text(find_member(r, "trace_id")).value_or("")), error;
  std::vector<observability::ToolResult> results;
  std::vector<const Span*> functions;
  std::optional<int64_t> ended;
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& span = spans[i];
    if (trace_id.empty()) trace_id = std::string(text(find_member(*span.value, "trace_id")).value_or(""));
    if (auto end = agent::instant_of(find_member(*span.value, "ended_at")); end && (!ended || *end > *ended)) ended = end;
    if (const Value* e = find_present(*span.value, "error"); e != nullptr && error.empty()) error = json_of(*e);
    if (span.data == nullptr) continue;
    agent::UsageCounts call_usage;
    if (counted[i]) {
      call_usage = observability::usage_of(find_present(*span.data, "usage"));
      observability::add_usage(usage, call_usage);
    }
    const std::string type(text(find_member(*span.data, "type")).value_or(""));
    const std::string span_model(text(find_member(*span.data, "model")).value_or(""));
    if (type == "generation" && model.empty()) model = span_model;
    if (type == "function") {
      functions.push_back(&span);
      const Value* output = find_present(*span.data, "output");
      results.push_back({"", std::string(text(find_member(*span.data, "name")).value_or("")),
                         output == nullptr ? "null" : string_or_quoted_json(*output)});
      continue;
    }
    if (type != "generation" || (find_present(*span.data, "input") == nullptr && find_present(*span.data, "output") == nullptr)) continue;
    observability::add_llm_call(chat, converted, find_present(*span.data, "input"), find_present(*span.data, "output"),
                                span_model, counted[i] && call_usage.known() ? call_usage.json() : std::string(), embedded);
  }
  std::vector<std::string> messages = chat.messages();
  if (messages.empty()) {
    // No generation recorded its messages: each function span is the call and its result
    // (results[k] is functions[k]'s), the call's id the span's. trace/v1 needs a distinct,
    // non-empty id and a name: what a span lacks is made up and counted.
    std::set<std::string> issued;
    for (size_t k = 0; k < functions.size(); ++k) {
      const Span* span = functions[k];
      std::string name(text(find_member(*span->data, "name")).value_or(""));
      if (name.empty()) {
        name = "unnamed";
        ++tool_call_guesses().unnamed_calls;
      }
      std::string id = span->id;
      if (id.empty() || issued.count(id) != 0) {
        id = content_id("agents-call-", *span->value) + "_" + std::to_string(k);
        ++tool_call_guesses().made_call_ids;
      }
      issued.insert(id);
      std::string originals;
      Message call;
      call.role = "assistant";
      call.tool_calls = "[" + agent::tool_call_json(id, name, agent::arguments_text(find_present(*span->data, "input"), id, originals)) + "]";
      if (!originals.empty()) call.original_arguments = "{" + originals + "}";
      call.extra.emplace_back("span_id", quote(span->id));
      messages.push_back(call.json());
      results[k].call_id = id;
    }
  }
  const auto orphans = observability::append_tool_results(messages, results);
  out.set("messages", array_json(messages));
  if (trace_id.empty()) trace_id = hex_id("agents-trace-", libstream::content_hash(json_of(r)));
  out.set_text("session_id", trace_id);
  if (!model.empty()) {
    out.set_text("model", model);
    out.set_text("model_source", "event");
  }
  if (usage.known()) out.set("usage", usage.json());
  if (const std::string branches = chat.branches(); !branches.empty()) out.set("branches", branches);
  if (!spans.empty()) {
    if (auto start = agent::instant_of(find_member(*spans.front().value, "started_at"))) out.set_text("created_at", libstream::format_instant(*start));
  }
  if (ended) out.set_text("ended_at", libstream::format_instant(*ended));
  if (!error.empty()) {
    out.set_text("status", "error");
    out.set_text("error", error);
  }
  if (messages.empty()) context.warn("an Agents SDK trace without generation messages or function spans: no messages");
  if (!orphans.empty()) out.extra("unmatched_tool_results", std::to_string(orphans.size()));
  out.extra("source_format", "\"openai-agents-trace\"");
  keep_rest(r, {"trace_id"}, out);  // the spans kept whole
}

// ---- exports split across records: the SDK's exporter posts batches of at most 128 items
// (a trace's spans in several), and file processors write one item per line; the span window
// gathers a trace's items, then map_spans reads them as one export.

/// The trace an item belongs to: a span's trace_id, a trace's own id.
std::string item_trace(const Value& item) {
  if (auto trace = text(find_member(item, "trace_id")); trace && !trace->empty()) return std::string(*trace);
  if (text(find_member(item, "object")) == std::optional<std::string_view>("trace")) return std::string(text(find_member(item, "id")).value_or(""));
  return {};
}

/// Each item of a record (or the record, one item alone): a span keeping the item's JSON under
/// the name of the list it came in ("item" alone); the record's other members go with its first.
void decode_items(const Value& r, std::string_view /*text*/, std::vector<std::unique_ptr<spans::Span>>& out) {
  const std::string record_trace(text(find_member(r, "trace_id")).value_or(""));
  const auto add = [&](const Value& item, const char* list) {
    auto span = std::make_unique<spans::Span>();
    span->format = "openai-agents-spans";
    span->trace_id = item_trace(item);
    if (span->trace_id.empty()) span->trace_id = record_trace;
    span->span_id = std::string(text(find_member(item, "id")).value_or(""));
    span->parent_id = std::string(text(find_member(item, "parent_id")).value_or(""));
    span->rest.emplace_back(list, json_of(item));
    out.push_back(std::move(span));
  };
  if (is_item(r)) {
    add(r, "item");
    return;
  }
  const Value* list = span_list(r);
  const char* name = list == find_member(r, "spans") ? "spans" : "data";
  const size_t first = out.size();
  for (const Value& item : list->GetArray()) add(item, name);
  if (out.size() == first) return;
  for (const auto& m : r.GetObject()) {
    if (&m.value != list) out[first]->record_extra.emplace_back(string_of(m.name), json_of(m.value));
  }
}

/// A trace's items back into one export ({<the record's members>, spans|data: [...]}), mapped
/// as one session.
void map_items(spans::SpanList& group, const std::string& session_id, size_t part, const Warn& warn, Record& out) {
  rapidjson::Document trace(rapidjson::kObjectType);
  auto& allocator = trace.GetAllocator();
  Value items(rapidjson::kArrayType);
  std::string list = "spans";
  for (const auto& span : group) {
    for (const auto& [name, json] : span->record_extra) {
      if (find_member(trace, name.c_str()) == nullptr) trace.AddMember(Value(name.c_str(), allocator), spans::parse_kept(json, allocator), allocator);
    }
    for (const auto& [from, json] : span->rest) {
      if (from != "item") list = from;
      items.PushBack(spans::parse_kept(json, allocator), allocator);
    }
  }
  if (find_member(trace, "trace_id") == nullptr && !group.front()->trace_id.empty()) {
    // Items alone on their lines: the trace they name is the session (even for a trace item alone).
    trace.AddMember("trace_id", Value(group.front()->trace_id.c_str(), allocator), allocator);
  }
  trace.AddMember(Value(list.c_str(), allocator), items, allocator);
  const MapContext context{group.front()->file, {}, warn, nullptr};
  map_spans(trace, (trace.MemberEnd() - 1)->value, context, out);  // the list just added
  if (part > 1) out.set_text("session_id", spans::part_session_id(session_id, part, warn));
}

const SpanRules kItemSpans{decode_items, map_items};

}  // namespace

extern const DialectSpec kOpenAIAgentsState{"openai-agents-state",
                                            "$schemaVersion with original_input / generated_items (Agents SDK RunState)",
                                            "OpenAI Agents SDK", recognise_state, map_state, nullptr};
extern const DialectSpec kOpenAIAgentsSpans{"openai-agents-spans", "spans|data of {object: trace.span} (Agents SDK traces)",
                                            "OpenAI Agents SDK", recognise_spans, nullptr, nullptr, nullptr, &kItemSpans};

}  // namespace tracemill::normalize

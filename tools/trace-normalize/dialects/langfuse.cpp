// Langfuse trace exports (the public API's GET /traces/{id}, the UI's "download trace"):
// {trace: {id, timestamp, name, userId, sessionId, tags, input, output, metadata, scores,
// observations?}, observations: [...]}, or the trace object alone with its observations.
// An observation: {id, traceId, parentObservationId, type: GENERATION|SPAN|EVENT|AGENT|TOOL|
// CHAIN|..., name, startTime, endTime, model, input, output, usageDetails|usage, ...}; input
// and output are provider-native payloads, usually JSON written into a string.
//
// The conversation comes from the LLM calls: GENERATION observations with no GENERATION
// below them (a framework's wrapper generation repeats its provider call), in startTime
// order, each prompt appended without the part the conversation already ends with.
#include "dialect.hpp"
#include "observability_common.hpp"

#include "../call_conversation.hpp"
#include "../provider_chat.hpp"

#include <libstream/time.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace tracemill::normalize {
namespace {

bool is_array(const Value* v) { return v != nullptr && v->IsArray(); }

bool recognise(const Value& r) {
  const Value* trace = find_member(r, "trace");
  if (trace != nullptr && trace->IsObject() && find_member(*trace, "id") != nullptr &&
      (is_array(find_member(r, "observations")) || is_array(find_member(*trace, "observations")))) {
    return true;
  }
  return find_member(r, "projectId") != nullptr && find_member(r, "id") != nullptr &&
         is_array(find_member(r, "observations"));
}

bool is_generation(const Value& o) {
  const auto type = text(find_member(o, "type"));
  return type && (*type == "GENERATION" || *type == "generation");
}

const Value* usage_member(const Value& o) {
  for (const char* key : {"usageDetails", "usage"}) {
    if (const Value* u = find_present(o, key); observability::has_usage(u)) return u;
  }
  return nullptr;
}

/// The observations of the export: the top-level list, plus those of trace.observations it
/// lacks. A copy inside `trace` identical to the top-level one is not kept twice.
std::vector<const Value*> observations_of(const Value& r, const Value& trace, Record& out) {
  std::vector<const Value*> list;
  std::map<std::string, std::string> seen;  // id -> JSON
  const Value* top = &trace == &r ? nullptr : find_member(r, "observations");
  if (is_array(top)) {
    for (const Value& o : top->GetArray()) {
      if (!o.IsObject()) throw MappingError{"an observation that is not an object"};
      list.push_back(&o);
      if (auto id = text(find_member(o, "id"))) seen.emplace(std::string(*id), json_of(o));
    }
  }
  const Value* inner = find_member(trace, "observations");
  if (is_array(inner)) {
    std::string differing;
    for (const Value& o : inner->GetArray()) {
      if (!o.IsObject()) throw MappingError{"an observation that is not an object"};
      const auto id = text(find_member(o, "id"));
      const auto it = id ? seen.find(std::string(*id)) : seen.end();
      if (it == seen.end()) {
        list.push_back(&o);
      } else if (it->second != json_of(o)) {
        differing += (differing.empty() ? "" : ",") + json_of(o);  // same id, other content: kept
      }
    }
    if (!differing.empty()) out.extra("trace_observations_differing", "[" + differing + "]");
  }
  return list;
}

struct Node {
  const Value* value;
  int64_t start;
  size_t position;
};

void map_trace(const Value& r, const MapContext& context, Record& out) {
  const Value* wrapped = find_member(r, "trace");
  const Value& trace = wrapped != nullptr && wrapped->IsObject() ? *wrapped : r;
  const auto id = text(find_member(trace, "id"));
  if (!id || id->empty()) throw MappingError{"a Langfuse trace without an id string"};
  out.set_text("session_id", *id);

  std::vector<const Value*> list = observations_of(r, trace, out);
  std::vector<Node> nodes;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto start = agent::instant_of(find_member(*list[i], "startTime"));
    nodes.push_back({list[i], start.value_or(INT64_MAX), i});
  }
  std::stable_sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) { return a.start < b.start; });
  std::map<std::string, int> index;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (auto oid = text(find_member(*nodes[i].value, "id"))) index.emplace(std::string(*oid), static_cast<int>(i));
  }
  std::vector<int> parent(nodes.size(), -1);
  std::vector<bool> has_usage(nodes.size()), generation(nodes.size()), generation_below(nodes.size(), false);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (auto p = text(find_member(*nodes[i].value, "parentObservationId"))) {
      if (auto it = index.find(std::string(*p)); it != index.end() && it->second != static_cast<int>(i)) parent[i] = it->second;
    }
    has_usage[i] = usage_member(*nodes[i].value) != nullptr;
    generation[i] = is_generation(*nodes[i].value);
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!generation[i]) continue;
    int p = parent[i];
    for (size_t steps = 0; p >= 0 && steps < nodes.size() && !generation_below[static_cast<size_t>(p)]; ++steps) {
      generation_below[static_cast<size_t>(p)] = true;
      p = parent[static_cast<size_t>(p)];
    }
  }
  const std::vector<bool> counted = observability::counted_usage(parent, has_usage);

  ChatBuilder chat;
  chat.openai_messages(true);
  Embedded embedded;
  agent::UsageCounts usage;
  std::string model;
  std::optional<int64_t> ended;
  size_t calls = 0, without_output = 0;
  std::deque<rapidjson::Document> converted;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Value& o = *nodes[i].value;
    agent::UsageCounts call_usage;
    if (counted[i]) {
      call_usage = observability::usage_of(usage_member(o));
      observability::add_usage(usage, call_usage);
    }
    if (auto end = agent::instant_of(find_member(o, "endTime")); end && (!ended || *end > *ended)) ended = end;
    if (!generation[i] || generation_below[i]) continue;
    const Value* input = find_present(o, "input");
    const Value* output = find_present(o, "output");
    if (input == nullptr && output == nullptr) continue;  // a start/finish marker without payloads
    ++calls;
    const std::string call_model(text(find_member(o, "model")).value_or(""));
    if (model.empty()) model = call_model;
    if (!observability::add_llm_call(chat, converted, input, output, call_model,
                                     counted[i] && call_usage.known() ? call_usage.json() : std::string(), embedded)) {
      ++without_output;
    }
  }
  out.set("messages", array_json(chat.messages()));
  if (!model.empty()) {
    out.set_text("model", model);
    out.set_text("model_source", "event");
  }
  if (usage.known()) out.set("usage", usage.json());
  if (const std::string branches = chat.branches(); !branches.empty()) out.set("branches", branches);
  out.set_time("created_at", "original_created_at", find_present(trace, "timestamp"), context.warn);
  if (ended) out.set_text("ended_at", libstream::format_instant(*ended));
  // Scores by name (the first of a name; all of them, with their comments, stay in extra.scores).
  if (const Value* scores = find_member(trace, "scores"); scores != nullptr && scores->IsArray() && !scores->Empty()) {
    std::string by_name;
    std::set<std::string> names;
    for (const Value& s : scores->GetArray()) {
      const auto name = text(find_member(s, "name"));
      const Value* value = find_member(s, "value");
      if (!name || value == nullptr || !value->IsNumber() || !names.insert(std::string(*name)).second) continue;
      by_name += (by_name.empty() ? "" : ",") + quote(*name) + ":" + json_of(*value);
    }
    if (!by_name.empty()) out.set("scores", "{" + by_name + "}");
  }
  std::string events;
  for (const Value* o : list) events += (events.empty() ? "" : ",") + json_of(*o);
  out.set("events", "[" + events + "]");
  if (calls == 0) context.warn("a Langfuse trace without a GENERATION observation holding a prompt: no messages");
  if (without_output > 0) out.extra("calls_without_output", std::to_string(without_output));
  out.extra("source_format", "\"langfuse\"");
  for (const auto& m : trace.GetObject()) {
    const std::string_view key = string_of(m.name);
    if (key == "id" || key == "timestamp" || key == "observations") continue;
    out.extra(key, json_of(m.value));
  }
  if (&trace != &r) {
    for (const auto& m : r.GetObject()) {
      const std::string_view key = string_of(m.name);
      if (key != "trace" && key != "observations") out.extra(std::string("export.") + std::string(key), json_of(m.value));
    }
  }
}

}  // namespace

extern const DialectSpec kLangfuse{"langfuse", "trace {id, ...} with observations (a Langfuse trace export)",
                                   "Langfuse trace exports", recognise, map_trace, nullptr};

}  // namespace tracemill::normalize

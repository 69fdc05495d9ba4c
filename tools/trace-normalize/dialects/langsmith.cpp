// LangSmith runs: the ingest batch body {post: [run], patch: [run]} (a run created by post,
// completed by patch), or one run as the API returns it ({id, run_type, inputs, outputs,
// child_runs: [...]}). A run: {id, trace_id, parent_run_id, dotted_order, name, run_type:
// llm|chain|tool|retriever|prompt|parser|embedding, start_time, end_time, inputs, outputs,
// error, extra: {metadata, runtime, invocation_params}, tags, events, serialized}.
// One session per trace (trace_id, the root run's id).
#include "dialect.hpp"
#include "observability_common.hpp"

#include "../call_conversation.hpp"
#include "../provider_chat.hpp"
#include "../span_session.hpp"

#include <libstream/time.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>

namespace tracemill::normalize {
namespace {

bool is_array(const Value* v) { return v != nullptr && v->IsArray(); }

bool recognise(const Value& r) {
  if (is_array(find_member(r, "post")) || is_array(find_member(r, "patch"))) {
    const Value* list = is_array(find_member(r, "post")) ? find_member(r, "post") : find_member(r, "patch");
    return list->Empty() || ((*list)[0].IsObject() && (find_member((*list)[0], "trace_id") != nullptr ||
                                                      find_member((*list)[0], "dotted_order") != nullptr ||
                                                      find_member((*list)[0], "run_type") != nullptr));
  }
  return find_member(r, "run_type") != nullptr && find_member(r, "id") != nullptr &&
         (find_member(r, "inputs") != nullptr || find_member(r, "outputs") != nullptr);
}

/// A run: its post, and the patches that completed it (a patch member replaces the post's).
struct Run {
  const Value* post = nullptr;
  std::vector<const Value*> patches;
  std::string id, trace, order;
  const Value* get(const char* key) const {
    for (auto it = patches.rbegin(); it != patches.rend(); ++it) {
      if (const Value* v = find_present(**it, key)) return v;
    }
    return post != nullptr ? find_present(*post, key) : nullptr;
  }
  std::string text_of(const char* key) const { return std::string(text(get(key)).value_or("")); }
};

std::string id_of_order(std::string_view dotted) {
  // dotted_order segments are <UTC stamp>Z<run id>, joined by '.': the run's id ends the last one.
  const size_t dot = dotted.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? dotted : dotted.substr(dot + 1);
  const size_t z = last.find('Z');
  return z == std::string_view::npos ? std::string() : std::string(last.substr(z + 1));
}

void collect_posts(const Value& run, std::vector<Run>& runs, int depth) {
  if (!run.IsObject() || depth > 64) return;
  Run r;
  r.post = &run;
  runs.push_back(r);
  if (const Value* children = find_member(run, "child_runs"); is_array(children)) {
    for (const Value& child : children->GetArray()) collect_posts(child, runs, depth + 1);
  }
}

/// A time: epoch milliseconds (the JS SDK), epoch seconds, or text.
std::optional<int64_t> time_of(const Value* v) {
  if (v != nullptr && v->IsNumber()) {
    const double x = v->GetDouble();
    if (x > 1e11) return static_cast<int64_t>(x * 1000.0);  // milliseconds
  }
  return agent::instant_of(v);
}

const Value* usage_of_run(const Run& run) {
  const Value* outputs = run.get("outputs");
  if (outputs != nullptr) {
    for (const char* key : {"usage_metadata", "usage"}) {
      if (const Value* u = find_present(*outputs, key); observability::has_usage(u)) return u;
    }
    if (const Value* llm_output = find_present(*outputs, "llm_output")) {
      if (const Value* u = find_present(*llm_output, "token_usage"); observability::has_usage(u)) return u;
      if (const Value* u = find_present(*llm_output, "usage"); observability::has_usage(u)) return u;
    }
  }
  if (const Value* extra = run.get("extra")) {
    if (const Value* metadata = find_present(*extra, "metadata")) {
      if (const Value* u = find_present(*metadata, "usage_metadata"); observability::has_usage(u)) return u;
    }
  }
  return nullptr;
}

/// The prompt of an llm run: inputs.messages (a batch of one: [[...]]), inputs.prompts, or the inputs.
const Value* prompt_of(const Value* inputs) {
  if (inputs == nullptr) return nullptr;
  if (const Value* messages = find_present(*inputs, "messages"); is_array(messages)) {
    if (!messages->Empty() && (*messages)[0].IsArray()) return &(*messages)[0];
    return messages;
  }
  if (const Value* prompts = find_present(*inputs, "prompts"); is_array(prompts) && !prompts->Empty()) return &(*prompts)[0];
  if (const Value* input = find_present(*inputs, "input")) return input;
  return inputs;
}

/// One trace's runs (tree order) as a session.
void map_trace(const std::vector<Run*>& runs, const Warn& warn, Record& out) {
  const Run& root = *runs.front();
  out.set_text("session_id", root.trace.empty() ? root.id : root.trace);
  std::map<std::string, int> index;
  for (size_t i = 0; i < runs.size(); ++i) index.emplace(runs[i]->id, static_cast<int>(i));
  std::vector<int> parent(runs.size(), -1);
  std::vector<bool> has(runs.size()), llm(runs.size()), llm_below(runs.size(), false);
  for (size_t i = 0; i < runs.size(); ++i) {
    std::string p = runs[i]->text_of("parent_run_id");
    if (p.empty() && runs[i]->order.find('.') != std::string::npos) {
      p = id_of_order(std::string_view(runs[i]->order).substr(0, runs[i]->order.rfind('.')));
    }
    if (auto it = index.find(p); it != index.end() && it->second != static_cast<int>(i)) parent[i] = it->second;
    has[i] = usage_of_run(*runs[i]) != nullptr;
    llm[i] = runs[i]->text_of("run_type") == "llm";
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    for (int p = llm[i] ? parent[i] : -1, steps = 0; p >= 0 && steps < static_cast<int>(runs.size()); ++steps) {
      llm_below[static_cast<size_t>(p)] = true;
      p = parent[static_cast<size_t>(p)];
    }
  }
  const std::vector<bool> counted = observability::counted_usage(parent, has);
  ChatBuilder chat;
  chat.openai_messages(true);
  Embedded embedded;
  std::deque<rapidjson::Document> converted;
  agent::UsageCounts usage;
  std::string model, error;
  std::vector<observability::ToolResult> results;
  std::optional<int64_t> ended;
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& run = *runs[i];
    agent::UsageCounts call_usage;
    if (counted[i]) {
      call_usage = observability::usage_of(usage_of_run(run));
      observability::add_usage(usage, call_usage);
    }
    if (auto end = time_of(run.get("end_time")); end && (!ended || *end > *ended)) ended = end;
    if (error.empty() && run.get("error") != nullptr) error = run.get("error")->IsString() ? run.text_of("error") : json_of(*run.get("error"));
    const std::string type = run.text_of("run_type");
    if (type == "tool") {
      const Value* inputs = run.get("inputs");
      const Value* outputs = run.get("outputs");
      const Value* output = outputs != nullptr ? find_present(*outputs, "output") : nullptr;
      if (output == nullptr) output = outputs;
      std::string call_id(inputs != nullptr ? text(find_member(*inputs, "tool_call_id")).value_or("") : "");
      if (output != nullptr && output->IsObject() && call_id.empty()) call_id = std::string(text(find_member(*output, "tool_call_id")).value_or(""));
      const Value* content = output != nullptr && output->IsObject() && find_present(*output, "content") != nullptr ? find_present(*output, "content") : output;
      results.push_back({call_id, run.text_of("name"),
                         content == nullptr ? "null" : string_or_quoted_json(*content)});
      continue;
    }
    if (type != "llm" || llm_below[i]) continue;
    std::string call_model;
    if (const Value* extra = run.get("extra")) {
      if (const Value* metadata = find_member(*extra, "metadata")) call_model = std::string(text(find_member(*metadata, "ls_model_name")).value_or(""));
    }
    if (call_model.empty() && run.get("inputs") != nullptr) call_model = std::string(text(find_member(*run.get("inputs"), "model")).value_or(""));
    if (model.empty()) model = call_model;
    observability::add_llm_call(chat, converted, prompt_of(run.get("inputs")), run.get("outputs"), call_model,
                                counted[i] && call_usage.known() ? call_usage.json() : std::string(), embedded);
  }
  std::vector<std::string> messages = chat.messages();
  const auto orphans = observability::append_tool_results(messages, results);
  out.set("messages", array_json(messages));
  if (!model.empty()) {
    out.set_text("model", model);
    out.set_text("model_source", "event");
  }
  if (usage.known()) out.set("usage", usage.json());
  if (const std::string branches = chat.branches(); !branches.empty()) out.set("branches", branches);
  if (auto start = time_of(root.get("start_time"))) out.set_text("created_at", libstream::format_instant(*start));
  if (ended) out.set_text("ended_at", libstream::format_instant(*ended));
  if (!error.empty()) {
    out.set_text("status", "error");
    out.set_text("error", error);
  }
  if (messages.empty()) warn("a LangSmith trace without an llm run: no messages");
  std::string events;
  for (const Run* run : runs) {
    std::string item = "{\"post\":" + (run->post != nullptr ? json_of(*run->post) : std::string("null")) + ",\"patches\":[";
    for (size_t k = 0; k < run->patches.size(); ++k) item += (k > 0 ? "," : "") + json_of(*run->patches[k]);
    events += (events.empty() ? "" : ",") + item + "]}";
  }
  out.set("events", "[" + events + "]");
  if (!orphans.empty()) {
    std::string list;
    for (const auto& o : orphans) list += (list.empty() ? "" : ",") + std::string("{\"name\":") + quote(o.name) + ",\"content\":" + o.content + "}";
    out.extra("unmatched_tool_results", "[" + list + "]");
  }
  out.extra("source_format", "\"langsmith\"");
}

/// The runs of a batch ({post, patch}) or of one run (with its child_runs), each patch joined
/// to its run; ids and traces filled in.
std::vector<Run> collect_runs(const Value& r) {
  std::vector<Run> runs;
  if (const Value* post = find_member(r, "post"); is_array(post)) {
    for (const Value& run : post->GetArray()) collect_posts(run, runs, 0);
  } else if (!is_array(find_member(r, "patch"))) {
    collect_posts(r, runs, 0);
  }
  for (Run& run : runs) {
    run.id = run.text_of("id");
    run.order = run.text_of("dotted_order");
    if (run.id.empty()) run.id = id_of_order(run.order);
  }
  if (const Value* patch = find_member(r, "patch"); is_array(patch)) {
    for (const Value& p : patch->GetArray()) {
      if (!p.IsObject()) throw MappingError{"a LangSmith patch that is not an object"};
      std::string id(text(find_member(p, "id")).value_or(""));
      if (id.empty()) id = id_of_order(text(find_member(p, "dotted_order")).value_or(""));
      auto it = std::find_if(runs.begin(), runs.end(), [&](const Run& run) { return !id.empty() && run.id == id; });
      if (it == runs.end()) {  // a patch of a run posted in another batch: a run of its own
        Run lone;
        lone.patches.push_back(&p);
        lone.id = id;
        lone.order = lone.text_of("dotted_order");
        runs.push_back(lone);
      } else {
        it->patches.push_back(&p);
      }
    }
  }
  for (Run& run : runs) {
    run.trace = run.text_of("trace_id");
    if (run.trace.empty()) run.trace = run.order.empty() ? run.id : id_of_order(run.order.substr(0, run.order.find('.')));
    if (run.trace.empty()) throw MappingError{"a LangSmith run without id, trace_id or dotted_order"};
  }
  return runs;
}

// ---- runs as spans: the runs of one trace may come in many records (an export of one run
// per line, ingest batches posting a run and patching it later); the span window groups them.

/// The trace a run (or patch) belongs to, as collect_runs names it.
std::string trace_of(const Value& run) {
  std::string trace(text(find_member(run, "trace_id")).value_or(""));
  const std::string order(text(find_member(run, "dotted_order")).value_or(""));
  std::string id(text(find_member(run, "id")).value_or(""));
  if (id.empty()) id = id_of_order(order);
  if (trace.empty()) trace = order.empty() ? id : id_of_order(order.substr(0, order.find('.')));
  if (trace.empty()) throw MappingError{"a LangSmith run without id, trace_id or dotted_order"};
  return trace;
}

/// Each posted run (with its child_runs inside) and each patch of a record: one span, its
/// JSON kept whole under the member "post" or "patch".
void decode(const Value& r, std::string_view /*text*/, std::vector<std::unique_ptr<spans::Span>>& out) {
  const auto add = [&](const Value& run, const char* kind) {
    if (!run.IsObject()) throw MappingError{std::string("a LangSmith ") + kind + " that is not an object"};
    auto span = std::make_unique<spans::Span>();
    span->format = "langsmith";
    span->trace_id = trace_of(run);
    span->span_id = std::string(text(find_member(run, "id")).value_or(""));
    span->parent_id = std::string(text(find_member(run, "parent_run_id")).value_or(""));
    span->name = std::string(text(find_member(run, "name")).value_or(""));
    span->rest.emplace_back(kind, json_of(run));
    out.push_back(std::move(span));
  };
  if (const Value* post = find_member(r, "post"); is_array(post)) {
    for (const Value& run : post->GetArray()) add(run, "post");
  } else if (!is_array(find_member(r, "patch"))) {
    add(r, "post");  // one run, as the API returns it
  }
  if (const Value* patch = find_member(r, "patch"); is_array(patch)) {
    for (const Value& p : patch->GetArray()) add(p, "patch");
  }
}

/// A trace's spans back into one batch, mapped as one session.
void map_group(spans::SpanList& group, const std::string& session_id, size_t part, const Warn& warn, Record& out) {
  rapidjson::Document batch(rapidjson::kObjectType);
  auto& allocator = batch.GetAllocator();
  Value posts(rapidjson::kArrayType), patches(rapidjson::kArrayType);
  for (const auto& span : group) {
    for (const auto& [kind, json] : span->rest) (kind == "patch" ? patches : posts).PushBack(spans::parse_kept(json, allocator), allocator);
  }
  batch.AddMember("post", posts, allocator);
  batch.AddMember("patch", patches, allocator);
  std::vector<Run> runs = collect_runs(batch);
  std::vector<Run*> members;
  for (Run& run : runs) members.push_back(&run);
  // Runs in dotted_order (start time, tree order), as LangSmith orders a trace.
  std::stable_sort(members.begin(), members.end(), [](const Run* a, const Run* b) { return a->order < b->order; });
  map_trace(members, warn, out);
  if (part > 1) out.set_text("session_id", spans::part_session_id(session_id, part, warn));
}

const SpanRules kSpans{decode, map_group};

}  // namespace

extern const DialectSpec kLangSmith{"langsmith", "post/patch run lists, or a run with run_type (LangSmith runs)",
                                    "LangSmith runs", recognise, nullptr, nullptr, nullptr, &kSpans};

}  // namespace tracemill::normalize

#include "span_chat.hpp"

#include "call_conversation.hpp"

#include <libstream/time.hpp>

#include <algorithm>
#include <deque>
#include <limits>
#include <map>

namespace tracemill::normalize::spans {

// ---- GenAI parts to OpenAI shapes ----

namespace {

using Allocator = rapidjson::Document::AllocatorType;

Value string_value(std::string_view s, Allocator& a) { return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a); }

}  // namespace

void add_chat_message(const Value& message, Value& array, Allocator& a) {
  if (message.IsString()) {  // a bare prompt text
    Value m(rapidjson::kObjectType);
    m.AddMember("role", "user", a);
    m.AddMember("content", own(message, a), a);
    array.PushBack(m, a);
    return;
  }
  const Value* parts = find_member(message, "parts");
  if (!message.IsObject() || parts == nullptr || !parts->IsArray()) {
    array.PushBack(own(message, a), a);  // OpenAI form already
    return;
  }
  Value m(rapidjson::kObjectType);
  Value content(rapidjson::kArrayType), calls(rapidjson::kArrayType), reasoning(rapidjson::kArrayType);
  std::vector<Value> results;
  size_t texts = 0;
  for (const Value& part : parts->GetArray()) {
    const std::string_view type = text(find_member(part, "type")).value_or("");
    if (type == "text" && text(find_member(part, "content"))) {
      Value t(rapidjson::kObjectType);
      t.AddMember("type", "text", a);
      t.AddMember("text", own(*find_member(part, "content"), a), a);
      for (const auto& member : part.GetObject()) {
        if (string_of(member.name) != "type" && string_of(member.name) != "content") t.AddMember(own(member.name, a), own(member.value, a), a);
      }
      content.PushBack(t, a);
      ++texts;
    } else if (type == "tool_call") {
      Value call(rapidjson::kObjectType), function(rapidjson::kObjectType);
      if (const Value* id = find_member(part, "id")) call.AddMember("id", own(*id, a), a);
      call.AddMember("type", "function", a);
      if (const Value* name = find_member(part, "name")) function.AddMember("name", own(*name, a), a);
      if (const Value* arguments = find_member(part, "arguments")) function.AddMember("arguments", own(*arguments, a), a);
      call.AddMember("function", function, a);
      calls.PushBack(call, a);
    } else if (type == "tool_call_response") {
      Value r(rapidjson::kObjectType);
      r.AddMember("role", "tool", a);
      if (const Value* id = find_member(part, "id")) r.AddMember("tool_call_id", own(*id, a), a);
      const Value* response = find_member(part, "response");
      if (response == nullptr || response->IsString()) {
        r.AddMember("content", response != nullptr ? own(*response, a) : Value(), a);
      } else {
        r.AddMember("content", string_value(json_of(*response), a), a);  // a structured result as its JSON text
        r.AddMember("original_response", own(*response, a), a);
      }
      results.push_back(std::move(r));
    } else if (type == "reasoning") {
      reasoning.PushBack(own(part, a), a);
    } else {
      content.PushBack(own(part, a), a);  // blob, uri, file, ...: kept as a part
    }
  }
  const bool only_results = !results.empty() && content.Empty() && calls.Empty();
  if (!only_results) {
    for (const auto& member : message.GetObject()) {
      if (string_of(member.name) != "parts") m.AddMember(own(member.name, a), own(member.value, a), a);
    }
    if (texts == 1 && content.Size() == 1) {
      m.AddMember("content", own(content[0]["text"], a), a);
    } else if (content.Empty()) {
      m.AddMember("content", Value(), a);
    } else {
      m.AddMember("content", content, a);
    }
    if (!calls.Empty()) m.AddMember("tool_calls", calls, a);
    if (!reasoning.Empty()) m.AddMember("reasoning_parts", reasoning, a);
    array.PushBack(m, a);
  }
  for (Value& r : results) array.PushBack(r, a);
}

void add_chat_messages(const Value* messages, rapidjson::Document& out) {
  if (messages == nullptr) return;
  rapidjson::Document parsed;
  if (messages->IsString()) {
    if (!libstream::parse_embedded_json(string_of(*messages), parsed)) {
      if (!out.IsArray()) out.SetArray();
      add_chat_message(*messages, out, out.GetAllocator());  // plain text: one user message
      return;
    }
    messages = &parsed;
  }
  if (!out.IsArray()) out.SetArray();
  if (messages->IsArray()) {
    for (const Value& m : messages->GetArray()) add_chat_message(m, out, out.GetAllocator());
  } else {
    add_chat_message(*messages, out, out.GetAllocator());
  }
}

// ---- span JSON kept in extra ----

namespace {

std::string span_json(const Span& span, const std::set<std::string>& used, bool with_resource) {
  std::string out = "{\"name\":" + quote(span.name);
  if (!span.trace_id.empty()) out += ",\"trace_id\":" + quote(span.trace_id);
  if (!span.span_id.empty()) out += ",\"span_id\":" + quote(span.span_id);
  if (!span.parent_id.empty()) out += ",\"parent_span_id\":" + quote(span.parent_id);
  if (!span.kind.empty()) out += ",\"kind\":" + quote(span.kind);
  if (!span.start_text.empty()) out += ",\"start_time\":" + span.start_text;
  if (!span.end_text.empty()) out += ",\"end_time\":" + span.end_text;
  if (!span.status_code.empty() || !span.status_message.empty()) {
    out += ",\"status\":{\"code\":" + quote(span.status_code);
    if (!span.status_message.empty()) out += ",\"message\":" + quote(span.status_message);
    out += "}";
  }
  std::string attributes;
  for (const auto& m : span.attributes.GetObject()) {
    if (used.count(std::string(string_of(m.name))) != 0) continue;
    attributes += (attributes.empty() ? "" : ",") + quote(string_of(m.name)) + ":" + json_of(m.value);
  }
  if (!attributes.empty()) out += ",\"attributes\":{" + attributes + "}";
  if (!span.events.empty()) {
    out += ",\"events\":[";
    for (size_t i = 0; i < span.events.size(); ++i) {
      const SpanEvent& e = span.events[i];
      out += (i > 0 ? ",{\"name\":" : "{\"name\":") + quote(e.name);
      if (!e.time_text.empty()) out += ",\"time\":" + e.time_text;
      if (e.attributes.MemberCount() > 0) out += ",\"attributes\":" + json_of(e.attributes);
      for (const auto& [k, v] : e.rest) out += "," + quote(k) + ":" + v;
      out += "}";
    }
    out += "]";
  }
  if (!span.scope.empty()) out += ",\"scope\":" + span.scope;
  if (with_resource && !span.resource.empty()) out += ",\"resource\":" + span.resource;
  for (const auto& [k, v] : span.rest) out += "," + quote(k) + ":" + v;
  return out + "}";
}

std::string instant(std::optional<int64_t> ns) {
  if (!ns) return {};
  // Floor to microseconds (the shared formatter's precision), also before 1970.
  const int64_t micros = *ns >= 0 ? *ns / 1000 : -((-*ns + 999) / 1000);
  return libstream::format_instant(micros);
}

/// Ids for the reply's tool calls that have none: `call_<span id>_<index>`.
void make_call_ids(const Span& span, size_t position, SpanReading& r) {
  if (!r.reply.IsObject() || !r.reply.HasMember("tool_calls") || !r.reply["tool_calls"].IsArray()) return;
  Value* calls = &r.reply["tool_calls"];
  for (rapidjson::SizeType j = 0; j < calls->Size(); ++j) {
    Value& call = (*calls)[j];
    if (!call.IsObject() || text(find_member(call, "id"))) continue;
    const std::string id = "call_" + (span.span_id.empty() ? std::to_string(position) : span.span_id) + "_" + std::to_string(j);
    const Value* function = find_member(call, "function");
    ++tool_call_guesses().made_call_ids;
    r.made_calls.emplace_back(id, std::string(text(function != nullptr ? find_member(*function, "name") : nullptr).value_or("")));
    if (auto it = call.FindMember("id"); it != call.MemberEnd()) call.EraseMember(it);
    call.AddMember("id", Value(id.c_str(), r.reply.GetAllocator()), r.reply.GetAllocator());
  }
}

struct Pending {
  std::string call_id;
  Message message;
  std::string span;  // the span's JSON, for the prompt message that reproduces the result
};

}  // namespace

void map_span_session(SpanList& spans, const std::string& session_id, size_t part, const Warn& warn, Record& out) {
  std::stable_sort(spans.begin(), spans.end(), [](const auto& x, const auto& y) {
    const int64_t a = x->start_ns.value_or(std::numeric_limits<int64_t>::max());
    const int64_t b = y->start_ns.value_or(std::numeric_limits<int64_t>::max());
    return a != b ? a < b : x->arrival < y->arrival;
  });
  const size_t n = spans.size();
  std::vector<SpanReading> readings(n);
  std::map<std::string, size_t> by_id;
  for (size_t i = 0; i < n; ++i) {
    if (!read_openinference(*spans[i], readings[i])) read_gen_ai(*spans[i], readings[i]);
    if (!spans[i]->span_id.empty()) by_id.emplace(spans[i]->span_id, i);
    make_call_ids(*spans[i], i, readings[i]);
  }
  // An LLM span with an LLM span below it wraps the same call (a framework's span around the
  // client library's): only the innermost counts, the wrapper stays among the events.
  size_t wrappers = 0;
  for (size_t i = 0; i < n; ++i) {
    if (readings[i].part != SpanPart::llm) continue;
    std::string parent = spans[i]->parent_id;
    for (size_t steps = 0; steps < n && !parent.empty(); ++steps) {
      const auto it = by_id.find(parent);
      if (it == by_id.end()) break;
      if (readings[it->second].part == SpanPart::llm) readings[it->second].part = SpanPart::other, ++wrappers;
      parent = spans[it->second]->parent_id;
    }
  }
  // Calls whose ids were made take the id a tool span of the same name names (any-agent
  // records the id on the tool span only).
  {
    std::map<std::string, std::deque<std::pair<size_t, std::string>>> made;  // name -> (reading, made id)
    std::set<std::string> known;
    for (size_t i = 0; i < n; ++i) {
      SpanReading& r = readings[i];
      if (r.part == SpanPart::llm) {
        for (const auto& [id, name] : r.made_calls) made[name].emplace_back(i, id);
        std::vector<std::pair<std::string, std::string>> ids;
        if (r.reply.IsObject()) append_call_ids(find_member(r.reply, "tool_calls"), ids);
        for (const auto& [id, name] : ids) known.insert(id);
      } else if (r.part == SpanPart::tool && !r.call_id.empty() && known.count(r.call_id) == 0) {
        auto& queue = made[r.tool_name];
        if (queue.empty()) continue;
        const auto [reading, made_id] = queue.front();
        queue.pop_front();
        Value* calls = &readings[reading].reply["tool_calls"];
        for (Value& call : calls->GetArray()) {
          if (text(find_member(call, "id")) == std::optional<std::string_view>(made_id)) call["id"].SetString(r.call_id.c_str(), static_cast<rapidjson::SizeType>(r.call_id.size()), readings[reading].reply.GetAllocator());
        }
        known.insert(r.call_id);
      }
    }
  }

  ChatBuilder chat;
  agent::UsageCounts usage;
  std::optional<double> cost;
  std::string model, events, env_messages, error, flavours;
  std::set<std::string> issued, answered;
  std::vector<Pending> pending;
  size_t orphans = 0, prompts_unknown = 0;
  const bool one_resource = std::all_of(spans.begin(), spans.end(), [&](const auto& s) { return s->resource == spans[0]->resource; });
  const auto add = [](std::optional<int64_t>& sum, const std::optional<int64_t>& x) {
    if (x) sum = sum.value_or(0) + *x;
  };
  std::vector<std::pair<std::string, std::string>> order;  // issued calls in order: (id, name)
  for (size_t i = 0; i < n; ++i) {
    const Span& span = *spans[i];
    SpanReading& r = readings[i];
    if (*r.flavour != '\0' && flavours.find(std::string("\"") + r.flavour + "\"") == std::string::npos) {
      flavours += (flavours.empty() ? "\"" : ",\"") + std::string(r.flavour) + "\"";
    }
    if (span.status_code == "error" && error.empty()) error = span.status_message.empty() ? span.name + " failed" : span.status_message;
    const std::string kept = span_json(span, r.used, !one_resource);
    if (r.part == SpanPart::tool) {
      std::string id = r.call_id;
      if (id.empty() || issued.count(id) == 0) {
        for (const auto& issued_call : order) {
          const std::string& call = issued_call.first;  // a lambda may not capture a structured binding in C++17
          if (issued_call.second == r.tool_name && answered.count(call) == 0 &&
              std::none_of(pending.begin(), pending.end(), [&](const Pending& p) { return p.call_id == call; })) {
            id = call;
            break;
          }
        }
      }
      Message result;
      result.role = "tool";
      result.tool_call_id = id;
      result.name = r.tool_name;
      result.content = r.result_json.empty() ? "null" : r.result_json;
      if (r.is_error) result.is_error = true;
      result.created_at = instant(span.start_ns);
      if (!r.call_id.empty() && r.call_id != id) result.extra.emplace_back("source_tool_call_id", quote(r.call_id));
      if (!r.arguments_json.empty()) result.extra.emplace_back("arguments", r.arguments_json);
      result.extra.emplace_back("span", kept);
      if (id.empty() || issued.count(id) == 0 || answered.count(id) != 0) {
        ++orphans;  // a result of no call the LLM spans show: kept, outside the chat
        env_messages += (env_messages.empty() ? "" : ",") + result.json();
      } else {
        pending.push_back({id, std::move(result), kept});
      }
      continue;
    }
    if (r.part != SpanPart::llm) {
      events += (events.empty() ? "" : ",") + kept;
      continue;
    }
    // An LLM call: tool results its prompt does not show go first, then its prompt and reply.
    std::set<std::string> in_prompt;
    if (r.prompt.IsArray()) {
      for (const Value& m : r.prompt.GetArray()) {
        if (auto id = text(find_member(m, "tool_call_id"))) in_prompt.emplace(*id);
      }
    } else {
      ++prompts_unknown;
    }
    for (auto it = pending.begin(); it != pending.end();) {
      if (in_prompt.count(it->call_id) != 0) {
        ++it;
        continue;
      }
      chat.append(it->message);
      answered.insert(it->call_id);
      it = pending.erase(it);
    }
    std::vector<Message> prompt;
    const std::string prefix = "call_" + (span.span_id.empty() ? std::to_string(i) : span.span_id);
    if (r.prompt.IsArray()) {
      for (const Value& m : r.prompt.GetArray()) {
        prompt.push_back(openai_to_message(m, prefix + "_p" + std::to_string(prompt.size())));
        std::vector<std::pair<std::string, std::string>> ids;
        append_call_ids(find_member(m, "tool_calls"), ids);
        for (const auto& call : ids) {
          if (issued.insert(call.first).second) order.push_back(call);
        }
        if (auto id = text(find_member(m, "tool_call_id"))) answered.emplace(*id);
      }
    }
    std::optional<Message> reply;
    if (r.reply.IsObject()) {
      reply = openai_to_message(r.reply, prefix);
      reply->role = "assistant";
      std::vector<std::pair<std::string, std::string>> ids;
      append_call_ids(find_member(r.reply, "tool_calls"), ids);
      for (const auto& call : ids) {
        if (issued.insert(call.first).second) order.push_back(call);
      }
    }
    CallFacts facts;
    facts.model = r.model;
    facts.prompt_known = r.prompt.IsArray();
    facts.created_at = instant(span.start_ns);
    if (!r.usage.total && r.usage.input && r.usage.output) r.usage.total = *r.usage.input + *r.usage.output;
    if (r.usage.known()) facts.usage = r.usage.json();
    facts.extra.emplace_back("span", kept);
    if (r.cost) facts.extra.emplace_back("cost_usd", number_json(*r.cost));
    chat.add_call(std::move(prompt), std::move(reply), facts, [&](Message& m) {
      for (auto it = pending.begin(); it != pending.end(); ++it) {
        if (m.role == "tool" && m.tool_call_id == it->call_id) {
          m.extra.emplace_back("span", it->span);  // the result as the model saw it, with the span that made it
          pending.erase(it);
          return;
        }
      }
    });
    for (auto it = pending.begin(); it != pending.end();) {  // shown in the prompt before: kept outside the chat
      if (in_prompt.count(it->call_id) != 0) {
        ++orphans;
        env_messages += (env_messages.empty() ? "" : ",") + it->message.json();
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    if (model.empty()) model = r.model;
    add(usage.input, r.usage.input);
    add(usage.output, r.usage.output);
    add(usage.total, r.usage.total);
    add(usage.cache_read, r.usage.cache_read);
    add(usage.cache_creation, r.usage.cache_creation);
    add(usage.reasoning, r.usage.reasoning);
    if (r.cost) cost = cost.value_or(0) + *r.cost;
  }
  for (const Pending& p : pending) chat.append(p.message);

  out.set_text("session_id", part_session_id(session_id.empty() ? "spans" : session_id, part, warn));
  std::string messages = "[";
  for (size_t i = 0; i < chat.messages().size(); ++i) messages += (i > 0 ? "," : "") + chat.messages()[i];
  out.set("messages", messages + "]");
  if (!model.empty()) {
    out.set_text("model", model);
    out.set_text("model_source", "event");
  }
  if (!error.empty()) {
    out.set_text("status", "error");
    out.set_text("error", error);
  }
  std::optional<int64_t> first, last;
  for (const auto& s : spans) {
    if (s->start_ns && (!first || *s->start_ns < *first)) first = s->start_ns;
    const auto end = s->end_ns ? s->end_ns : s->start_ns;
    if (end && (!last || *end > *last)) last = end;
  }
  if (first) out.set_text("created_at", instant(first));
  if (last) out.set_text("ended_at", instant(last));
  if (usage.known()) {
    if (!usage.total && usage.input && usage.output) usage.total = *usage.input + *usage.output;
    out.set("usage", usage.json());
  }
  if (cost) out.set("cost_usd", number_json(*cost));
  if (!events.empty()) out.set("events", "[" + events + "]");
  if (!env_messages.empty()) out.set("env_messages", "[" + env_messages + "]");
  out.set("source", "{\"format\":" + quote(spans.empty() ? "" : spans[0]->format) + ",\"flavours\":[" + flavours + "]}");
  out.extra("spans", std::to_string(n));
  if (one_resource && !spans.empty() && !spans[0]->resource.empty()) out.extra("resource", spans[0]->resource);
  std::set<std::string> traces;
  for (const auto& s : spans) {
    if (!s->trace_id.empty()) traces.insert(s->trace_id);
  }
  if (traces.size() > 1 || (traces.size() == 1 && *traces.begin() != session_id)) {
    std::vector<std::string> list(traces.begin(), traces.end());
    out.extra("trace_ids", names_json(list));
  }
  if (wrappers > 0) out.extra("llm_wrapper_spans", std::to_string(wrappers));
  if (orphans > 0) out.extra("tool_spans_outside_chat", std::to_string(orphans));
  if (prompts_unknown > 0) out.extra("llm_spans_without_prompt", std::to_string(prompts_unknown));
  if (chat.unanswered() > 0) {
    out.extra("llm_spans_without_reply", std::to_string(chat.unanswered()));
    warn(std::to_string(chat.unanswered()) + " LLM span(s) without a reply: their prompts are kept, no assistant message is made");
  }
  std::set<std::string> seen_keys;
  for (const auto& s : spans) {
    for (const auto& [key, json] : s->record_extra) {
      std::string name = key;
      for (int k = 2; !seen_keys.insert(name).second; ++k) name = key + "~" + std::to_string(k);
      out.extra(name, json);
    }
  }
}

}  // namespace tracemill::normalize::spans

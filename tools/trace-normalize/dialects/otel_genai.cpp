// What a span carrying OpenTelemetry GenAI attributes says about the chat, for every version
// of the conventions met in the wild: the current `gen_ai.input.messages` /
// `gen_ai.output.messages` (JSON of parts) and `gen_ai.system_instructions`, also on the
// `gen_ai.client.inference.operation.details` event; the deprecated `gen_ai.prompt` /
// `gen_ai.completion` (JSON, or flattened `gen_ai.prompt.N.role`), the deprecated message
// events (`gen_ai.user.message`, `gen_ai.choice`, ...); any-agent's `gen_ai.output`; and the
// Vercel AI SDK's `ai.*` attributes, which travel with `gen_ai.*` ones.
#include "../span_chat.hpp"

#include <libstream/document.hpp>

namespace tracemill::normalize::spans {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

const Value* take(const Span& span, SpanReading& out, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (const Value* v = span.attribute(key); v != nullptr && !v->IsNull()) {
      out.used.emplace(key);
      return v;
    }
  }
  return nullptr;
}

std::optional<int64_t> count(const Span& span, SpanReading& out, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (auto n = integer(span.attribute(key))) {
      out.used.emplace(key);
      return n;
    }
  }
  return std::nullopt;
}

/// A value that may be JSON text, parsed into `holder`; the value itself otherwise.
const Value* parsed(const Value* value, rapidjson::Document& holder) {
  if (value == nullptr || !value->IsString()) return value;
  if (libstream::parse_embedded_json(string_of(*value), holder)) return &holder;
  return value;
}

/// Messages flattened as `<prefix>N.role`, `N.content`, `N.tool_calls.M.{id,name,arguments}`,
/// `N.tool_call_id` (the deprecated conventions, OpenLLMetry).
void flattened_messages(const Span& span, const char* prefix, SpanReading& out, rapidjson::Document& list) {
  auto& a = list.GetAllocator();
  for (const auto& [index, members] : indexed_attributes(span, prefix, out.used)) {
    Value m(rapidjson::kObjectType), calls(rapidjson::kArrayType);
    std::map<size_t, Value> by_call;
    for (const auto& [rest, value] : members) {
      if (rest.rfind("tool_calls.", 0) == 0) {
        size_t call = 0;
        const size_t dot = rest.find('.', 11);
        if (dot == std::string::npos) continue;
        call = static_cast<size_t>(std::strtoul(rest.c_str() + 11, nullptr, 10));
        Value& c = by_call[call];
        if (!c.IsObject()) c.SetObject();
        const std::string field = rest.substr(dot + 1);
        c.AddMember(Value(field == "name" || field == "arguments" ? ("function_" + field).c_str() : field.c_str(), a), own(*value, a), a);
      } else {
        m.AddMember(Value(rest.c_str(), a), own(*value, a), a);
      }
    }
    for (auto& [k, c] : by_call) {
      Value call(rapidjson::kObjectType), function(rapidjson::kObjectType);
      for (auto& member : c.GetObject()) {
        const std::string_view name = string_of(member.name);
        if (name == "function_name") function.AddMember("name", own(member.value, a), a);
        else if (name == "function_arguments") function.AddMember("arguments", own(member.value, a), a);
        else call.AddMember(own(member.name, a), own(member.value, a), a);
      }
      call.AddMember("type", "function", a);
      call.AddMember("function", function, a);
      calls.PushBack(call, a);
    }
    if (!calls.Empty()) m.AddMember("tool_calls", calls, a);
    if (find_member(m, "role") == nullptr) m.AddMember("role", "user", a);
    list.PushBack(m, a);
  }
}

/// The deprecated message events: gen_ai.{system,user,assistant,tool}.message into the
/// prompt, gen_ai.choice into the reply.
void event_messages(const Span& span, rapidjson::Document& prompt, rapidjson::Document& choices) {
  for (const SpanEvent& e : span.events) {
    std::string_view role;
    if (e.name == "gen_ai.system.message") role = "system";
    else if (e.name == "gen_ai.user.message") role = "user";
    else if (e.name == "gen_ai.assistant.message") role = "assistant";
    else if (e.name == "gen_ai.tool.message") role = "tool";
    else if (e.name != "gen_ai.choice") continue;
    rapidjson::Document& list = role.empty() ? choices : prompt;
    if (!list.IsArray()) list.SetArray();
    auto& a = list.GetAllocator();
    Value m(rapidjson::kObjectType);
    rapidjson::Document body;
    const Value* source = &e.attributes;
    if (const Value* content = find_member(e.attributes, "gen_ai.event.content")) source = parsed(content, body);
    if (const Value* message = find_member(*source, "message"); message != nullptr && role.empty()) {
      rapidjson::Document inner;
      const Value* mm = parsed(message, inner);
      if (mm->IsObject()) copy_value(*mm, m, a);
    }
    if (source->IsObject()) {
      for (const auto& member : source->GetObject()) {
        const std::string_view key = string_of(member.name);
        if (key == "message" && role.empty()) continue;
        if (m.HasMember(member.name)) continue;
        if (key == "id" && role == "tool") {
          m.AddMember("tool_call_id", own(member.value, a), a);
        } else if (key == "tool_calls" && member.value.IsString()) {
          rapidjson::Document calls;
          m.AddMember("tool_calls", own(*parsed(&member.value, calls), a), a);
        } else {
          m.AddMember(own(member.name, a), own(member.value, a), a);
        }
      }
    }
    if (find_member(m, "role") == nullptr) m.AddMember("role", Value(role.empty() ? "assistant" : std::string(role).c_str(), a), a);
    list.PushBack(m, a);
  }
}

/// Vercel AI SDK messages: content parts {type: text | tool-call | tool-result | ...}.
void vercel_messages(const Value& list, rapidjson::Document& out) {
  if (!out.IsArray()) out.SetArray();
  auto& a = out.GetAllocator();
  for (const Value& message : list.GetArray()) {
    const Value* content = find_member(message, "content");
    if (content == nullptr || !content->IsArray()) {
      out.PushBack(own(message, a), a);
      continue;
    }
    Value m(rapidjson::kObjectType), parts(rapidjson::kArrayType), calls(rapidjson::kArrayType);
    std::vector<Value> results;
    for (const Value& part : content->GetArray()) {
      const std::string_view type = text(find_member(part, "type")).value_or("");
      const Value* args = find_member(part, "input");
      if (args == nullptr) args = find_member(part, "args");
      if (type == "tool-call") {
        Value call(rapidjson::kObjectType), function(rapidjson::kObjectType);
        if (const Value* id = find_member(part, "toolCallId")) call.AddMember("id", own(*id, a), a);
        call.AddMember("type", "function", a);
        if (const Value* name = find_member(part, "toolName")) function.AddMember("name", own(*name, a), a);
        if (args != nullptr) function.AddMember("arguments", own(*args, a), a);
        call.AddMember("function", function, a);
        calls.PushBack(call, a);
      } else if (type == "tool-result") {
        Value r(rapidjson::kObjectType);
        r.AddMember("role", "tool", a);
        if (const Value* id = find_member(part, "toolCallId")) r.AddMember("tool_call_id", own(*id, a), a);
        if (const Value* name = find_member(part, "toolName")) r.AddMember("name", own(*name, a), a);
        const Value* result = find_member(part, "output");
        if (result == nullptr) result = find_member(part, "result");
        r.AddMember("content", result == nullptr ? Value() : result->IsString() ? own(*result, a) : Value(json_of(*result).c_str(), a), a);
        results.push_back(std::move(r));
      } else {
        parts.PushBack(own(part, a), a);
      }
    }
    if (!parts.Empty() || !calls.Empty()) {
      for (const auto& member : message.GetObject()) {
        if (string_of(member.name) != "content") m.AddMember(own(member.name, a), own(member.value, a), a);
      }
      if (parts.Size() == 1 && text(find_member(parts[0], "text")) && parts[0].MemberCount() == 2) {
        m.AddMember("content", own(parts[0]["text"], a), a);
      } else {
        m.AddMember("content", parts.Empty() ? Value() : own(parts, a), a);
      }
      if (!calls.Empty()) m.AddMember("tool_calls", calls, a);
      out.PushBack(m, a);
    }
    for (Value& r : results) out.PushBack(r, a);
  }
}

/// any-agent's gen_ai.output of an LLM call: a list of {tool.name, tool.args} (tool calls),
/// else the model's text as written.
void any_agent_reply(const Value& output, rapidjson::Document& reply) {
  reply.SetObject();
  auto& a = reply.GetAllocator();
  reply.AddMember("role", "assistant", a);
  rapidjson::Document parsed_output;
  const Value* list = parsed(&output, parsed_output);
  bool calls = list->IsArray() && !list->Empty();
  if (calls) {
    for (const Value& item : list->GetArray()) calls = calls && find_member(item, "tool.name") != nullptr;
  }
  if (!calls) {
    reply.AddMember("content", output.IsString() ? own(output, a) : Value(json_of(output).c_str(), a), a);
    return;
  }
  Value array(rapidjson::kArrayType);
  for (const Value& item : list->GetArray()) {
    Value call(rapidjson::kObjectType), function(rapidjson::kObjectType);
    if (const Value* id = find_member(item, "tool.call.id")) call.AddMember("id", own(*id, a), a);
    call.AddMember("type", "function", a);
    function.AddMember("name", own(*find_member(item, "tool.name"), a), a);
    if (const Value* args = find_member(item, "tool.args")) function.AddMember("arguments", own(*args, a), a);
    call.AddMember("function", function, a);
    array.PushBack(call, a);
  }
  reply.AddMember("content", Value(), a);
  reply.AddMember("tool_calls", array, a);
}

/// The reply from a list of output messages: the first; the others (more choices) in its extra.
void first_choice(rapidjson::Document& choices, rapidjson::Document& reply) {
  if (!choices.IsArray() || choices.Empty()) return;
  copy_value(choices[0], reply, reply.GetAllocator());
  if (choices.Size() > 1 && reply.IsObject()) {
    Value rest(rapidjson::kArrayType);
    for (rapidjson::SizeType i = 1; i < choices.Size(); ++i) rest.PushBack(own(choices[i], reply.GetAllocator()), reply.GetAllocator());
    reply.AddMember("other_choices", rest, reply.GetAllocator());
  }
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> set) {
  for (std::string_view s : set) {
    if (value == s) return true;
  }
  return false;
}

void read_llm(const Span& span, SpanReading& out) {
  const SpanEvent* details = nullptr;
  for (const SpanEvent& e : span.events) {
    if (e.name == "gen_ai.client.inference.operation.details") details = &e;
  }
  const auto attr = [&](const char* key) -> const Value* {
    if (const Value* v = take(span, out, {key})) return v;
    return details != nullptr ? find_member(details->attributes, key) : nullptr;
  };
  rapidjson::Document list(rapidjson::kArrayType), choices;
  if (const Value* system = attr("gen_ai.system_instructions")) {
    rapidjson::Document holder;
    const Value* parts = parsed(system, holder);
    Value m(rapidjson::kObjectType);
    m.AddMember("role", "system", list.GetAllocator());
    if (parts->IsArray()) {
      m.AddMember("parts", own(*parts, list.GetAllocator()), list.GetAllocator());
    } else {
      m.AddMember("content", own(*parts, list.GetAllocator()), list.GetAllocator());
    }
    add_chat_message(m, list, list.GetAllocator());
  }
  bool prompt = list.Size() > 0;
  if (const Value* input = attr("gen_ai.input.messages")) {
    add_chat_messages(input, list);
    prompt = true;
  } else if (const Value* old = take(span, out, {"gen_ai.prompt"})) {
    add_chat_messages(old, list);
    prompt = true;
  } else if (const Value* vercel = take(span, out, {"ai.prompt.messages"})) {
    rapidjson::Document holder;
    const Value* messages = parsed(vercel, holder);
    if (messages->IsArray()) vercel_messages(*messages, list);
    else add_chat_messages(vercel, list);
    prompt = true;
  } else if (const Value* call = take(span, out, {"ai.prompt"})) {
    // The Vercel AI SDK's outer span: {system?, prompt?: text, messages?: [...]}.
    rapidjson::Document holder;
    const Value* p = parsed(call, holder);
    auto& a = list.GetAllocator();
    if (const Value* system = find_member(*p, "system"); system != nullptr && system->IsString()) {
      Value m(rapidjson::kObjectType);
      m.AddMember("role", "system", a);
      m.AddMember("content", own(*system, a), a);
      list.PushBack(m, a);
    }
    if (const Value* messages = find_member(*p, "messages"); messages != nullptr && messages->IsArray()) vercel_messages(*messages, list);
    if (const Value* text_prompt = find_member(*p, "prompt"); text_prompt != nullptr && !text_prompt->IsNull()) {
      if (text_prompt->IsArray()) vercel_messages(*text_prompt, list);
      else add_chat_message(*text_prompt, list, a);
    }
    if (!p->IsObject()) add_chat_message(*p, list, a);
    prompt = true;
  } else {
    flattened_messages(span, "gen_ai.prompt.", out, list);
    event_messages(span, list, choices);
    prompt = prompt || list.Size() > 0;
  }
  if (prompt) out.prompt.Swap(list);

  if (const Value* output = attr("gen_ai.output.messages")) {
    rapidjson::Document messages(rapidjson::kArrayType);
    add_chat_messages(output, messages);
    first_choice(messages, out.reply);
  } else if (const Value* completion = take(span, out, {"gen_ai.completion"})) {
    rapidjson::Document holder;
    const Value* c = parsed(completion, holder);
    rapidjson::Document messages(rapidjson::kArrayType);
    if (c->IsArray()) {
      add_chat_messages(c, messages);
    } else if (c->IsObject() && find_member(*c, "role") == nullptr) {
      Value m(rapidjson::kObjectType);  // {text, finish_reason}: the reply's text and its details
      m.AddMember("role", "assistant", messages.GetAllocator());
      for (const auto& member : c->GetObject()) {
        m.AddMember(string_of(member.name) == "text" ? Value("content") : own(member.name, messages.GetAllocator()),
                    own(member.value, messages.GetAllocator()), messages.GetAllocator());
      }
      messages.PushBack(m, messages.GetAllocator());
    } else {
      add_chat_message(*c, messages, messages.GetAllocator());
      if (messages[0].IsObject() && c->IsString()) messages[0]["role"] = "assistant";
    }
    first_choice(messages, out.reply);
  } else if (const Value* any_agent_output = span.attribute("gen_ai.output")) {
    out.used.emplace("gen_ai.output");
    out.used.emplace("gen_ai.output.type");
    any_agent_reply(*any_agent_output, out.reply);
  } else if (const Value* text_reply = take(span, out, {"ai.response.text", "ai.response.object"});
             text_reply != nullptr || span.attribute("ai.response.toolCalls") != nullptr) {
    out.reply.SetObject();
    auto& a = out.reply.GetAllocator();
    out.reply.AddMember("role", "assistant", a);
    out.reply.AddMember("content", text_reply != nullptr ? own(*text_reply, a) : Value(), a);
    if (const Value* calls = take(span, out, {"ai.response.toolCalls"})) {
      rapidjson::Document holder;
      const Value* list_value = parsed(calls, holder);
      Value array(rapidjson::kArrayType);
      if (list_value->IsArray()) {
        for (const Value& c : list_value->GetArray()) {
          Value call(rapidjson::kObjectType), function(rapidjson::kObjectType);
          if (const Value* id = find_member(c, "toolCallId")) call.AddMember("id", own(*id, a), a);
          call.AddMember("type", "function", a);
          if (const Value* name = find_member(c, "toolName")) function.AddMember("name", own(*name, a), a);
          const Value* args = find_member(c, "input") != nullptr ? find_member(c, "input") : find_member(c, "args");
          if (args != nullptr) function.AddMember("arguments", own(*args, a), a);
          call.AddMember("function", function, a);
          array.PushBack(call, a);
        }
      }
      if (!array.Empty()) out.reply.AddMember("tool_calls", array, a);
    }
  } else {
    rapidjson::Document flat(rapidjson::kArrayType);
    flattened_messages(span, "gen_ai.completion.", out, flat);
    for (Value& m : flat.GetArray()) {
      if (!m.HasMember("role") || m["role"] == "user") m["role"] = "assistant";
    }
    if (flat.Empty() && choices.IsArray()) first_choice(choices, out.reply);
    else first_choice(flat, out.reply);
  }
  out.usage.input = count(span, out, {"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "ai.usage.inputTokens", "ai.usage.promptTokens"});
  out.usage.output = count(span, out, {"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "ai.usage.outputTokens", "ai.usage.completionTokens"});
  out.usage.total = count(span, out, {"gen_ai.usage.total_tokens", "llm.usage.total_tokens", "ai.usage.totalTokens"});
  out.usage.cache_read = count(span, out, {"gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "ai.usage.cachedInputTokens"});
  out.usage.cache_creation = count(span, out, {"gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"});
  out.usage.reasoning = count(span, out, {"gen_ai.usage.reasoning.output_tokens", "ai.usage.reasoningTokens"});
  const auto in_cost = number(span.attribute("gen_ai.usage.input_cost")), out_cost = number(span.attribute("gen_ai.usage.output_cost"));
  if (in_cost || out_cost) {  // any-agent's USD per call
    out.cost = in_cost.value_or(0) + out_cost.value_or(0);
    out.used.emplace("gen_ai.usage.input_cost");
    out.used.emplace("gen_ai.usage.output_cost");
  }
  if (auto m = text(take(span, out, {"gen_ai.response.model", "gen_ai.request.model", "ai.response.model", "ai.model.id"}))) out.model = std::string(*m);
}

}  // namespace

void read_gen_ai(const Span& span, SpanReading& out) {
  const std::string operation(text(span.attribute("gen_ai.operation.name")).value_or(""));
  const std::string vercel(text(span.attribute("ai.operationId")).value_or(""));
  bool gen_ai = false, llm_data = false;
  for (const auto& m : span.attributes.GetObject()) {
    const std::string_view key = string_of(m.name);
    if (key.rfind("gen_ai.", 0) == 0 || key.rfind("ai.", 0) == 0) gen_ai = true;
    if (key.rfind("gen_ai.input.messages", 0) == 0 || key.rfind("gen_ai.output.messages", 0) == 0 || key.rfind("gen_ai.prompt", 0) == 0 ||
        key.rfind("gen_ai.completion", 0) == 0 || key.rfind("gen_ai.usage.", 0) == 0 || key == "ai.prompt.messages" ||
        key == "ai.response.text" || key == "ai.response.object" || key == "ai.response.toolCalls") {
      llm_data = true;
    }
  }
  for (const SpanEvent& e : span.events) {
    if (e.name.rfind("gen_ai.", 0) == 0) gen_ai = llm_data = true;
  }
  if (!gen_ai) return;
  out.flavour = "gen_ai";
  if (operation == "execute_tool" || vercel == "ai.toolCall" || (operation.empty() && span.attribute("gen_ai.tool.name") != nullptr)) {
    out.part = SpanPart::tool;
    out.used.emplace("gen_ai.operation.name");
    out.call_id = std::string(text(take(span, out, {"gen_ai.tool.call.id", "ai.toolCall.id"})).value_or(""));
    out.tool_name = std::string(text(take(span, out, {"gen_ai.tool.name", "ai.toolCall.name"})).value_or(""));
    if (const Value* args = take(span, out, {"gen_ai.tool.call.arguments", "gen_ai.tool.args", "ai.toolCall.args", "ai.toolCall.input"})) {
      out.arguments_json = json_of(*args);
    }
    if (const Value* result = take(span, out, {"gen_ai.tool.call.result", "gen_ai.output", "ai.toolCall.result", "ai.toolCall.output"})) {
      out.result_json = string_or_quoted_json(*result);
      if (span.attribute("gen_ai.output") == result) out.used.emplace("gen_ai.output.type");
    }
    out.is_error = span.status_code == "error";
    return;
  }
  // Agent and workflow spans may carry the totals of the calls below them: never counted.
  const bool llm_operation = one_of(operation, {"chat", "text_completion", "generate_content", "call_llm", "completion", "generate"});
  if (!llm_operation && (!operation.empty() || !llm_data)) return;
  if (vercel == "ai.embed" || vercel == "ai.embedMany") return;
  out.part = SpanPart::llm;
  if (!operation.empty()) out.used.emplace("gen_ai.operation.name");
  read_llm(span, out);
}

}  // namespace tracemill::normalize::spans

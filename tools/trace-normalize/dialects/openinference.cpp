// What a span carrying OpenInference attributes (Arize Phoenix, openinference-instrumentation-*)
// says about the chat: `openinference.span.kind` LLM / TOOL / CHAIN / AGENT / ..., messages
// flattened as `llm.input_messages.N.message.{role, content, name, tool_call_id,
// contents.M.message_content.{type, text, image.image.url}, tool_calls.M.tool_call.{id,
// function.name, function.arguments}}` (or nested, which decoding flattens the same way),
// `llm.output_messages` likewise, `llm.token_count.*`, `llm.model_name`; tool spans `tool.name`,
// `tool_call.id`, `input.value` (arguments) and `output.value` (result).
#include "../span_chat.hpp"

#include <cctype>
#include <cstdlib>

namespace tracemill::normalize::spans {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

/// The index after `prefix` in `key` ("tool_calls.3.tool_call.id" -> 3, rest "tool_call.id").
bool split_index(const std::string& key, std::string_view prefix, size_t& index, std::string& rest) {
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  const char* start = key.c_str() + prefix.size();
  char* end = nullptr;
  index = static_cast<size_t>(std::strtoul(start, &end, 10));
  if (end == start || *end != '.') return false;
  rest = std::string(end + 1);
  return true;
}

/// One message from its flattened members ("message.role", "message.tool_calls.0.tool_call.id", ...).
Value message_of(const std::vector<std::pair<std::string, const Value*>>& members, Allocator& a) {
  Value m(rapidjson::kObjectType);
  std::map<size_t, Value> calls, parts;
  for (const auto& [full, value] : members) {
    std::string key = full.rfind("message.", 0) == 0 ? full.substr(8) : full;
    size_t index = 0;
    std::string rest;
    if (split_index(key, "tool_calls.", index, rest)) {
      if (rest.rfind("tool_call.", 0) == 0) rest = rest.substr(10);
      Value& call = calls[index];
      if (!call.IsObject()) call.SetObject();
      call.AddMember(Value(rest.c_str(), a), own(*value, a), a);
    } else if (split_index(key, "contents.", index, rest)) {
      if (rest.rfind("message_content.", 0) == 0) rest = rest.substr(16);
      Value& part = parts[index];
      if (!part.IsObject()) part.SetObject();
      part.AddMember(Value(rest.c_str(), a), own(*value, a), a);
    } else {
      if (m.HasMember(key.c_str())) continue;
      m.AddMember(Value(key.c_str(), a), own(*value, a), a);
    }
  }
  if (!calls.empty()) {
    Value list(rapidjson::kArrayType);
    for (auto& [k, flat] : calls) {
      Value call(rapidjson::kObjectType), function(rapidjson::kObjectType);
      for (auto& member : flat.GetObject()) {
        const std::string_view name = string_of(member.name);
        if (name == "function.name") function.AddMember("name", own(member.value, a), a);
        else if (name == "function.arguments") function.AddMember("arguments", own(member.value, a), a);
        else call.AddMember(own(member.name, a), own(member.value, a), a);
      }
      call.AddMember("type", "function", a);
      call.AddMember("function", function, a);
      list.PushBack(call, a);
    }
    m.AddMember("tool_calls", list, a);
  }
  if (!parts.empty() && !m.HasMember("content")) {
    Value list(rapidjson::kArrayType);
    size_t texts = 0;
    for (auto& [k, flat] : parts) {
      const std::string_view type = text(find_member(flat, "type")).value_or("");
      if (type == "image" && find_member(flat, "image.image.url") != nullptr) {
        Value part(rapidjson::kObjectType), url(rapidjson::kObjectType);
        part.AddMember("type", "image_url", a);
        url.AddMember("url", own(flat["image.image.url"], a), a);
        part.AddMember("image_url", url, a);
        list.PushBack(part, a);
      } else {
        if (type == "text") ++texts;
        list.PushBack(own(flat, a), a);  // {type: text, text} is OpenAI's text part already
      }
    }
    if (texts == 1 && list.Size() == 1 && list[0].MemberCount() == 2 && text(find_member(list[0], "text"))) {
      m.AddMember("content", own(list[0]["text"], a), a);
    } else {
      m.AddMember("content", list, a);
    }
  }
  if (!m.HasMember("role")) m.AddMember("role", "user", a);
  return m;
}

void messages_of(const Span& span, const char* prefix, SpanReading& out, rapidjson::Document& list) {
  if (!list.IsArray()) list.SetArray();
  for (const auto& [index, members] : indexed_attributes(span, prefix, out.used)) {
    list.PushBack(message_of(members, list.GetAllocator()), list.GetAllocator());
  }
}

std::optional<int64_t> count(const Span& span, SpanReading& out, const char* key) {
  auto n = integer(span.attribute(key));
  if (n) out.used.emplace(key);
  return n;
}

}  // namespace

bool read_openinference(const Span& span, SpanReading& out) {
  std::string kind(text(span.attribute("openinference.span.kind")).value_or(""));
  for (char& c : kind) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  bool messages = false;
  for (const auto& m : span.attributes.GetObject()) {
    const std::string_view key = string_of(m.name);
    if (key.rfind("llm.input_messages.", 0) == 0 || key.rfind("llm.output_messages.", 0) == 0) messages = true;
  }
  if (kind.empty() && !messages) return false;
  out.flavour = "openinference";
  out.used.emplace("openinference.span.kind");
  if (kind == "TOOL") {
    out.part = SpanPart::tool;
    for (const char* key : {"tool_call.id", "tool.id"}) {
      if (auto id = text(span.attribute(key)); id && out.call_id.empty()) {
        out.call_id = std::string(*id);
        out.used.emplace(key);
      }
    }
    if (auto name = text(span.attribute("tool.name"))) {
      out.tool_name = std::string(*name);
      out.used.emplace("tool.name");
    } else if (auto function = text(span.attribute("tool_call.function.name"))) {
      out.tool_name = std::string(*function);
      out.used.emplace("tool_call.function.name");
    }
    for (const char* key : {"tool_call.function.arguments", "input.value", "tool.parameters"}) {
      if (const Value* args = span.attribute(key); args != nullptr && out.arguments_json.empty()) {
        out.arguments_json = json_of(*args);
        out.used.emplace(key);
      }
    }
    if (const Value* result = span.attribute("output.value")) {
      out.result_json = string_or_quoted_json(*result);
      out.used.emplace("output.value");
    }
    out.is_error = span.status_code == "error";
    return true;
  }
  if (kind != "LLM" && !(kind.empty() && messages)) return true;  // CHAIN, AGENT, RETRIEVER, ...: kept as events
  out.part = SpanPart::llm;
  rapidjson::Document prompt(rapidjson::kArrayType), choices(rapidjson::kArrayType);
  messages_of(span, "llm.input_messages.", out, prompt);
  if (prompt.Size() > 0) out.prompt.Swap(prompt);
  messages_of(span, "llm.output_messages.", out, choices);
  if (choices.Size() > 0) {
    copy_value(choices[0], out.reply, out.reply.GetAllocator());
    if (choices.Size() > 1) {
      Value rest(rapidjson::kArrayType);
      for (rapidjson::SizeType i = 1; i < choices.Size(); ++i) rest.PushBack(own(choices[i], out.reply.GetAllocator()), out.reply.GetAllocator());
      out.reply.AddMember("other_choices", rest, out.reply.GetAllocator());
    }
  } else if (const Value* output = span.attribute("output.value"); output != nullptr && output->IsString() &&
                                                                   text(span.attribute("output.mime_type")).value_or("text/plain") == "text/plain") {
    out.reply.SetObject();
    out.reply.AddMember("role", "assistant", out.reply.GetAllocator());
    out.reply.AddMember("content", own(*output, out.reply.GetAllocator()), out.reply.GetAllocator());
    out.used.emplace("output.value");
  }
  out.usage.input = count(span, out, "llm.token_count.prompt");
  out.usage.output = count(span, out, "llm.token_count.completion");
  out.usage.total = count(span, out, "llm.token_count.total");
  out.usage.cache_read = count(span, out, "llm.token_count.prompt_details.cache_read");
  out.usage.cache_creation = count(span, out, "llm.token_count.prompt_details.cache_write");
  out.usage.reasoning = count(span, out, "llm.token_count.completion_details.reasoning");
  if (auto model = text(span.attribute("llm.model_name"))) {
    out.model = std::string(*model);
    out.used.emplace("llm.model_name");
  }
  return true;
}

}  // namespace tracemill::normalize::spans

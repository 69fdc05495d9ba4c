#include "provider_chat.hpp"
#include "session_builder.hpp"

#include <string_view>

namespace tracemill::normalize::provider {
namespace {

std::string role_of(std::string_view role) {
  if (role == "model" || role == "ai" || role == "AIMessage" || role == "AIMessageChunk" || role == "bot") return "assistant";
  if (role == "human" || role == "HumanMessage") return "user";
  if (role == "developer" || role == "SystemMessage") return "system";
  if (role == "function" || role == "ToolMessage" || role == "ipython") return "tool";
  if (role == "system" || role == "user" || role == "assistant" || role == "tool") return std::string(role);
  return {};
}

const Value* first_of(const Value& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (const Value* v = find_present(object, key)) return v;
  }
  return nullptr;
}

std::string text_of(const Value* value) { return value != nullptr && value->IsString() ? std::string(string_of(*value)) : std::string(); }

/// Arguments as JSON text in a JSON string: strings as written, anything else serialised.
std::string arguments_json(const Value* arguments) {
  if (arguments == nullptr || arguments->IsNull()) return quote("{}");
  if (arguments->IsString()) return json_of(*arguments);
  return quote(json_of(*arguments));
}

/// A tool result's content: strings as written, anything else as its JSON text.
std::string result_json(const Value* result) {
  if (result == nullptr) return "null";
  if (result->IsString()) return json_of(*result);
  return quote(json_of(*result));
}

std::string call_json(const std::string& id, const std::string& name, const std::string& arguments) {
  return "{\"id\":" + quote(id) + ",\"type\":\"function\",\"function\":{\"name\":" + quote(name) +
         ",\"arguments\":" + arguments + "}}";
}

/// One message's JSON text; empty members left out, content null when there is none.
std::string message_json(const std::string& role, const std::string& content, const std::string& calls,
                         const std::string& tool_call_id = {}, const std::string& name = {},
                         const std::string& reasoning = {}, const std::string& original_role = {}) {
  std::string out = "{\"role\":" + quote(role) + ",\"content\":" + (content.empty() ? "null" : content);
  if (!original_role.empty()) out += ",\"original_role\":" + quote(original_role);
  if (!calls.empty()) out += ",\"tool_calls\":[" + calls + "]";
  if (!tool_call_id.empty()) out += ",\"tool_call_id\":" + quote(tool_call_id);
  if (!name.empty()) out += ",\"name\":" + quote(name);
  if (!reasoning.empty()) out += ",\"reasoning\":[" + reasoning + "]";
  return out + "}";
}

void append(std::string& list, const std::string& item) { list += (list.empty() ? "" : ",") + item; }

bool is_tool_definition(const Value& content) {
  const Value* function = find_member(content, "function");
  return text(find_member(content, "type")) == std::optional<std::string_view>("function") && function != nullptr &&
         function->IsObject() && find_member(*function, "parameters") != nullptr;
}

bool is_responses_item(const Value& item) {
  const auto type = text(find_member(item, "type"));
  if (!type) return false;
  return *type == "function_call" || *type == "function_call_output" || *type == "function_call_result" || *type == "reasoning" ||
         (*type == "message" && find_member(item, "role") != nullptr) || *type == "computer_call" ||
         *type == "custom_tool_call" || *type == "custom_tool_call_output";
}

/// A string holding a JSON list of OpenAI tool calls, each with an id and a function name.
bool is_call_list_text(const Value& body, Embedded& embedded) {
  std::string_view s = string_of(body);
  if (s.empty() || s.front() != '[') return false;
  const Value& list = *embedded.resolve(&body);
  if (!list.IsArray() || list.Empty()) return false;
  for (const Value& call : list.GetArray()) {
    const Value* function = find_member(call, "function");
    if (function == nullptr || !function->IsObject() || !text(find_member(*function, "name")) || !text(find_member(call, "id"))) return false;
  }
  return true;
}

/// A string that is itself a JSON string literal (a text payload encoded twice): its text.
std::string string_json(const Value& v) {
  const std::string_view s = string_of(v);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
    rapidjson::Document inner;
    inner.Parse(s.data(), s.size());
    if (!inner.HasParseError() && inner.IsString()) return json_of(inner);
  }
  return json_of(v);
}

bool has_input_parts(const Value& item) {
  const Value* content = find_member(item, "content");
  if (content == nullptr || !content->IsArray() || content->Empty()) return false;
  const auto type = text(find_member((*content)[0], "type"));
  return type && (*type == "input_text" || *type == "input_image" || *type == "output_text");
}

}  // namespace

bool is_message_list(const Value& value) {
  if (!value.IsArray() || value.Empty()) return false;
  for (const Value& m : value.GetArray()) {
    if (!m.IsObject() || (find_member(m, "role") == nullptr && find_member(m, "type") == nullptr &&
                          find_member(m, "toolCallId") == nullptr)) {
      return false;
    }
  }
  return true;
}

std::string Converter::call_id(const std::string& name) {
  std::string id = "call_" + name + "_" + std::to_string(ranks_[name]++);
  open_[name].push_back(id);
  return id;
}

std::string Converter::answer_id(const std::string& name) {
  auto& open = open_[name];
  if (!open.empty()) {
    std::string id = open.front();
    open.erase(open.begin());
    return id;
  }
  if (name.empty()) {  // a result naming nothing: the oldest open call of any name
    for (auto& [other, ids] : open_) {
      if (ids.empty()) continue;
      std::string id = ids.front();
      ids.erase(ids.begin());
      return id;
    }
  }
  return {};
}

void Converter::message(const Value& value, Embedded& embedded, const char* default_role) {
  const Value& v = *embedded.resolve(&value);
  if (!v.IsObject()) {
    if (v.IsString()) messages.push_back(message_json(default_role, json_of(v), {}));
    else if (!v.IsNull()) messages.push_back(message_json(default_role, quote(json_of(v)), {}));
    return;
  }
  // A typed Responses item other than a message (which is read below, never sent back: no recursion).
  if (is_responses_item(v) && text(find_member(v, "type")) != std::optional<std::string_view>("message")) {
    // A single item: converted by the item path, through a one-item list.
    rapidjson::Document one;
    one.SetArray();
    one.PushBack(Value(v, one.GetAllocator()), one.GetAllocator());
    responses_items(one, embedded);
    return;
  }
  std::string role;
  if (auto r = text(find_member(v, "role"))) role = role_of(*r);
  if (role.empty()) {
    if (auto t = text(find_member(v, "type"))) role = role_of(*t);
  }
  if (role.empty()) role = default_role;
  std::string content, calls, reasoning, tool_call_id = text_of(find_member(v, "tool_call_id")),
                                          name = text_of(find_member(v, "name"));
  std::vector<std::string> results;  // tool messages carried inside this message (Anthropic, Gemini, Vercel)
  std::vector<std::string> parts;    // content parts in source order (trace/v1 form)
  std::vector<std::string> texts;    // the text of each text part among them
  const Value* source_parts = find_present(v, "parts");
  const Value* body = source_parts != nullptr ? source_parts : first_of(v, {"content", "text"});
  if (body != nullptr && body->IsObject() == false && source_parts != nullptr) body = embedded.resolve(body);
  if (body != nullptr && source_parts == nullptr && body->IsObject() && role == "tool" && tool_call_id.empty() &&
      is_tool_definition(*body)) {
    rest.emplace_back("tools", json_of(*body));  // LangChain lists tool definitions as tool messages
    return;
  }
  if (body != nullptr && body->IsArray()) {
    for (const Value& part : body->GetArray()) {
      if (part.IsString()) {
        texts.push_back(json_of(part));
        parts.push_back("{\"type\":\"text\",\"text\":" + texts.back() + "}");
        continue;
      }
      const std::string type = text_of(find_member(part, "type"));
      const Value* gemini_call = first_of(part, {"function_call", "functionCall"});
      const Value* gemini_result = first_of(part, {"function_response", "functionResponse"});
      if (gemini_call != nullptr && gemini_call->IsObject()) {
        const std::string n = text_of(find_member(*gemini_call, "name"));
        std::string id = text_of(find_member(*gemini_call, "id"));
        if (id.empty()) id = call_id(n);
        append(calls, call_json(id, n, arguments_json(first_of(*gemini_call, {"args", "arguments"}))));
      } else if (gemini_result != nullptr && gemini_result->IsObject()) {
        const std::string n = text_of(find_member(*gemini_result, "name"));
        std::string id = text_of(find_member(*gemini_result, "id"));
        if (id.empty()) id = answer_id(n);
        results.push_back(message_json("tool", result_json(find_member(*gemini_result, "response")), {}, id, n));
      } else if (type == "tool_call" || type == "tool-call" || type == "tool_use" || type == "function_call") {
        const std::string n = text_of(first_of(part, {"name", "toolName"}));
        std::string id = text_of(first_of(part, {"id", "toolCallId", "call_id"}));
        if (id.empty()) id = call_id(n);
        append(calls, call_json(id, n, arguments_json(first_of(part, {"arguments", "input", "args"}))));
      } else if (type == "tool_call_response" || type == "tool-result" || type == "tool_result" ||
                 type == "function_call_output") {
        std::string id = text_of(first_of(part, {"id", "toolCallId", "tool_use_id", "call_id"}));
        const std::string n = text_of(first_of(part, {"name", "toolName"}));
        if (id.empty()) id = answer_id(n);
        results.push_back(message_json("tool", result_json(first_of(part, {"response", "result", "output", "content"})),
                                       {}, id, n));
      } else if (type == "thinking" || type == "reasoning") {
        append(reasoning, "{\"type\":\"thinking\",\"text\":" +
                              json_of(*(first_of(part, {"thinking", "content", "text"}) ? first_of(part, {"thinking", "content", "text"}) : &part)) + "}");
      } else if (const Value* t = first_of(part, {"text", "content"}); t != nullptr && t->IsString() &&
                 (type.empty() || type == "text" || type == "input_text" || type == "output_text")) {
        texts.push_back(json_of(*t));
        std::string others;  // citations, cache_control, annotations: under the part's extra
        for (const auto& m : part.GetObject()) {
          if (&m.value == t || string_of(m.name) == "type") continue;
          others += (others.empty() ? "" : ",") + quote(string_of(m.name)) + ":" + json_of(m.value);
        }
        if (!others.empty()) texts.back().clear();  // a part with more than its text is no plain string
        parts.push_back("{\"type\":\"text\",\"text\":" + json_of(*t) + (others.empty() ? "" : ",\"extra\":{" + others + "}") + "}");
      } else {
        parts.push_back(trace_part_json(part));  // an image, audio, file: as trace/v1 has it, else as text
      }
    }
    if (parts.size() == 1 && texts.size() == 1 && !texts[0].empty()) {
      content = texts[0];
    } else if (!parts.empty()) {
      std::string all;
      for (const std::string& part : parts) append(all, part);
      content = "[" + all + "]";
    }
  } else if (body != nullptr && body->IsString() && is_call_list_text(*body, embedded) && tool_call_id.empty()) {
    // Koog writes a reply's tool calls as JSON text in content (and repeats them as role tool).
    const Value& list = *embedded.resolve(body);
    for (const Value& call : list.GetArray()) {
      const Value& function = *find_member(call, "function");
      const std::string n = text_of(find_member(function, "name"));
      const std::string id = text_of(find_member(call, "id"));
      open_[n].push_back(id);
      append(calls, call_json(id, n, arguments_json(find_member(function, "arguments"))));
    }
    if (role == "tool") {
      messages.push_back(message_json("assistant", {}, calls, {}, {}, {}, "tool"));
      return;
    }
  } else if (body != nullptr && body->IsString()) {
    content = json_of(*body);
  } else if (body != nullptr && !body->IsNull()) {
    content = quote(json_of(*body));
  }
  const Value* tool_calls = find_present(v, "tool_calls");
  if (tool_calls == nullptr) {
    if (const Value* kwargs = find_member(v, "additional_kwargs")) tool_calls = find_present(*kwargs, "tool_calls");
  }
  if (tool_calls != nullptr) tool_calls = embedded.resolve(tool_calls);
  if (tool_calls != nullptr && tool_calls->IsArray()) {
    for (const Value& call : tool_calls->GetArray()) {
      const Value* function = find_member(call, "function");
      const Value& source = function != nullptr && function->IsObject() ? *function : call;
      const std::string n = text_of(find_member(source, "name"));
      std::string id = text_of(first_of(call, {"id", "call_id"}));
      if (id.empty()) id = call_id(n);
      append(calls, call_json(id, n, arguments_json(first_of(source, {"arguments", "args", "input"}))));
    }
  }
  if (const Value* fc = find_present(v, "function_call"); fc != nullptr && fc->IsObject() && calls.empty()) {
    const std::string n = text_of(find_member(*fc, "name"));
    append(calls, call_json(call_id(n), n, arguments_json(find_member(*fc, "arguments"))));
  }
  if (role == "assistant" && content == "\"\"" && !calls.empty()) content.clear();
  if (role == "tool" && tool_call_id.empty()) tool_call_id = answer_id(name);  // the oldest open call
  const bool only_results = !results.empty() && content.empty() && calls.empty() && reasoning.empty();
  if (!only_results) {
    if (role != "tool") tool_call_id.clear();
    messages.push_back(message_json(role, content, calls, tool_call_id, role == "tool" ? name : std::string(), reasoning));
  }
  for (std::string& result : results) messages.push_back(std::move(result));
}

void Converter::flush_assistant() {
  if (pending_calls_.empty() && pending_text_.empty() && pending_reasoning_.empty()) return;
  messages.push_back(message_json("assistant", pending_text_, pending_calls_, {}, {}, pending_reasoning_));
  pending_calls_.clear();
  pending_text_.clear();
  pending_reasoning_.clear();
}

void Converter::responses_items(const Value& items, Embedded& embedded) {
  if (!items.IsArray()) return;
  for (const Value& raw : items.GetArray()) {
    const Value& item = *embedded.resolve(&raw);
    const std::string type = text_of(find_member(item, "type"));
    const std::string role = text_of(find_member(item, "role"));
    if (type == "function_call" || type == "custom_tool_call" || type == "computer_call") {
      const std::string n = text_of(find_member(item, "name"));
      std::string id = text_of(first_of(item, {"call_id", "callId", "id"}));
      if (id.empty()) id = call_id(n);
      append(pending_calls_, call_json(id, n.empty() ? type : n, arguments_json(first_of(item, {"arguments", "input", "action"}))));
    } else if (type == "function_call_output" || type == "function_call_result" || type == "custom_tool_call_output" ||
               type == "computer_call_output") {
      flush_assistant();
      const Value* output = find_member(item, "output");
      // JS SDK results: {type: "text", text}.
      if (output != nullptr && output->IsObject() && find_member(*output, "text") != nullptr) output = find_member(*output, "text");
      messages.push_back(message_json("tool", result_json(output), {}, text_of(first_of(item, {"call_id", "callId", "id"})),
                                      text_of(find_member(item, "name"))));
    } else if (type == "reasoning") {
      if (const Value* summary = find_member(item, "summary"); summary != nullptr && summary->IsArray()) {
        for (const Value& s : summary->GetArray()) {
          if (const Value* t = find_member(s, "text")) append(pending_reasoning_, "{\"type\":\"summary\",\"text\":" + json_of(*t) + "}");
        }
      }
      if (const Value* data = find_present(item, "encrypted_content")) append(pending_reasoning_, "{\"type\":\"encrypted\",\"data\":" + json_of(*data) + "}");
    } else if (role == "assistant") {
      Converter one;
      one.message(item, embedded, "assistant");
      for (const std::string& m : one.messages) {
        // Text of the open turn: kept apart so that function calls after it join the same message.
        rapidjson::Document d;
        d.Parse(m.c_str());
        if (const Value* c = find_member(d, "content"); c != nullptr && !c->IsNull()) {
          if (!pending_text_.empty() || !pending_calls_.empty()) flush_assistant();
          pending_text_ = json_of(*c);
        }
      }
    } else {
      flush_assistant();
      message(item, embedded, "user");
    }
  }
  flush_assistant();
}

void Converter::gemini_contents(const Value& contents, Embedded& embedded) {
  for (const Value& content : contents.GetArray()) message(content, embedded, "user");
}

void Converter::prompt(const Value* value, Embedded& embedded) {
  if (value == nullptr) return;
  const Value& v = *embedded.resolve(value);
  if (v.IsString()) {
    messages.push_back(message_json("user", string_json(v), {}));
    return;
  }
  if (v.IsArray()) {
    bool responses = false;  // Responses API input: typed items, or messages with input_text parts
    for (const Value& item : v.GetArray()) responses = responses || is_responses_item(item) || has_input_parts(item);
    if (responses) {
      responses_items(v, embedded);
      return;
    }
    for (const Value& m : v.GetArray()) message(m, embedded, "user");
    return;
  }
  if (!v.IsObject()) {
    if (!v.IsNull()) messages.push_back(message_json("user", quote(json_of(v)), {}));
    return;
  }
  // A request wrapper: its system prompt, then its messages; the rest (model, tools, config) kept aside.
  const Value* system = first_of(v, {"system_instruction", "system", "instructions"});
  const Value* config = find_member(v, "config");
  if (system == nullptr && config != nullptr) system = first_of(*config, {"system_instruction", "systemInstruction"});
  const Value* list = first_of(v, {"messages", "contents", "input", "prompt"});
  if (list == nullptr && find_member(v, "role") != nullptr) {
    message(v, embedded, "user");
    return;
  }
  if (system != nullptr) {
    Converter s;
    s.message(*system, embedded, "system");
    for (const std::string& m : s.messages) messages.push_back(m);
  }
  if (list != nullptr) {
    const Value& l = *embedded.resolve(list);
    if (l.IsArray() && find_member(v, "contents") == list) gemini_contents(l, embedded);
    else prompt(&l, embedded);
  }
  for (const auto& m : v.GetObject()) {
    const Value* member = &m.value;
    if (member == list || member == system) continue;
    rest.emplace_back(string_of(m.name), json_of(m.value));
  }
}

void Converter::completion(const Value* value, Embedded& embedded) {
  if (value == nullptr || value->IsNull()) return;
  const Value& v = *embedded.resolve(value);
  if (v.IsString()) {
    messages.push_back(message_json("assistant", string_json(v), {}));
    return;
  }
  if (v.IsArray()) {
    bool vercel_calls = !v.Empty();
    for (const Value& item : v.GetArray()) vercel_calls = vercel_calls && find_member(item, "toolCallId") != nullptr;
    if (vercel_calls) {
      std::string calls;
      for (const Value& item : v.GetArray()) {
        append(calls, call_json(text_of(find_member(item, "toolCallId")), text_of(find_member(item, "toolName")),
                                arguments_json(first_of(item, {"input", "args"}))));
      }
      messages.push_back(message_json("assistant", {}, calls));
      return;
    }
    bool responses = false;
    for (const Value& item : v.GetArray()) responses = responses || is_responses_item(item);
    if (responses) {
      responses_items(v, embedded);
      return;
    }
    for (const Value& m : v.GetArray()) message(m, embedded, "assistant");
    return;
  }
  if (!v.IsObject()) {
    messages.push_back(message_json("assistant", quote(json_of(v)), {}));
    return;
  }
  const Value* inner = nullptr;
  if (const Value* choices = find_member(v, "choices"); choices != nullptr && choices->IsArray() && !choices->Empty()) {
    inner = find_present((*choices)[0], "message");
    if (inner == nullptr) inner = find_present((*choices)[0], "delta");
  } else if (const Value* candidates = find_member(v, "candidates"); candidates != nullptr && candidates->IsArray() &&
                                                                     !candidates->Empty()) {
    inner = find_present((*candidates)[0], "content");
  } else if (const Value* output = find_member(v, "output"); output != nullptr && output->IsArray()) {
    responses_items(*output, embedded);
    return;
  } else if (const Value* generations = find_member(v, "generations"); generations != nullptr && generations->IsArray()) {
    // LangChain LLMResult: generations[0][0].message (or .text).
    const Value* g = generations;
    while (g != nullptr && g->IsArray() && !g->Empty()) g = &(*g)[0];
    if (g != nullptr) inner = first_of(*g, {"message", "text"});
    if (inner != nullptr && inner->IsObject() && find_member(*inner, "kwargs") != nullptr) inner = find_member(*inner, "kwargs");
  } else if (find_member(v, "role") == nullptr && find_present(v, "message") != nullptr) {
    inner = find_present(v, "message");
  } else if (find_member(v, "role") == nullptr && find_present(v, "content") != nullptr &&
             find_present(v, "content")->IsObject()) {
    inner = find_present(v, "content");  // Gemini response {content: {role: model, parts}}
  }
  if (inner != nullptr) {
    for (const auto& m : v.GetObject()) {
      if (string_of(m.name) != "choices" && string_of(m.name) != "candidates" && string_of(m.name) != "message" &&
          string_of(m.name) != "content" && string_of(m.name) != "generations") {
        rest.emplace_back(string_of(m.name), json_of(m.value));
      }
    }
    message(*inner, embedded, "assistant");
    return;
  }
  message(v, embedded, "assistant");
}

}  // namespace tracemill::normalize::provider

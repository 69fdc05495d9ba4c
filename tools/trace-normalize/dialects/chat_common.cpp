#include "chat_common.hpp"

#include "agent_common.hpp"

#include <libstream/hash.hpp>
#include <libstream/json.hpp>

#include <rapidjson/writer.h>

#include <tuple>

namespace tracemill::normalize::chat {

Tag tag_of(std::string_view name) {
  if (name == "system") return Tag::system;
  if (name == "human" || name == "user") return Tag::user;
  if (name == "gpt" || name == "assistant" || name == "chatgpt" || name == "bard" || name == "bing" ||
      name == "model" || name == "bot") {
    return Tag::assistant;
  }
  if (name == "function_call" || name == "tool_call" || name == "tool_calls") return Tag::function_call;
  if (name == "observation" || name == "tool" || name == "function" || name == "function_response" ||
      name == "tool_response" || name == "ipython") {
    return Tag::observation;
  }
  return Tag::unknown;
}

void Conversation::add(const Message& message) { messages_.push_back(message.json()); }

bool Conversation::collect_calls(const Value& value, size_t index, std::string& calls, std::string& originals) {
  Embedded embedded;
  const Value& v = *embedded.resolve(&value);
  // A call written as JSON text: its arguments' own text, compacted, so numbers stay as written.
  std::string raw_arguments;
  if (value.IsString() && v.IsObject()) {
    std::vector<std::pair<std::string_view, std::string_view>> members;
    if (libstream::top_level_members(string_of(value), members)) {
      for (const auto& [key, raw] : members) {
        libstream::JsonError error;
        if (key == "arguments" && raw.front() == '{' && !libstream::append_compact_json(raw.data(), raw.size(), raw_arguments, &error)) {
          raw_arguments.clear();
        }
      }
    }
  }
  const auto one = [&](const Value& call) {
    if (!call.IsObject()) return false;
    const Value* function = find_present(call, "function");
    const Value& source = function != nullptr && function->IsObject() ? *function : call;
    auto name = text(find_member(source, "name"));
    if (!name) return false;
    std::string id;
    for (const char* key : {"id", "call_id", "tool_call_id"}) {
      if (auto t = text(find_member(call, key)); t && !t->empty()) {
        id = std::string(*t);
        break;
      }
    }
    if (id.empty()) {
      // LLaMA-Factory, ShareGPT and ADP calls carry no id: one is made, the same on every run.
      if (index != made_up_message_) made_up_in_message_ = 0;
      made_up_message_ = index;
      id = "call_" + std::to_string(index) + "_" + std::to_string(made_up_in_message_++);
      ++made_up_;
    }
    const Value* arguments = find_member(source, "arguments");
    if (arguments == nullptr) arguments = find_member(source, "parameters");
    std::string arguments_json;
    if (!raw_arguments.empty()) {
      arguments_json = quote(raw_arguments);
      originals += (originals.empty() ? "" : ",") + quote(id) + ":" + raw_arguments;
    } else {
      arguments_json = agent::arguments_text(arguments, id, originals);
    }
    calls += (calls.empty() ? "" : ",") + agent::tool_call_json(id, *name, arguments_json);
    open_.emplace_back(id, std::string(*name));
    return true;
  };
  if (v.IsArray()) {
    if (v.Empty()) return false;
    for (const Value& call : v.GetArray()) {
      if (!one(call)) return false;
    }
    return true;
  }
  return one(v);
}

void Conversation::add_calls(const Value& value, size_t index, const std::string& where, Message message) {
  std::string calls;
  std::string originals;
  if (!collect_calls(value, index, calls, originals)) {
    throw MappingError{where + ": a function call that is not JSON {\"name\", \"arguments\"} (nor a list of them): " +
                       json_of(value).substr(0, 200)};
  }
  message.role = "assistant";
  message.content = "null";
  message.tool_calls = "[" + calls + "]";
  if (!originals.empty()) message.original_arguments = "{" + originals + "}";
  add(message);
}

void Conversation::add_result(Message message, std::string_view source_tag, std::string_view call_id) {
  auto call = open_.begin();
  if (!call_id.empty()) {
    while (call != open_.end() && call->first != call_id) ++call;
  }
  if (call == open_.end()) {
    // A result no open call asked for: what the model was shown, as a user turn.
    message.role = "user";
    message.original_role = std::string(source_tag);
    ++results_without_call_;
    if (!call_id.empty()) message.extra.emplace_back("tool_call_id", quote(call_id));
    add(message);
    return;
  }
  message.role = "tool";
  message.tool_call_id = call->first;
  if (message.name.empty()) message.name = call->second;
  if (source_tag != "tool") message.original_role = std::string(source_tag);
  open_.erase(call);
  add(message);
}

bool is_typed_parts(const Value& content) {
  if (!content.IsArray() || content.Empty()) return false;
  for (const Value& part : content.GetArray()) {
    if (!part.IsObject() || find_member(part, "type") == nullptr || find_member(part, "value") == nullptr ||
        find_member(part, "text") != nullptr) {
      return false;
    }
  }
  return true;
}

namespace {

std::string text_part(std::string_view text_json) { return "{\"type\":\"text\",\"text\":" + std::string(text_json) + "}"; }

/// LLaMA-Factory typed parts into `message`; calls found become open in `conversation`.
void set_typed_parts(const Value& parts, Message& message, size_t index, Conversation& conversation) {
  std::vector<std::string> content;
  std::string reasoning;
  std::string calls;
  std::string originals;
  size_t texts = 0;
  for (const Value& part : parts.GetArray()) {
    const std::string_view type = text(find_member(part, "type")).value_or("");
    const Value& value = *find_member(part, "value");
    const std::string value_text = string_or_quoted_json(value);
    const bool plain = part.MemberCount() == 2;  // {type, value}: nothing else to keep
    if (plain && type == "text") {
      content.push_back(text_part(value_text));
      ++texts;
    } else if (plain && (type == "reasoning" || type == "thinking")) {
      reasoning += (reasoning.empty() ? "" : ",") + std::string("{\"type\":\"thinking\",\"text\":") + value_text + "}";
    } else if (plain && (type == "tool_call" || type == "tool_calls" || type == "function_call") &&
               conversation.collect_calls(value, index, calls, originals)) {
    } else if (plain && (type == "image_url" || type == "image") && value.IsString()) {
      content.push_back("{\"type\":\"image_url\",\"image_url\":{\"url\":" + value_text + "}}");
    } else {
      content.push_back(text_part(quote(json_of(part))));  // a part OpenAI has no form for: its JSON, as text
      ++texts;
    }
  }
  if (texts == 1 && content.size() == 1) {
    const std::string& only = content.front();
    message.content = only.substr(std::string("{\"type\":\"text\",\"text\":").size(),
                                  only.size() - std::string("{\"type\":\"text\",\"text\":").size() - 1);
  } else if (!content.empty()) {
    message.content = array_json(content);
  } else {
    message.content = calls.empty() ? "\"\"" : "null";
  }
  if (!reasoning.empty()) message.reasoning = "[" + reasoning + "]";
  if (!calls.empty()) message.tool_calls = "[" + calls + "]";
  if (!originals.empty()) message.original_arguments = "{" + originals + "}";
}

bool listed(std::string_view key, std::initializer_list<std::string_view> used) {
  for (std::string_view u : used) {
    if (u == key) return true;
  }
  return false;
}

}  // namespace

void add_message(const Value& source, std::string_view role, const Value* content, size_t index,
                 Conversation& conversation, const std::string& where, std::initializer_list<std::string_view> used) {
  const Tag tag = tag_of(role);
  if (tag == Tag::unknown) {
    throw MappingError{where + ": role " + quote(role) +
                       " is not a chat role (system, human/user, gpt/assistant, function_call, observation/tool)"};
  }
  Message message;
  message.role = tag == Tag::system ? "system" : tag == Tag::user ? "user" : tag == Tag::observation ? "tool" : "assistant";
  if (message.role != role) message.original_role = std::string(role);
  bool mapped_calls = false;
  if (source.IsObject()) {
    for (const auto& m : source.GetObject()) {
      const std::string_view key = string_of(m.name);
      if (listed(key, used) || &m.value == content) continue;
      if (key == "tool_calls" && m.value.IsArray() && !m.value.Empty() && tag == Tag::assistant) {
        mapped_calls = true;
      } else if (key == "name" && m.value.IsString()) {
        message.name = std::string(string_of(m.value));
      } else if (key == "tool_call_id" && m.value.IsString() && tag == Tag::observation) {
      } else {
        message.extra.emplace_back(key, json_of(m.value));
      }
    }
  }
  if (tag == Tag::function_call) {
    if (content == nullptr) throw MappingError{where + ": a function call without its value"};
    conversation.add_calls(*content, index, where, message);
    return;
  }
  if (content == nullptr || content->IsNull()) {
    message.content = "null";
  } else if (is_typed_parts(*content)) {
    set_typed_parts(*content, message, index, conversation);
  } else {
    message.content = trace_content_json(*content);  // structured content other than parts: kept whole, as text
  }
  if (mapped_calls) {
    std::string calls = message.tool_calls.empty() ? "" : message.tool_calls.substr(1, message.tool_calls.size() - 2);
    std::string originals;
    if (!conversation.collect_calls(*find_member(source, "tool_calls"), index, calls, originals)) {
      throw MappingError{where + ": tool_calls that are not {id, function: {name, arguments}}"};
    }
    message.tool_calls = "[" + calls + "]";
    if (!originals.empty()) message.original_arguments = "{" + originals + "}";
    if (message.content == "\"\"") message.content = "null";
  }
  if (tag == Tag::observation) {
    conversation.add_result(message, role, text(find_member(source, "tool_call_id")).value_or(""));
  } else {
    conversation.add(message);
  }
}

void keep_tools(const Value* tools, Record& out) {
  if (tools == nullptr) return;
  Embedded embedded;
  out.extra("tools", json_of(*embedded.resolve(tools)));  // JSON text of schemas: parsed, numbers exact
}

const char* set_kto_label(const Value& record, Record& out) {
  for (const char* column : {"kto_tag", "label"}) {
    const Value* label = find_member(record, column);
    if (label == nullptr || !label->IsBool()) continue;
    out.set("reward", label->IsTrue() ? "1" : "0");
    out.set_text("reward_source", std::string("kto:") + column);
    return column;
  }
  return nullptr;
}

void finish_conversation(const Conversation& conversation, const MapContext& context, Record& out) {
  out.set("messages", conversation.json());
  if (conversation.results_without_call() > 0) {
    out.extra("tool_results_without_call", std::to_string(conversation.results_without_call()));
    if (context.tallies != nullptr) {
      (*context.tallies)["tool results answering no open call, kept as user messages (original_role; counted per session in extra.tool_results_without_call)"] +=
          conversation.results_without_call();
    }
  }
  if (conversation.made_up_ids() == 0) return;
  out.extra("made_up_tool_call_ids", std::to_string(conversation.made_up_ids()));
  if (context.tallies != nullptr) {
    (*context.tallies)["tool call ids made up where the source has none (call_<message>_<n>; counted per session in extra.made_up_tool_call_ids)"] +=
        conversation.made_up_ids();
  }
}

namespace {

void start_session(const Value& record, const MapContext& context, std::string_view format, Record& out) {
  out.reset(&record, context.raw);
  out.set("source", "{\"format\":" + quote(format) + "}");
  keep_tools(find_member(record, "tools"), out);
}

}  // namespace

void write_preference(const Value& record, const MapContext& context, std::string_view format, const std::string& id,
                      const Conversation& chosen, const Conversation& rejected, const std::set<std::string_view>& used,
                      std::vector<std::string>& sessions) {
  Record out;
  std::string line;
  for (const auto& [side, conversation, reward] :
       {std::tuple<const char*, const Conversation*, const char*>{"chosen", &chosen, "1"}, {"rejected", &rejected, "0"}}) {
    start_session(record, context, format, out);
    out.set_text("session_id", id + ":" + side);
    out.set_text("task_id", id);
    out.set("reward", reward);
    out.set_text("reward_source", "preference");
    finish_conversation(*conversation, context, out);
    out.keep_rest(record, used);
    out.finish(line);
    sessions.push_back(line);
  }
}

void write_rows(const Value& record, const MapContext& context, std::string_view format, const std::string& id,
                const Conversation& prompt, SideReader side, std::set<std::string_view> used,
                std::vector<std::string>& sessions) {
  used.insert("tools");
  const Value* chosen = find_present(record, "chosen");
  const Value* rejected = find_present(record, "rejected");
  if (chosen != nullptr && rejected != nullptr) {
    used.insert({"chosen", "rejected"});
    write_preference(record, context, format, id, side(prompt, *chosen, "chosen"), side(prompt, *rejected, "rejected"),
                     used, sessions);
    return;
  }
  Record out;
  start_session(record, context, format, out);
  out.set_text("session_id", id);
  if (const char* label = set_kto_label(record, out)) used.insert(label);
  finish_conversation(prompt, context, out);
  out.keep_rest(record, used);
  std::string line;
  out.finish(line);
  sessions.push_back(line);
}

std::string record_id(const Value& record, std::string_view prefix) {
  for (const char* key : {"id", "session_id"}) {
    if (auto id = text(find_member(record, key)); id && !id->empty()) return std::string(*id);
  }
  return content_id(prefix, record);
}

}  // namespace tracemill::normalize::chat

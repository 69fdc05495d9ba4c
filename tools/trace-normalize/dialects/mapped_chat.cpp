#include "mapped_chat.hpp"

#include <rapidjson/document.h>

namespace tracemill::normalize {

namespace {

const char* role_name(RoleTarget target) {
  switch (target) {
    case RoleTarget::system: return "system";
    case RoleTarget::user: return "user";
    case RoleTarget::tool: return "tool";
    default: return "assistant";  // assistant, tool_call
  }
}

/// The first string member of `object` among `keys`, or nullptr.
const Value* first_string(const Value& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    const Value* v = find_member(object, key);
    if (v != nullptr && v->IsString()) return v;
  }
  return nullptr;
}

/// `part` with its members other than `kept` moved under the part's extra.
std::string part_with_extra(const std::string& head, const Value& part, std::initializer_list<std::string_view> kept) {
  std::string rest;
  for (const auto& m : part.GetObject()) {
    bool is_kept = false;
    for (std::string_view k : kept) is_kept = is_kept || string_of(m.name) == k;
    if (!is_kept) rest += (rest.empty() ? "" : ",") + quote(string_of(m.name)) + ":" + json_of(m.value);
  }
  return "{" + head + (rest.empty() ? "" : ",\"extra\":{" + rest + "}") + "}";
}

}  // namespace

std::string trace_parts(const Value& parts, const std::string& where) {
  std::vector<std::string> out;
  for (rapidjson::SizeType k = 0; k < parts.Size(); ++k) {
    const Value& part = parts[k];
    const std::string type(text(find_member(part, "type")).value_or(""));
    const std::string at = where + ".content[" + std::to_string(k) + "]";
    if (type == "text" || type == "input_text" || type == "output_text") {
      const Value* t = first_string(part, {"text", "value", "content"});
      if (t == nullptr) throw MappingError{at + ": a part of type " + type + " without a text string"};
      const char* member = t == find_member(part, "text") ? "text" : t == find_member(part, "value") ? "value" : "content";
      out.push_back(part_with_extra("\"type\":\"text\",\"text\":" + json_of(*t), part, {"type", member}));
    } else if (type == "image_url" || type == "image" || type == "input_image") {
      const Value* url = find_member(part, "image_url");
      const char* member = "image_url";
      if (url != nullptr && url->IsObject()) url = find_member(*url, "url");
      for (const char* key : {"image", "url"}) {
        if (url == nullptr || !url->IsString()) {
          url = find_member(part, key);
          member = key;
        }
      }
      if (url == nullptr || !url->IsString()) throw MappingError{at + ": an " + type + " part without a URL string"};
      out.push_back(part_with_extra("\"type\":\"image_url\",\"image_url\":{\"url\":" + json_of(*url) + "}", part, {"type", member}));
    } else if ((type == "refusal" && text(find_member(part, "refusal"))) ||
               ((type == "input_audio" || type == "file") && find_member(part, type.c_str()) != nullptr &&
                find_member(part, type.c_str())->IsObject())) {
      out.push_back(part_with_extra("\"type\":" + quote(type) + ",\"" + type + "\":" + json_of(*find_member(part, type.c_str())),
                                    part, {"type", type}));
    } else {
      throw MappingError{at + ": a part of type " + quote(type) +
                         " that trace/v1 does not know (text, image_url, input_audio, file, refusal)"};
    }
  }
  return array_json(out);
}

void ChatMapper::add_source(const Value& value, const std::string& path, bool first) {
  const Value& v = *embedded_.resolve(&value);
  if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const Value& m = *embedded_.resolve(&v[i]);
      const std::string where = path + "[" + std::to_string(i) + "]";
      if (!m.IsObject()) throw MappingError{where + ": " + json_of(m).substr(0, 60) + " is not a message object"};
      add_message(m, where);
    }
  } else if (v.IsObject() && first_string(v, {"role", "from", "message_type"}) == nullptr &&
             find_member(v, "messages") != nullptr) {
    add_source(*find_member(v, "messages"), path + ".messages", first);  // {messages: [...]}, a prompt object
  } else if (v.IsObject()) {
    add_message(v, path);
  } else if (v.IsString()) {
    Message message;
    message.role = first ? "user" : "assistant";
    message.content = json_of(v);
    messages_.push_back(message.json());
    mapping_.note("--map messages: text sources taken as a user (first source) or assistant (later source) message");
  } else {
    throw MappingError{"--map messages=" + path + ": " + json_of(v).substr(0, 60) + " is not a list of messages"};
  }
}

void ChatMapper::add_message(const Value& m, const std::string& where) {
  const Value* role_value = first_string(m, {"role", "from", "message_type"});
  const std::string source_role(role_value != nullptr ? string_of(*role_value) : "");
  RoleTarget target{};
  if (source_role.empty()) throw MappingError{where + ": no role (role, from or message_type)"};
  if (!mapping_.role(source_role, target)) {
    throw MappingError{where + ": role " + quote(source_role) + " is not one trace/v1 knows: map it with --role " +
                       source_role + "=ROLE (system, user, assistant, tool, tool_call or env)"};
  }
  if (target == RoleTarget::env) {
    env_.push_back(json_of(m));
    mapping_.note("messages kept in env_messages (role exit, or --role ...=env)");
    return;
  }
  Message message;
  message.role = role_name(target);
  const std::string prefix = "call_" + std::to_string(messages_.size());
  const Value* content = find_member(m, "content");
  try {
    if (find_member(m, "value") != nullptr && content == nullptr) {  // ShareGPT {from, value}
      content = find_member(m, "value");
      set_content(*content, message, prefix, embedded_);
      for (const auto& member : m.GetObject()) {
        const std::string_view key = string_of(member.name);
        if (key != "from" && key != "value" && key != "role") message.extra.emplace_back(key, json_of(member.value));
      }
    } else {
      if (content == nullptr) content = find_member(m, "text");
      set_content(m, message, prefix, embedded_);  // tool_calls, tool_call_id, name; the rest in extra
    }
  } catch (const MappingError& e) {
    throw MappingError{where + "." + e.reason};
  }
  const Value* resolved = content != nullptr ? embedded_.resolve(content) : nullptr;
  if (content != nullptr && content->IsString() && message.tool_calls.empty() && target != RoleTarget::tool_call &&
      !is_part_list(*resolved)) {
    message.content = json_of(*content);  // text that happens to be JSON stays the text as written
  }
  if (target == RoleTarget::tool_call && message.tool_calls.empty()) {
    // A function_call message: its content is the call (or calls), usually JSON in a string.
    rapidjson::Document calls;
    calls.SetArray();
    if (resolved != nullptr && resolved->IsObject() && is_tool_call_item(*resolved)) {
      calls.PushBack(Value(*resolved, calls.GetAllocator()), calls.GetAllocator());
    } else if (resolved != nullptr && resolved->IsObject() && text(find_member(*resolved, "name"))) {
      calls.PushBack(Value(*resolved, calls.GetAllocator()), calls.GetAllocator());  // {name} without arguments
    } else if (resolved != nullptr && resolved->IsArray()) {
      for (const Value& call : resolved->GetArray()) calls.PushBack(Value(call, calls.GetAllocator()), calls.GetAllocator());
    }
    if (!calls.Empty()) {
      set_tool_calls(calls, message, prefix);
      message.content = "null";
    } else {
      mapping_.note("function_call messages whose content is no call, kept as assistant text");
    }
  } else if (resolved != nullptr && message.tool_calls.empty() && is_part_list(*resolved)) {
    message.content = trace_parts(*resolved, where);
  }
  if (message.unnamed_calls > 0) throw MappingError{where + ": a tool call without a name"};
  if (message.made_call_ids > 0) mapping_.note("tool calls without an id: made as call_<message>_<index>", message.made_call_ids);
  if (message.wrapped_arguments > 0) {
    mapping_.note("tool call arguments that are not JSON text: kept as {\"input\": text}, the text in original_arguments",
                  message.wrapped_arguments);
  }
  if (message.original_role.empty() && source_role != message.role) message.original_role = source_role;
  if (message.role == "tool") tie_tool_result(message, source_role);
  if (!message.tool_calls.empty()) remember_calls(message);
  messages_.push_back(message.json());
}

void ChatMapper::tie_tool_result(Message& message, const std::string& source_role) {
  if (message.tool_call_id.empty()) {
    size_t k = 0;
    while (k < pending_.size() && !message.name.empty() && pending_[k].second != message.name) ++k;
    if (k == pending_.size()) k = 0;  // no call of that name: the first one not answered
    if (pending_.empty()) {
      message.role = "user";
      message.original_role = source_role;
      mapping_.note("tool results answering no call, kept as user messages");
      return;
    }
    message.tool_call_id = pending_[k].first;
    mapping_.note("tool results without a tool_call_id: the call answered taken by name, else by position");
  }
  for (size_t k = 0; k < pending_.size(); ++k) {
    if (pending_[k].first == message.tool_call_id) {
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(k));
      break;
    }
  }
}

void ChatMapper::remember_calls(const Message& message) {
  rapidjson::Document calls;
  calls.Parse(message.tool_calls.c_str());  // our own JSON, ids and names as strings
  pending_.clear();
  if (!calls.IsArray()) return;
  for (const Value& call : calls.GetArray()) {
    const Value* function = find_member(call, "function");
    pending_.emplace_back(std::string(text(find_member(call, "id")).value_or("")),
                          std::string(function != nullptr ? text(find_member(*function, "name")).value_or("") : ""));
  }
}

void ChatMapper::finish(Record& out) {
  out.set("messages", array_json(messages_));
  if (!env_.empty()) out.set("env_messages", array_json(env_));
}

}  // namespace tracemill::normalize

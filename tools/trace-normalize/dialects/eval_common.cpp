#include "eval_common.hpp"

#include <set>

namespace tracemill::normalize::evals {

void set_string_tool_calls(const Value& calls, Message& message, const std::string& id_prefix, const std::string& where) {
  bool strings = false;
  for (const Value& call : calls.GetArray()) strings = strings || call.IsString();
  if (!strings) {
    for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
      if (!calls[i].IsObject()) throw MappingError{where + ".tool_calls[" + std::to_string(i) + "]: not an object"};
    }
    set_tool_calls(calls, message, id_prefix);
    return;
  }
  // Copies of the parsed items in one array, so set_tool_calls reads them as usual.
  rapidjson::Document parsed;
  parsed.SetArray();
  for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
    const Value& call = calls[i];
    rapidjson::Document item(&parsed.GetAllocator());
    if (call.IsString()) {
      item.Parse<rapidjson::kParseFullPrecisionFlag>(call.GetString(), call.GetStringLength());
    } else {
      item.CopyFrom(call, parsed.GetAllocator());
    }
    if (item.HasParseError() || !item.IsObject()) {
      throw MappingError{where + ".tool_calls[" + std::to_string(i) + "]: not a tool call object (nor JSON text of one)"};
    }
    parsed.PushBack(Value(item, parsed.GetAllocator()).Move(), parsed.GetAllocator());
  }
  set_tool_calls(parsed, message, id_prefix);
  message.extra.emplace_back("tool_calls_as_strings", "true");  // the source wrote each call as JSON text
}

void append_openai_messages(const Value& list, const std::string& where, std::vector<std::string>& messages) {
  static const std::set<std::string_view> kMapped = {"role", "content", "tool_calls", "tool_call_id", "name"};
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    const Value& m = list[i];
    const std::string path = where + "[" + std::to_string(i) + "]";
    if (!m.IsObject()) throw MappingError{path + ": not a message object"};
    const auto role = text(find_member(m, "role"));
    if (!role || !(*role == "system" || *role == "user" || *role == "assistant" || *role == "tool")) {
      throw MappingError{path + ": role " + (role ? quote(*role) : std::string("absent")) +
                         " is not system, user, assistant or tool"};
    }
    Message message;
    message.role = std::string(*role);
    // A string stays the text it is, even when it holds JSON (tool outputs, JSON actions).
    const Value* content = find_member(m, "content");
    if (content == nullptr || content->IsNull()) {
      message.content = "null";
    } else if (content->IsString() || is_part_list(*content)) {
      message.content = json_of(*content);
    } else {
      message.content = quote(json_of(*content));  // not chat content: kept whole, as text
    }
    if (const Value* calls = find_present(m, "tool_calls"); calls != nullptr) {
      if (!calls->IsArray()) throw MappingError{path + ".tool_calls: not an array"};
      if (!calls->Empty()) set_string_tool_calls(*calls, message, path, path);
    }
    if (auto id = text(find_member(m, "tool_call_id"))) message.tool_call_id = std::string(*id);
    if (auto name = text(find_member(m, "name"))) message.name = std::string(*name);
    for (const auto& member : m.GetObject()) {
      if (kMapped.count(string_of(member.name)) == 0) message.extra.emplace_back(string_of(member.name), json_of(member.value));
    }
    messages.push_back(message.json());
  }
}

}  // namespace tracemill::normalize::evals

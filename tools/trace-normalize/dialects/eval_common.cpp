#include "eval_common.hpp"

#include <libstream/document.hpp>
#include <set>

namespace tracemill::normalize::evals {

std::string CallLedger::call(const std::string& id) {
  const int use = ++uses_[id];
  std::string written = use == 1 ? id : id + "~" + std::to_string(use);
  latest_[id] = written;
  open_.push_back(written);
  return written;
}

std::string CallLedger::answer(const std::string& id) {
  std::string written;
  if (id.empty()) {
    if (open_.empty()) return {};
    written = open_.front();
  } else {
    const auto it = latest_.find(id);
    if (it == latest_.end()) return {};
    written = it->second;
  }
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (*it == written) {
      open_.erase(it);
      return written;
    }
  }
  return {};
}

void set_string_tool_calls(const Value& calls, Message& message, const std::string& id_prefix, const std::string& where,
                           CallLedger& ledger) {
  bool strings = false;
  for (const Value& call : calls.GetArray()) strings = strings || call.IsString();
  // Copies of the (parsed) items in one array, ids as the ledger writes them, so
  // set_tool_calls reads them as usual.
  rapidjson::Document parsed;
  parsed.SetArray();
  std::string renamed;
  for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
    const Value& call = calls[i];
    rapidjson::Document item(&parsed.GetAllocator());
    bool parsed_ok = true;
    if (call.IsString()) {
      parsed_ok = libstream::parse_embedded_json(string_of(call), item);
    } else {
      item.CopyFrom(call, parsed.GetAllocator());
    }
    if (!parsed_ok || !item.IsObject()) {
      throw MappingError{where + ".tool_calls[" + std::to_string(i) + "]: not a tool call object (nor JSON text of one)"};
    }
    std::string id(text(find_member(item, "id")).value_or(""));
    if (id.empty()) {
      id = id_prefix + "_" + std::to_string(i);
      ++tool_call_guesses().made_call_ids;
    }
    const std::string written = ledger.call(id);
    if (written != id) renamed += (renamed.empty() ? "" : ",") + quote(written) + ":" + quote(id);
    item.RemoveMember("id");
    item.AddMember("id", Value(written.c_str(), static_cast<rapidjson::SizeType>(written.size()), parsed.GetAllocator()).Move(),
                   parsed.GetAllocator());
    parsed.PushBack(Value(item, parsed.GetAllocator()).Move(), parsed.GetAllocator());
  }
  set_tool_calls(parsed, message, id_prefix);
  if (strings) message.extra.emplace_back("tool_calls_as_strings", "true");  // the source wrote each call as JSON text
  if (!renamed.empty()) message.extra.emplace_back("renamed_tool_call_ids", "{" + renamed + "}");
}

void append_openai_messages(const Value& list, const std::string& where, std::vector<std::string>& messages,
                            CallLedger& ledger, const Warn& warn) {
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
    } else {
      message.content = trace_content_json(*content);
    }
    if (const Value* calls = find_present(m, "tool_calls"); calls != nullptr) {
      if (!calls->IsArray()) throw MappingError{path + ".tool_calls: not an array"};
      if (!calls->Empty()) set_string_tool_calls(*calls, message, path, path, ledger);
    }
    if (message.role == "tool") {
      const std::string named(text(find_member(m, "tool_call_id")).value_or(""));
      message.tool_call_id = ledger.answer(named);
      if (message.tool_call_id.empty()) {
        // A result answering no open call: what the environment said, kept as a user turn.
        warn(path + ": a tool result answering no open call" + (named.empty() ? "" : " (" + quote(named) + ")") +
             ": kept as a user message (original_role tool)");
        message.role = "user";
        message.original_role = "tool";
        if (!named.empty()) message.extra.emplace_back("tool_call_id", quote(named));
      } else if (named.empty()) {
        warn(path + ": a tool result without tool_call_id: it answers the oldest open call");
        message.extra.emplace_back("tool_call_id_inferred", "true");
      }
    }
    if (auto name = text(find_member(m, "name"))) message.name = std::string(*name);
    for (const auto& member : m.GetObject()) {
      if (kMapped.count(string_of(member.name)) == 0) message.extra.emplace_back(string_of(member.name), json_of(member.value));
    }
    messages.push_back(message.json());
  }
}

}  // namespace tracemill::normalize::evals

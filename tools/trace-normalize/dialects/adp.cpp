// Agent Data Protocol standardized trajectories (neulab/agent-data-protocol, `*_std.json`):
// {id, content: [action | observation, ...], details, schema_version?,
// available_custom_tools?, available_code_languages?}. Items are tagged by class_: actions
// api_action {function, kwargs, description}, code_action {language, content, description},
// message_action {content, description} (all may carry reasoning_content, reward, and the
// calls tool_call_id); observations text_observation {content, source, name},
// json_observation, image_observation {content: a path, annotations}, web_observation {html,
// axtree, url, viewport_size, image_observation} (tool_call_id, reward). Older files carry no
// ids: an observation right after an action is its result, as ADP's own converters pair them.
#include "chat_common.hpp"

#include "agent_common.hpp"

namespace tracemill::normalize {
namespace {

std::string_view class_of(const Value& item) { return text(find_member(item, "class_")).value_or(""); }

bool is_action(std::string_view c) { return c == "api_action" || c == "code_action"; }

bool is_observation(std::string_view c) {
  return c == "text_observation" || c == "json_observation" || c == "image_observation" || c == "web_observation";
}

bool recognise(const Value& r) {
  const Value* content = find_member(r, "content");
  if (content == nullptr || !content->IsArray() || find_member(r, "id") == nullptr) return false;
  if (content->Empty()) return find_member(r, "details") != nullptr;
  return (*content)[0].IsObject() && find_member((*content)[0], "class_") != nullptr;
}

/// Members of an item not read into its message, kept in the message's extra.
void keep_item_rest(const Value& item, std::initializer_list<std::string_view> used, Message& message) {
  for (const auto& m : item.GetObject()) {
    const std::string_view key = string_of(m.name);
    if (m.value.IsNull() || agent::used_name(key, used)) continue;
    message.extra.emplace_back(key, json_of(m.value));
  }
}

/// Appends the item's reasoning_content to the message's reasoning.
void add_reasoning(const Value& item, Message& message) {
  auto reasoning = text(find_member(item, "reasoning_content"));
  if (!reasoning || reasoning->empty()) return;
  const std::string part = "{\"type\":\"thinking\",\"text\":" + quote(*reasoning) + "}";
  message.reasoning = message.reasoning.empty() ? "[" + part + "]" : message.reasoning.substr(0, message.reasoning.size() - 1) + "," + part + "]";
}

/// One run of consecutive api/code actions: one assistant message, a call each (ADP's
/// converters make one LLM response of them); their descriptions, the visible thought
/// before the calls, are its content.
void add_actions(const Value& content, rapidjson::SizeType& i, size_t index, chat::Conversation& conversation) {
  Message message;
  message.role = "assistant";
  std::vector<std::string> descriptions;
  rapidjson::Document calls(rapidjson::kArrayType);
  auto& allocator = calls.GetAllocator();
  std::vector<std::string> rests;
  bool any_rest = false;
  for (; i < content.Size() && content[i].IsObject() && is_action(class_of(content[i])); ++i) {
    const Value& item = content[i];
    Value call(rapidjson::kObjectType);
    if (const Value* id = find_present(item, "tool_call_id")) call.AddMember("id", Value(*id, allocator), allocator);
    if (class_of(item) == "api_action") {
      const Value* function = find_member(item, "function");
      call.AddMember("name", function != nullptr ? Value(*function, allocator) : Value("", allocator), allocator);
      const Value* kwargs = find_member(item, "kwargs");
      call.AddMember("arguments", kwargs != nullptr ? Value(*kwargs, allocator) : Value(rapidjson::kObjectType), allocator);
    } else {
      // Code runs in a tool named after its language, the code as its one argument.
      const Value* language = find_member(item, "language");
      call.AddMember("name", language != nullptr && language->IsString() ? Value(*language, allocator) : Value("code", allocator),
                     allocator);
      Value arguments(rapidjson::kObjectType);
      const Value* code = find_member(item, "content");
      arguments.AddMember("code", code != nullptr ? Value(*code, allocator) : Value("", allocator), allocator);
      call.AddMember("arguments", arguments, allocator);
    }
    calls.PushBack(call, allocator);
    if (auto description = text(find_member(item, "description")); description && !description->empty()) {
      descriptions.push_back(quote(*description));
    }
    add_reasoning(item, message);
    const std::string rest = agent::rest_json(item, {"class_", "function", "kwargs", "language", "content", "description",
                                                     "tool_call_id", "reasoning_content"});
    rests.push_back(rest.empty() ? "null" : rest);
    any_rest = any_rest || !rest.empty();
  }
  --i;  // the caller's loop steps past the last action
  const std::vector<std::string>& texts = descriptions;
  if (texts.size() == 1) message.content = texts.front();
  if (texts.size() > 1) {
    std::string parts;
    for (const std::string& t : texts) parts += (parts.empty() ? "" : ",") + std::string("{\"type\":\"text\",\"text\":") + t + "}";
    message.content = "[" + parts + "]";
  }
  if (any_rest) message.extra.emplace_back("actions", array_json(rests));  // per call: what else each action held
  std::string call_json;
  std::string originals;
  conversation.collect_calls(calls, index, call_json, originals);
  message.tool_calls = "[" + call_json + "]";
  if (!originals.empty()) message.original_arguments = "{" + originals + "}";
  if (texts.empty()) message.content = "null";
  conversation.add(message);
}

/// An observation's content: text as it is, JSON as its text, an image as an image part, a
/// web page as its accessibility tree (else its HTML).
void set_observation_content(const Value& item, std::string_view c, Message& message) {
  const Value* content = find_member(item, "content");
  if (c == "image_observation" && content != nullptr && content->IsString()) {
    message.content = "[{\"type\":\"image_url\",\"image_url\":{\"url\":" + json_of(*content) + "}}]";
    keep_item_rest(item, {"class_", "content", "source", "tool_call_id"}, message);
  } else if (c == "web_observation") {
    const Value* axtree = find_present(item, "axtree");
    const Value* page = axtree != nullptr ? axtree : find_present(item, "html");
    message.content = page != nullptr && page->IsString() ? json_of(*page) : "\"\"";
    keep_item_rest(item, {"class_", page == axtree ? "axtree" : "html", "source", "tool_call_id"}, message);
  } else {
    message.content = content == nullptr ? "\"\"" : string_or_quoted_json(*content);
    keep_item_rest(item, {"class_", "content", "source", "tool_call_id", "name"}, message);
  }
}

void add_observation(const Value& item, std::string_view c, bool after_action, chat::Conversation& conversation) {
  Message message;
  set_observation_content(item, c, message);
  const std::string_view source = text(find_member(item, "source")).value_or("environment");
  const std::string_view name = text(find_member(item, "name")).value_or("");
  const std::string_view call_id = text(find_member(item, "tool_call_id")).value_or("");
  if (!call_id.empty() || (after_action && conversation.open_calls() > 0)) {
    if (!name.empty()) message.name = std::string(name);
    conversation.add_result(message, source, call_id);
    return;
  }
  if (source == "user") {
    message.role = "user";
  } else if (source == "system" || (source == "environment" && name == "system")) {
    message.role = "system";  // a system prompt or tool declaration the environment gave
  } else if (source == "agent" || source == "assistant") {
    message.role = "assistant";
  } else {
    message.role = "user";  // what the environment showed the agent, unasked
  }
  if (message.role != source) message.original_role = std::string(source);
  if (!name.empty()) message.name = std::string(name);
  conversation.add(message);
}

void map(const Value& r, const MapContext& context, Record& out) {
  const Value* content = find_member(r, "content");
  if (content == nullptr || !content->IsArray()) throw MappingError{"an ADP trajectory needs a content list"};
  chat::Conversation conversation;
  bool after_action = false;
  for (rapidjson::SizeType i = 0; i < content->Size(); ++i) {
    const Value& item = (*content)[i];
    const std::string where = "content[" + std::to_string(i) + "]";
    if (!item.IsObject()) throw MappingError{where + ": not an object"};
    const std::string_view c = class_of(item);
    if (is_action(c)) {
      add_actions(*content, i, conversation.size(), conversation);
      after_action = true;
      continue;
    }
    if (is_observation(c)) {
      add_observation(item, c, after_action, conversation);
      continue;  // parallel calls: each following observation answers the next open call
    }
    after_action = false;
    if (c != "message_action") throw MappingError{where + ": class_ " + quote(c) + " is not an ADP action or observation"};
    Message message;
    message.role = "assistant";
    auto description = text(find_member(item, "description"));
    const Value* text_value = find_member(item, "content");
    const std::string body = text_value == nullptr ? "\"\"" : string_or_quoted_json(*text_value);
    // The description is the thought written before the message: both are what the agent said.
    message.content = description && !description->empty()
                          ? "[{\"type\":\"text\",\"text\":" + quote(*description) + "},{\"type\":\"text\",\"text\":" + body + "}]"
                          : body;
    add_reasoning(item, message);
    keep_item_rest(item, {"class_", "content", "description", "reasoning_content"}, message);
    conversation.add(message);
  }
  out.set_text("session_id", chat::record_id(r, "adp-"));
  std::string source = "{\"format\":\"agent-data-protocol\"";
  if (auto version = text(find_member(r, "schema_version"))) source += ",\"version\":" + quote(*version);
  out.set("source", source + "}");
  if (const Value* details = find_present(r, "details"); details != nullptr && details->IsObject()) {
    if (auto model = text(find_member(*details, "model_name"))) {
      out.set_text("model", *model);
      out.set_text("model_source", "session_metadata");
    }
  }
  chat::finish_conversation(conversation, context, out);
  out.keep_rest(r, {"id", "content", "schema_version"});
}

}  // namespace

extern const DialectSpec kAdp{"adp", "id with a content list of class_-tagged actions and observations",
                              "Agent Data Protocol trajectories", recognise, map, nullptr};

}  // namespace tracemill::normalize

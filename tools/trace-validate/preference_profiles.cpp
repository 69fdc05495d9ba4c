// Profiles for preference data: OpenAI preference fine-tuning (DPO) and TRL's conversational
// preference (DPO) and unpaired preference (KTO) formats.
#include "validate.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <string_view>

namespace tracemill {

using rapidjson::Value;

namespace {

std::string kind_of(const Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType: return "a number";
  }
  return "?";
}

bool is_one_of(std::string_view value, std::initializer_list<std::string_view> choices) {
  return std::find(choices.begin(), choices.end(), value) != choices.end();
}

void add_error(RecordCheck& check, const char* code, std::string path, std::string detail) {
  check.errors.push_back({code, std::move(path), std::move(detail)});
}
void add_warning(RecordCheck& check, const char* code, std::string path, std::string detail) {
  check.warnings.push_back({code, std::move(path), std::move(detail)});
}

void warn_unknown_keys(const Value& object, std::initializer_list<std::string_view> known, const std::string& prefix,
                       RecordCheck& check) {
  for (const auto& m : object.GetObject()) {
    const std::string_view name = libstream::string_of(m.name);
    if (!is_one_of(name, known)) {
      add_warning(check, "non_portable_key", prefix + std::string(name), "not part of the format: strip it before upload");
    }
  }
}

/// One output of an OpenAI pair: a list holding exactly one assistant message (OpenAI trains
/// preference pairs on one assistant reply, the last message).
bool check_single_reply(const Value* output, const char* name, RecordCheck& check) {
  if (output == nullptr || !output->IsArray()) {
    add_error(check, "invalid_output", name, output == nullptr ? "absent" : "expected an array, found " + kind_of(*output));
    return false;
  }
  if (output->Size() != 1) {
    add_error(check, "invalid_output", name, "expected exactly one assistant message, found " + std::to_string(output->Size()) + " messages");
    return false;
  }
  const Value& message = (*output)[0];
  const Value* role = message.IsObject() ? libstream::find_member(message, "role") : nullptr;
  if (role == nullptr || !role->IsString() || libstream::string_of(*role) != "assistant") {
    add_error(check, "invalid_output", std::string(name) + "[0].role", "expected an assistant message");
    return false;
  }
  return true;
}

/// "messages[7].content" -> `prefix` + "[7 - offset].content".
std::string remap(const std::string& path, size_t offset, const std::string& prefix) {
  const size_t open = path.find('['), close = path.find(']');
  if (path.rfind("messages[", 0) != 0 || close == std::string::npos) return path;
  const size_t index = std::strtoul(path.c_str() + open + 1, nullptr, 10);
  return prefix + "[" + std::to_string(index - offset) + "]" + path.substr(close + 1);
}

size_t index_of(const std::string& path) {
  return path.rfind("messages[", 0) == 0 ? std::strtoul(path.c_str() + 9, nullptr, 10) : 0;
}

/// TRL's conversational lists: message objects with a known role and content (a string, parts,
/// or null beside tool_calls), as chat templates read them.
void check_conversation(const Value* messages, const char* name, RecordCheck& check) {
  if (messages == nullptr || !messages->IsArray() || messages->Empty()) {
    add_error(check, "missing_messages_list", name,
              messages == nullptr ? "absent" : messages->IsArray() ? "empty" : "expected an array of messages (conversational), found " + kind_of(*messages));
    return;
  }
  for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
    const Value& message = (*messages)[i];
    const std::string path = std::string(name) + "[" + std::to_string(i) + "]";
    if (!message.IsObject()) {
      add_error(check, "data_type", path, "expected a message object, found " + kind_of(message));
      continue;
    }
    const Value* role = libstream::find_member(message, "role");
    if (role == nullptr || !role->IsString() || !is_one_of(libstream::string_of(*role), {"system", "user", "assistant", "tool"})) {
      add_error(check, "unrecognized_role", path + ".role", "expected system, user, assistant or tool");
      continue;
    }
    const Value* content = libstream::find_member(message, "content");
    const Value* calls = libstream::find_member(message, "tool_calls");
    const bool has_calls = calls != nullptr && calls->IsArray() && !calls->Empty();
    if (content == nullptr || content->IsNull()) {
      if (!has_calls) add_error(check, "missing_content", path + ".content", content == nullptr ? "absent" : "null, and there are no tool_calls");
    } else if (!content->IsString() && !content->IsArray()) {
      add_error(check, "missing_content", path + ".content", "expected a string or an array of parts, found " + kind_of(*content));
    }
  }
}

bool same_value(const Value* a, const Value* b) { return a != nullptr && b != nullptr && *a == *b; }

}  // namespace

void check_openai_preference(const Value& record, const ValidateOptions& options, RecordCheck& check) {
  if (!record.IsObject()) {
    add_error(check, "data_type", "", "expected an object, found " + kind_of(record));
    return;
  }
  warn_unknown_keys(record, {"input", "preferred_output", "non_preferred_output"}, "", check);
  const Value* input = libstream::find_member(record, "input");
  if (input == nullptr || !input->IsObject()) {
    add_error(check, "missing_input", "input", input == nullptr ? "absent" : "expected an object, found " + kind_of(*input));
    return;
  }
  warn_unknown_keys(*input, {"messages", "tools", "parallel_tool_calls"}, "input.", check);
  const Value* messages = libstream::find_member(*input, "messages");
  if (messages == nullptr || !messages->IsArray() || messages->Empty()) {
    add_error(check, "missing_messages_list", "input.messages",
              messages == nullptr ? "absent" : messages->IsArray() ? "empty" : "expected an array, found " + kind_of(*messages));
    return;
  }
  const Value* preferred = libstream::find_member(record, "preferred_output");
  const Value* non_preferred = libstream::find_member(record, "non_preferred_output");
  // Both outputs are checked, so one report names every problem.
  const bool preferred_ok = check_single_reply(preferred, "preferred_output", check);
  const bool non_preferred_ok = check_single_reply(non_preferred, "non_preferred_output", check);
  if (!preferred_ok || !non_preferred_ok) return;
  // Each output after the prompt is one chat example: the chat profile's message checks
  // (content, tool calls answered, keys) apply to it as they would to an SFT example.
  const size_t n = messages->Size();
  for (const auto& [output, name] : {std::pair{preferred, "preferred_output"}, std::pair{non_preferred, "non_preferred_output"}}) {
    rapidjson::Document example;
    example.SetObject();
    auto& allocator = example.GetAllocator();
    Value all(rapidjson::kArrayType);
    for (const Value& m : messages->GetArray()) all.PushBack(Value(m, allocator), allocator);
    all.PushBack(Value((*output)[0], allocator), allocator);
    example.AddMember("messages", all, allocator);
    for (const char* key : {"tools", "parallel_tool_calls"}) {
      if (const Value* value = libstream::find_member(*input, key)) example.AddMember(Value(key, allocator), Value(*value, allocator), allocator);
    }
    RecordCheck chat;
    check_openai_chat(example, options, chat);
    const bool first = name == std::string_view("preferred_output");
    for (Finding& f : chat.errors) {
      const bool in_output = f.path.rfind("messages[", 0) == 0 && index_of(f.path) >= n;
      if (in_output) {
        f.path = remap(f.path, n, name);
      } else if (first) {
        f.path = f.path.rfind("messages", 0) == 0 ? "input." + f.path : f.path;
      } else {
        continue;  // the prompt's findings are reported once
      }
      check.errors.push_back(std::move(f));
    }
    if (first) {
      for (Finding& f : chat.warnings) {
        if (f.code == "non_portable_key") continue;
        f.path = f.path.rfind("messages", 0) == 0 ? "input." + f.path : f.path;
        check.warnings.push_back(std::move(f));
      }
      check.messages = chat.messages;
      check.tokens = chat.tokens;
      check.assistant_tokens = chat.assistant_tokens;
    }
  }
  for (const Value* output : {preferred, non_preferred}) {
    if (libstream::find_member((*output)[0], "weight") != nullptr) {
      add_error(check, "invalid_weight", output == preferred ? "preferred_output[0].weight" : "non_preferred_output[0].weight",
                "weight is not part of the preference format");
    }
  }
  if (same_value(preferred, non_preferred)) {
    add_warning(check, "identical_outputs", "non_preferred_output", "the same as preferred_output: the pair teaches nothing");
  }
}

void check_trl_preference(const Value& record, bool kto, RecordCheck& check) {
  if (!record.IsObject()) {
    add_error(check, "data_type", "", "expected an object, found " + kind_of(record));
    return;
  }
  const Value* prompt = libstream::find_member(record, "prompt");
  check_conversation(prompt, "prompt", check);
  if (kto) {
    const Value* completion = libstream::find_member(record, "completion");
    check_conversation(completion, "completion", check);
    if (completion != nullptr && completion->IsArray() && !completion->Empty()) {
      const Value* role = (*completion)[0].IsObject() ? libstream::find_member((*completion)[0], "role") : nullptr;
      if (role == nullptr || !role->IsString() || libstream::string_of(*role) != "assistant") {
        add_error(check, "invalid_output", "completion[0].role", "a completion starts with the assistant's message");
      }
    }
    const Value* label = libstream::find_member(record, "label");
    if (label == nullptr || !label->IsBool()) {
      add_error(check, "invalid_label", "label", label == nullptr ? "absent" : "expected true or false, found " + kind_of(*label));
    }
    check.messages = prompt != nullptr && prompt->IsArray() ? prompt->Size() : 0;
    return;
  }
  const Value* chosen = libstream::find_member(record, "chosen");
  const Value* rejected = libstream::find_member(record, "rejected");
  for (const auto& [output, name] : {std::pair{chosen, "chosen"}, std::pair{rejected, "rejected"}}) {
    check_conversation(output, name, check);
    if (output == nullptr || !output->IsArray() || output->Empty()) continue;
    const Value* role = (*output)[0].IsObject() ? libstream::find_member((*output)[0], "role") : nullptr;
    if (role == nullptr || !role->IsString() || libstream::string_of(*role) != "assistant") {
      add_error(check, "invalid_output", std::string(name) + "[0].role", "a reply starts with the assistant's message");
    }
  }
  if (same_value(chosen, rejected)) add_warning(check, "identical_outputs", "rejected", "the same as chosen: the pair teaches nothing");
  check.messages = prompt != nullptr && prompt->IsArray() ? prompt->Size() : 0;
}

}  // namespace tracemill

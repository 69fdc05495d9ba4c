#include <libstream/chat_tokens.hpp>
#include <libstream/document.hpp>

#include <string>

namespace libstream {
namespace {

using rapidjson::Value;

uint64_t tokens_of(const Tokenizer& tokenizer, const Value* value) {
  return value != nullptr && value->IsString() ? tokenizer.count(string_of(*value)) : 0;
}

// The text of a non-string member value: content parts, tool calls, a legacy function_call.
uint64_t structured_tokens(const Tokenizer& tokenizer, const Value& value) {
  uint64_t tokens = 0;
  const auto call = [&](const Value& function) {
    if (!function.IsObject()) return;
    tokens += tokens_of(tokenizer, find_member(function, "name"));
    tokens += tokens_of(tokenizer, find_member(function, "arguments"));
  };
  if (value.IsArray()) {
    for (const Value& item : value.GetArray()) {
      if (!item.IsObject()) continue;
      if (const Value* function = find_member(item, "function")) {
        call(*function);  // a tool call
      } else {
        tokens += tokens_of(tokenizer, find_member(item, "text"));  // a content part
        tokens += tokens_of(tokenizer, find_member(item, "refusal"));
      }
    }
  } else if (value.IsObject()) {
    call(value);  // function_call
  }
  return tokens;
}

std::string without_final_period(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  return std::string(text);
}

std::string_view text_or_empty(const Value* value) {
  return value != nullptr && value->IsString() ? string_of(*value) : std::string_view();
}

uint64_t tool_definition_tokens(const Tokenizer& tokenizer, const Value& tools) {
  if (!tools.IsArray() || tools.Empty()) return 0;
  const int64_t function_start = tokenizer.encoding() == "cl100k_base" ? 10 : 7;
  constexpr int64_t kPropertiesStart = 3, kProperty = 3, kEnumStart = -3, kEnumItem = 3, kFunctionsEnd = 12;
  int64_t tokens = 0;
  for (const Value& tool : tools.GetArray()) {
    const Value* function = find_member(tool, "function");
    if (function == nullptr || !function->IsObject()) continue;
    tokens += function_start;
    const std::string line = std::string(text_or_empty(find_member(*function, "name"))) + ":" +
                             without_final_period(text_or_empty(find_member(*function, "description")));
    tokens += static_cast<int64_t>(tokenizer.count(line));
    const Value* parameters = find_member(*function, "parameters");
    const Value* properties = parameters != nullptr ? find_member(*parameters, "properties") : nullptr;
    if (properties == nullptr || !properties->IsObject() || properties->MemberCount() == 0) continue;
    tokens += kPropertiesStart;
    for (const auto& property : properties->GetObject()) {
      tokens += kProperty;
      if (const Value* items = find_member(property.value, "enum"); items != nullptr && items->IsArray()) {
        tokens += kEnumStart;
        for (const Value& item : items->GetArray()) {
          tokens += kEnumItem + static_cast<int64_t>(tokens_of(tokenizer, &item));
        }
      }
      const std::string entry = std::string(string_of(property.name)) + ":" +
                                std::string(text_or_empty(find_member(property.value, "type"))) + ":" +
                                without_final_period(text_or_empty(find_member(property.value, "description")));
      tokens += static_cast<int64_t>(tokenizer.count(entry));
    }
  }
  tokens += kFunctionsEnd;
  return tokens > 0 ? static_cast<uint64_t>(tokens) : 0;
}

}  // namespace

uint64_t count_message_tokens(const Tokenizer& tokenizer, const Value& message) {
  uint64_t tokens = 3;
  if (!message.IsObject()) return tokens;
  for (const auto& member : message.GetObject()) {
    tokens += member.value.IsString() ? tokenizer.count(string_of(member.value)) : structured_tokens(tokenizer, member.value);
    if (string_of(member.name) == "name") tokens += 1;
  }
  return tokens;
}

ChatTokens count_chat_tokens(const Tokenizer& tokenizer, const Value& messages, const Value* tools) {
  constexpr uint64_t kPerMessage = 3, kPerName = 1, kReplyPriming = 3;
  ChatTokens result;
  result.chat = kReplyPriming;
  if (messages.IsArray()) {
    for (const Value& message : messages.GetArray()) {
      result.chat += kPerMessage;
      uint64_t text = 0;
      if (!message.IsObject()) {
        result.per_message.push_back(0);
        continue;
      }
      const Value* role = find_member(message, "role");
      const bool assistant = role != nullptr && role->IsString() && string_of(*role) == "assistant";
      for (const auto& member : message.GetObject()) {
        const std::string_view key = string_of(member.name);
        const bool is_text = key == "content" || key == "tool_calls" || key == "function_call" || key == "refusal";
        const uint64_t tokens = member.value.IsString() ? tokenizer.count(string_of(member.value))
                                                        : structured_tokens(tokenizer, member.value);
        result.chat += tokens;
        if (key == "name") result.chat += kPerName;
        if (is_text) text += tokens;
        if (assistant && key == "content") result.assistant += tokens;
      }
      result.per_message.push_back(text);
      result.text += text;
    }
  }
  if (tools != nullptr) {
    result.tools = tool_definition_tokens(tokenizer, *tools);
    result.chat += result.tools;
  }
  return result;
}

}  // namespace libstream

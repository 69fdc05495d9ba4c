// Tokens of a chat example as OpenAI counts them for fine-tuning and chat requests (OpenAI
// cookbook, "How to count tokens with tiktoken" and the fine-tuning data preparation notebook):
//   every message costs 3 (<|start|>{role}\n ... <|end|>\n), plus the tokens of each of its
//   string values (role, content, name, tool_call_id, ...), plus 1 when it has a name; the
//   reply is primed with 3 more (<|start|>assistant<|message|>).
// Values the cookbook leaves out (it encodes strings only) are counted by their text: content
// parts by their text or refusal, tool calls by their function name and arguments; numbers,
// booleans and null (weight, content: null) cost nothing.
// Tool definitions (a "tools" array) follow the cookbook's function-calling count: per
// function 7 (o200k_base models; 10 for cl100k_base ones) + tokens of "name:description";
// with properties 3, and per property 3 + tokens of "name:type:description" (a description's
// final period dropped), an enum -3 + per item 3 + its tokens; 12 after the last function.
#pragma once

#include <libstream/tokenizer.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <vector>

namespace libstream {

struct ChatTokens {
  std::vector<uint64_t> per_message;  ///< tokens of each message's text: content, tool calls
  uint64_t text = 0;       ///< the sum of per_message
  uint64_t chat = 0;       ///< the example's count by the rule above (tool definitions included)
  uint64_t assistant = 0;  ///< tokens of assistant messages' content (the notebook's count)
  uint64_t tools = 0;      ///< the tool definitions' share of `chat`
};

/// One message's share of ChatTokens::chat: 3, its values' tokens, 1 for a name.
[[nodiscard]] uint64_t count_message_tokens(const Tokenizer& tokenizer, const rapidjson::Value& message);

/// Counts `messages` (an array; members that are not objects count 3 each) and the optional
/// tool definitions `tools` (nullptr when absent).
[[nodiscard]] ChatTokens count_chat_tokens(const Tokenizer& tokenizer, const rapidjson::Value& messages,
                                           const rapidjson::Value* tools);

}  // namespace libstream

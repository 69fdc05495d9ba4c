// Pieces the eval-harness dialects share (Harbor ATIF, verifiers, tau-bench, tau2-bench):
// message members the shared Message does not write yet (id, reasoning), token sums that
// keep cached tokens apart, and tool calls whose items are JSON written as strings.
#pragma once

#include "dialect.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tracemill::normalize::evals {

/// `message.json()` with more members (`"key": json` pairs) appended: trace/v1 members such
/// as `id` and `reasoning` that Message has no slot for.
inline std::string message_json(const Message& message, const std::vector<std::pair<std::string, std::string>>& more) {
  std::string out = message.json();
  if (more.empty()) return out;
  out.pop_back();  // the closing brace
  for (const auto& [key, json] : more) out += "," + quote(key) + ":" + json;
  return out + "}";
}

/// Token counts of one call or a whole session; a count stays unknown until a source has it.
struct TokenSums {
  std::optional<int64_t> input, output, cache_read;
  void add(std::optional<int64_t> in, std::optional<int64_t> out, std::optional<int64_t> cached) {
    if (in && *in >= 0) input = input.value_or(0) + *in;
    if (out && *out >= 0) output = output.value_or(0) + *out;
    if (cached && *cached >= 0) cache_read = cache_read.value_or(0) + *cached;
  }
  [[nodiscard]] bool known() const { return input || output || cache_read; }
  /// trace/v1 usage: input_tokens counts every prompt token (cached ones included).
  [[nodiscard]] std::string json() const {
    const auto n = [](const std::optional<int64_t>& x) { return x ? std::to_string(*x) : std::string("null"); };
    std::string out = "{\"input_tokens\":" + n(input) + ",\"output_tokens\":" + n(output) + ",\"total_tokens\":" +
                      (input && output ? std::to_string(*input + *output) : std::string("null"));
    if (cache_read) out += ",\"cache_read_tokens\":" + std::to_string(*cache_read);
    return out + "}";
  }
};

/// Which calls of a session are open, so every tool result answers exactly one: a call id
/// the session used before is written with a suffix ("~2"; tau-bench logs reuse ids), and a
/// result names the latest call of its id; a result naming none answers the oldest open call.
class CallLedger {
 public:
  /// The id to write for a call the source names `id`.
  std::string call(const std::string& id);
  /// The written id a result naming `id` answers (empty `id`: the oldest open call); empty
  /// when it answers no open call.
  std::string answer(const std::string& id);

 private:
  std::map<std::string, int> uses_;             // source id -> calls seen with it
  std::map<std::string, std::string> latest_;   // source id -> its latest written id
  std::vector<std::string> open_;               // written ids not answered yet, oldest first
};

/// Tool calls whose items may be JSON objects written as strings (verifiers writes them so
/// in some versions): each string is parsed, then the list is written as set_tool_calls does,
/// ids going through `ledger`. Throws MappingError when an item is neither an object nor a
/// string holding one.
void set_string_tool_calls(const Value& calls, Message& message, const std::string& id_prefix, const std::string& where,
                           CallLedger& ledger);

/// A chat message list in OpenAI form ({role, content, tool_calls?, tool_call_id?, name?}),
/// appended to `messages`: every member not mapped is kept in the message's extra, tool calls
/// may be JSON strings, results are paired through `ledger`. `where` names the list in errors.
void append_openai_messages(const Value& list, const std::string& where, std::vector<std::string>& messages,
                            CallLedger& ledger, const Warn& warn);

}  // namespace tracemill::normalize::evals

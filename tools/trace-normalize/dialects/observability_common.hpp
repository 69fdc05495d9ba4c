// What the observability-backend exports (Langfuse traces, LangSmith runs, OpenAI Agents SDK
// state and spans) share: token counts from any of their usage key sets, and the rule that
// keeps a parent's repeated usage from being counted twice.
#pragma once

#include "agent_common.hpp"

#include "../call_conversation.hpp"

#include <deque>

#include <string>
#include <vector>

namespace tracemill::normalize::observability {

/// Token counts of one usage object, whatever its key set: OpenAI (prompt_tokens,
/// completion_tokens, *_tokens_details), Anthropic (input_tokens + cache_*_input_tokens),
/// Gemini (prompt_token_count, candidates_token_count, thoughts_token_count), LangChain
/// usage_metadata (input_token_details.cache_read), Langfuse usageDetails (input, output,
/// total, input_cache_read, prompt_details.cache_read, output_reasoning, ...), Agents SDK
/// (details as lists of objects). Nested objects are read as `parent.key`. Detail counts
/// (cache, reasoning) are either parts of input/output or buckets beside them: when a total
/// is given it decides (input + output = total: parts; input + output + details = total:
/// buckets), otherwise the provider's convention does (Anthropic cache keys, Gemini thoughts
/// and Langfuse's own flat keys are buckets; OpenAI and LangChain details are parts).
/// input_tokens and output_tokens always include their details (docs/trace-v1.md).
agent::UsageCounts usage_of(const Value* usage);

/// Whether an object has any count usage_of reads.
bool has_usage(const Value* usage);

/// `sum` plus `one`, field by field; a field stays unknown until some call has it.
void add_usage(agent::UsageCounts& sum, const agent::UsageCounts& one);

/// Which nodes of a tree count their usage: a node's usage is counted only when no node
/// below it has usage (an agent or chain span that reports its calls' sum must not count
/// them twice). `parent[i]` is the index of node i's parent, or -1; `has[i]` whether node i
/// has usage. Returns, per node, whether its usage is counted.
std::vector<bool> counted_usage(const std::vector<int>& parent, const std::vector<bool>& has);

/// One LLM call into the conversation: its provider-native prompt and completion mapped to
/// OpenAI messages (provider_chat.hpp), then appended by `chat`. `converted` owns the mapped
/// messages for as long as `chat` needs them. Returns false when the call had no completion.
bool add_llm_call(ChatBuilder& chat, std::deque<rapidjson::Document>& converted, const Value* prompt,
                  const Value* completion, const std::string& model, const std::string& usage, Embedded& embedded);

/// A tool's result recorded apart from the LLM calls (a LangSmith tool run, an Agents SDK
/// function span): the call it answers when the source says, its tool name, its output.
struct ToolResult {
  std::string call_id;  ///< empty when the source does not say
  std::string name;
  std::string content;  ///< JSON: a string, or null
};

/// Appends a tool message for each result the conversation does not already hold: one with a
/// call id answers that call unless a tool message already does; one without answers the
/// oldest unanswered call of its tool name. Returns the results that answer no call of the
/// conversation (kept by the caller in extra, never as orphan tool messages).
std::vector<ToolResult> append_tool_results(std::vector<std::string>& messages, const std::vector<ToolResult>& results);

}  // namespace tracemill::normalize::observability

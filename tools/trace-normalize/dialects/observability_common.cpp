#include "observability_common.hpp"

#include "../provider_chat.hpp"

#include <set>
#include <string_view>

namespace tracemill::normalize::observability {
namespace {

enum class Kind { none, input, output, total, cache_read, cache_creation, reasoning };

struct KeyRule {
  std::string_view key;
  Kind kind;
  bool bucket;  // by the provider's convention, a count beside input/output rather than part of it
};

constexpr KeyRule kKeys[] = {
    {"input", Kind::input, false}, {"prompt_tokens", Kind::input, false}, {"input_tokens", Kind::input, false},
    {"promptTokens", Kind::input, false}, {"inputTokens", Kind::input, false},
    {"prompt_token_count", Kind::input, false}, {"promptTokenCount", Kind::input, false},
    {"output", Kind::output, false}, {"completion_tokens", Kind::output, false}, {"output_tokens", Kind::output, false},
    {"completionTokens", Kind::output, false}, {"outputTokens", Kind::output, false},
    {"candidates_token_count", Kind::output, false}, {"candidatesTokenCount", Kind::output, false},
    {"total", Kind::total, false}, {"total_tokens", Kind::total, false}, {"totalTokens", Kind::total, false},
    {"total_token_count", Kind::total, false}, {"totalTokenCount", Kind::total, false},
    // Langfuse's flat keys: buckets (its SDKs subtract details from input/output).
    {"input_cached_tokens", Kind::cache_read, true}, {"input_cache_read", Kind::cache_read, true},
    {"input_cache_creation", Kind::cache_creation, true}, {"input_cache_write", Kind::cache_creation, true},
    {"output_reasoning", Kind::reasoning, true}, {"output_reasoning_tokens", Kind::reasoning, true},
    {"prompt_details.cache_read", Kind::cache_read, true}, {"prompt_details.cache_write", Kind::cache_creation, true},
    {"completion_details.reasoning", Kind::reasoning, true},
    // Anthropic: buckets.
    {"cache_read_input_tokens", Kind::cache_read, true}, {"cache_creation_input_tokens", Kind::cache_creation, true},
    // Gemini: thoughts beside candidates; cached content part of the prompt.
    {"thoughts_token_count", Kind::reasoning, true}, {"thoughtsTokenCount", Kind::reasoning, true},
    {"cached_content_token_count", Kind::cache_read, false}, {"cachedContentTokenCount", Kind::cache_read, false},
    // OpenAI, LangChain, Agents SDK details: parts.
    {"prompt_tokens_details.cached_tokens", Kind::cache_read, false},
    {"input_tokens_details.cached_tokens", Kind::cache_read, false},
    {"input_tokens_details.cache_write_tokens", Kind::cache_creation, false},
    {"input_token_details.cache_read", Kind::cache_read, false},
    {"input_token_details.cache_creation", Kind::cache_creation, false},
    {"completion_tokens_details.reasoning_tokens", Kind::reasoning, false},
    {"output_tokens_details.reasoning_tokens", Kind::reasoning, false},
    {"output_token_details.reasoning", Kind::reasoning, false},
    {"cached_tokens", Kind::cache_read, false}, {"reasoning_tokens", Kind::reasoning, false},
};

const KeyRule* rule_of(std::string_view key) {
  for (const KeyRule& rule : kKeys) {
    if (rule.key == key) return &rule;
  }
  return nullptr;
}

struct Found {
  std::optional<int64_t> value[7];
  bool bucket[7] = {};
  bool any = false;
};

void take(Found& found, std::string_view key, const Value& v) {
  const KeyRule* rule = rule_of(key);
  if (rule == nullptr) return;
  const auto n = integer(&v);
  if (!n || *n < 0) return;
  const auto k = static_cast<size_t>(rule->kind);
  if (found.value[k] && (k <= static_cast<size_t>(Kind::total))) return;  // the first spelling of a main count wins
  found.value[k] = found.value[k].value_or(0) + *n;
  found.bucket[k] = rule->bucket;
  found.any = true;
}

void scan(Found& found, const Value& object, const std::string& prefix, int depth) {
  if (depth > 2) return;
  if (object.IsArray()) {  // Agents SDK: details as a list of objects, summed
    for (const Value& item : object.GetArray()) scan(found, item, prefix, depth + 1);
    return;
  }
  if (!object.IsObject()) return;
  for (const auto& m : object.GetObject()) {
    const std::string key = prefix + std::string(string_of(m.name));
    if (m.value.IsObject() || m.value.IsArray()) scan(found, m.value, key + ".", depth + 1);
    else take(found, key, m.value);
  }
}

}  // namespace

bool has_usage(const Value* usage) {
  if (usage == nullptr) return false;
  Found found;
  scan(found, *usage, "", 0);
  return found.any;
}

agent::UsageCounts usage_of(const Value* usage) {
  agent::UsageCounts out;
  if (usage == nullptr) return out;
  Found f;
  scan(f, *usage, "", 0);
  const auto get = [&](Kind k) { return f.value[static_cast<size_t>(k)]; };
  const Kind details[] = {Kind::cache_read, Kind::cache_creation, Kind::reasoning};
  bool bucket[3];
  for (int i = 0; i < 3; ++i) bucket[i] = f.bucket[static_cast<size_t>(details[i])];
  if (const auto total = get(Kind::total); total && (get(Kind::input) || get(Kind::output))) {
    const int64_t main = get(Kind::input).value_or(0) + get(Kind::output).value_or(0);
    int64_t all = main;
    for (Kind k : details) all += get(k).value_or(0);
    if (main == *total) {
      for (bool& b : bucket) b = false;
    } else if (all == *total) {
      for (bool& b : bucket) b = true;
    }
  }
  out.input = get(Kind::input);
  out.output = get(Kind::output);
  out.total = get(Kind::total);
  out.cache_read = get(Kind::cache_read);
  out.cache_creation = get(Kind::cache_creation);
  out.reasoning = get(Kind::reasoning);
  if (bucket[0] && out.cache_read) out.input = out.input.value_or(0) + *out.cache_read;
  if (bucket[1] && out.cache_creation) out.input = out.input.value_or(0) + *out.cache_creation;
  if (bucket[2] && out.reasoning) out.output = out.output.value_or(0) + *out.reasoning;
  if (!out.total && out.input && out.output) out.total = *out.input + *out.output;
  return out;
}

void add_usage(agent::UsageCounts& sum, const agent::UsageCounts& one) {
  const auto add = [](std::optional<int64_t>& a, const std::optional<int64_t>& b) {
    if (b) a = a.value_or(0) + *b;
  };
  add(sum.input, one.input);
  add(sum.output, one.output);
  add(sum.total, one.total);
  add(sum.cache_read, one.cache_read);
  add(sum.cache_creation, one.cache_creation);
  add(sum.reasoning, one.reasoning);
  add(sum.tool, one.tool);
}

std::vector<bool> counted_usage(const std::vector<int>& parent, const std::vector<bool>& has) {
  std::vector<bool> below(parent.size(), false);  // some descendant has usage
  for (size_t i = 0; i < parent.size(); ++i) {
    if (!has[i]) continue;
    // Walk up (bounded: a cycle in hostile input must not loop forever).
    int p = parent[i];
    for (size_t steps = 0; p >= 0 && static_cast<size_t>(p) < parent.size() && steps < parent.size(); ++steps) {
      if (below[static_cast<size_t>(p)]) break;
      below[static_cast<size_t>(p)] = true;
      p = parent[static_cast<size_t>(p)];
    }
  }
  std::vector<bool> counted(parent.size());
  for (size_t i = 0; i < parent.size(); ++i) counted[i] = has[i] && !below[i];
  return counted;
}

bool add_llm_call(ChatBuilder& chat, std::deque<rapidjson::Document>& converted, const Value* prompt,
                  const Value* completion, const std::string& model, const std::string& usage, Embedded& embedded) {
  provider::Converter input;
  input.prompt(prompt, embedded);
  provider::Converter reply = input;  // the same ids for calls the completion answers or repeats
  reply.messages.clear();
  reply.completion(completion, embedded);
  auto& prompt_doc = converted.emplace_back();
  prompt_doc.Parse(array_json(input.messages).c_str());
  auto& reply_doc = converted.emplace_back();
  reply_doc.Parse(array_json(reply.messages).c_str());
  chat.add_call_replies(&prompt_doc, reply_doc, std::nullopt, model, usage, embedded);
  return !reply.messages.empty();
}

std::vector<ToolResult> append_tool_results(std::vector<std::string>& messages, const std::vector<ToolResult>& results) {
  std::vector<std::pair<std::string, std::string>> calls;  // (id, name), in order
  std::set<std::string> answered;
  for (const std::string& text_json : messages) {
    rapidjson::Document m;
    m.Parse(text_json.c_str());
    if (auto id = text(find_member(m, "tool_call_id"))) answered.emplace(*id);
    append_call_ids(find_member(m, "tool_calls"), calls);
  }
  std::vector<ToolResult> orphans;
  for (const ToolResult& result : results) {
    std::string id = result.call_id;
    bool known = false;
    for (const auto& [call_id, name] : calls) {
      if (id.empty() ? (name == result.name && answered.count(call_id) == 0) : call_id == id) {
        id = call_id;
        known = true;
        break;
      }
    }
    if (!known) {
      orphans.push_back(result);
      continue;
    }
    if (!answered.insert(id).second) continue;  // the conversation holds it already
    Message tool;
    tool.role = "tool";
    tool.tool_call_id = id;
    tool.content = result.content;
    if (!result.name.empty()) tool.name = result.name;
    messages.push_back(tool.json());
  }
  return orphans;
}

}  // namespace tracemill::normalize::observability

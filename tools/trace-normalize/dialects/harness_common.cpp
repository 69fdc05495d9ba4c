#include "harness_common.hpp"

#include <libstream/document.hpp>
#include <libstream/hash.hpp>
#include <libstream/time.hpp>

namespace tracemill::normalize::harness {
namespace {

void add_to(std::optional<uint64_t>& sum, std::optional<int64_t> value) {
  if (value && *value >= 0) sum = sum.value_or(0) + static_cast<uint64_t>(*value);
}

std::optional<int64_t> first_integer(const Value& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (auto n = integer(find_present(object, key))) return n;
  }
  return std::nullopt;
}

std::optional<int64_t> nested_integer(const Value& object, const char* inner, const char* key) {
  const Value* nested = find_present(object, inner);
  return nested != nullptr && nested->IsObject() ? integer(find_present(*nested, key)) : std::nullopt;
}

}  // namespace

void TokenCounts::add_usage(const Value& usage) {
  if (!usage.IsObject()) return;
  add_to(input, first_integer(usage, {"prompt_tokens", "input_tokens"}));
  add_to(output, first_integer(usage, {"completion_tokens", "output_tokens"}));
  add_to(total, first_integer(usage, {"total_tokens"}));
  std::optional<int64_t> cached = first_integer(usage, {"cache_read_input_tokens", "cache_read_tokens"});
  if (!cached) cached = nested_integer(usage, "prompt_tokens_details", "cached_tokens");
  add_to(cache_read, cached);
  add_to(cache_creation, first_integer(usage, {"cache_creation_input_tokens", "cache_write_tokens"}));
  std::optional<int64_t> thinking = first_integer(usage, {"reasoning_tokens"});
  if (!thinking) thinking = nested_integer(usage, "completion_tokens_details", "reasoning_tokens");
  add_to(reasoning, thinking);
}

void TokenCounts::add(const TokenCounts& other) {
  const auto plus = [](std::optional<uint64_t>& a, const std::optional<uint64_t>& b) {
    if (b) a = a.value_or(0) + *b;
  };
  plus(input, other.input);
  plus(output, other.output);
  plus(total, other.total);
  plus(cache_read, other.cache_read);
  plus(cache_creation, other.cache_creation);
  plus(reasoning, other.reasoning);
}

std::string TokenCounts::json() const {
  const auto n = [](const std::optional<uint64_t>& x) { return x ? std::to_string(*x) : std::string("null"); };
  std::optional<uint64_t> sum = total;
  if (!sum && input && output) sum = *input + *output;
  std::string out = "{\"input_tokens\":" + n(input) + ",\"output_tokens\":" + n(output) + ",\"total_tokens\":" + n(sum);
  if (cache_read) out += ",\"cache_read_tokens\":" + n(cache_read);
  if (cache_creation) out += ",\"cache_creation_tokens\":" + n(cache_creation);
  if (reasoning) out += ",\"reasoning_tokens\":" + n(reasoning);
  return out + "}";
}

void CallIds::issue(Message& message) {
  if (message.tool_calls.empty()) return;
  rapidjson::Document calls;
  if (!libstream::parse_embedded_json(message.tool_calls, calls) || !calls.IsArray()) return;
  std::string originals;
  for (const Value& call : calls.GetArray()) {
    const std::string id(text(find_member(call, "id")).value_or(""));
    if (id.empty()) continue;
    const int use = ++uses_[id];
    if (use == 1) {
      latest_[id] = id;
      continue;
    }
    const std::string unique = id + "~" + std::to_string(use);
    const std::string from = "{\"id\":" + quote(id) + ",\"type\":\"function\"";
    const size_t at = message.tool_calls.find(from);
    if (at == std::string::npos) continue;
    message.tool_calls.replace(at, from.size(), "{\"id\":" + quote(unique) + ",\"type\":\"function\"");
    latest_[id] = unique;
    originals += (originals.empty() ? "" : ",") + quote(unique) + ":" + quote(id);
    ++renamed_;
  }
  if (!originals.empty()) message.extra.emplace_back("source_tool_call_ids", "{" + originals + "}");
}

std::string CallIds::answer(const std::string& id) const {
  const auto it = latest_.find(id);
  return it == latest_.end() ? id : it->second;
}

std::string with_members(std::string message, const std::vector<std::pair<std::string, std::string>>& members) {
  if (members.empty() || message.empty() || message.back() != '}') return message;
  message.pop_back();
  for (const auto& [key, json] : members) message += "," + quote(key) + ":" + json;
  return message + "}";
}

std::string reasoning_json(const Value* thinking_blocks, const Value* reasoning_text) {
  std::vector<std::string> parts;
  if (thinking_blocks != nullptr && thinking_blocks->IsArray()) {
    for (const Value& block : thinking_blocks->GetArray()) {
      const std::string_view type = text(find_member(block, "type")).value_or("thinking");
      if (type == "redacted_thinking") {
        parts.push_back("{\"type\":\"redacted\",\"data\":" + quote(text(find_member(block, "data")).value_or("")) + "}");
        continue;
      }
      std::string part = "{\"type\":\"thinking\",\"text\":" + quote(text(find_member(block, "thinking")).value_or(""));
      if (auto signature = text(find_member(block, "signature"))) part += ",\"signature\":" + quote(*signature);
      parts.push_back(part + "}");
    }
  }
  // The plain text is the same reasoning as the blocks when both are given (LiteLLM fills both).
  if (parts.empty()) {
    if (auto t = text(reasoning_text); t && !t->empty()) parts.push_back("{\"type\":\"thinking\",\"text\":" + quote(*t) + "}");
  }
  return parts.empty() ? std::string() : array_json(parts);
}

std::string file_stem(const std::string& file) {
  if (file.empty() || file == "-" || file == "<stdin>") return {};
  std::string base = file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1);
  for (const char* suffix : {".zst", ".gz", ".jsonl", ".json", ".traj"}) {
    const std::string s(suffix);
    if (base.size() > s.size() && base.compare(base.size() - s.size(), s.size(), s) == 0) base.resize(base.size() - s.size());
  }
  return base;
}

std::string record_file(const Value& record, const std::string& file) {
  if (const Value* provenance = find_present(record, "_source")) {
    if (auto f = text(find_member(*provenance, "file"))) return std::string(*f);
  }
  return file;
}

std::string source_json(const char* format, std::optional<std::string_view> version, const Value* provenance) {
  std::string out = "{\"format\":" + quote(format);
  if (version) out += ",\"version\":" + quote(*version);
  if (provenance != nullptr && provenance->IsObject()) {
    for (const auto& m : provenance->GetObject()) out += "," + quote(string_of(m.name)) + ":" + json_of(m.value);
  }
  return out + "}";
}


std::string instant_text(const Value* value) {
  if (value == nullptr) return {};
  std::optional<int64_t> instant;
  if (value->IsString()) instant = libstream::parse_instant(string_of(*value));
  if (value->IsNumber()) instant = libstream::parse_instant(number_json(value->GetDouble()));
  return instant ? libstream::format_instant(*instant) : std::string();
}

}  // namespace tracemill::normalize::harness

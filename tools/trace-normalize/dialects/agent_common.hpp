// Small pieces the coding-agent dialects (Codex CLI, Gemini CLI) share: the members of an
// object a mapping did not use, times kept when they are not times, arguments that must be
// JSON text, and usage objects written with trace/v1 names.
#pragma once

#include "../session_builder.hpp"

#include <libstream/json.hpp>
#include <libstream/time.hpp>

#include <charconv>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill::normalize::agent {

inline bool used_name(std::string_view name, std::initializer_list<std::string_view> used) {
  for (std::string_view u : used) {
    if (u == name) return true;
  }
  return false;
}

/// Every member of `object` not in `used`, as (name, JSON) pairs appended to `out`.
inline void keep_members(const Value& object, std::initializer_list<std::string_view> used,
                         std::vector<std::pair<std::string, std::string>>& out) {
  if (!object.IsObject()) return;
  for (const auto& m : object.GetObject()) {
    if (!used_name(string_of(m.name), used)) out.emplace_back(std::string(string_of(m.name)), json_of(m.value));
  }
}

/// (name, JSON) pairs as a JSON object, or empty when there are none.
inline std::string members_json(const std::vector<std::pair<std::string, std::string>>& members) {
  if (members.empty()) return {};
  std::string out = "{";
  for (size_t i = 0; i < members.size(); ++i) out += (i > 0 ? "," : "") + quote(members[i].first) + ":" + members[i].second;
  return out + "}";
}

/// The members of `object` not in `used` as a JSON object, or empty when there are none.
inline std::string rest_json(const Value& object, std::initializer_list<std::string_view> used) {
  std::vector<std::pair<std::string, std::string>> rest;
  keep_members(object, used, rest);
  return members_json(rest);
}

/// Microseconds of a time string, if it is one.
inline std::optional<int64_t> instant_of(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsNumber()) return libstream::parse_instant(number_json(value->GetDouble()));
  if (!value->IsString()) return std::nullopt;
  return libstream::parse_instant(string_of(*value));
}

/// A message's created_at from a source time (the same instant, written as RFC 3339 UTC); a
/// value that is not a time is kept in extra under its source name.
inline void set_message_time(Message& message, const Value* value, const char* source_name) {
  if (value == nullptr || value->IsNull()) return;
  if (auto instant = instant_of(value)) {
    message.created_at = libstream::format_instant(*instant);
    return;
  }
  message.extra.emplace_back(source_name, json_of(*value));
}

/// A tool call's arguments as trace/v1 wants them (JSON text in a string). A string that is
/// JSON text is taken as it is; anything else is wrapped as {"input": value} and the source's
/// value kept in original_arguments under the call's id.
inline std::string arguments_text(const Value* arguments, const std::string& call_id, std::string& originals) {
  static thread_local libstream::JsonChecker checker;
  if (arguments != nullptr && arguments->IsString()) {
    libstream::JsonError error;
    if (checker.check(arguments->GetString(), arguments->GetStringLength(), &error)) return json_of(*arguments);
  }
  if (arguments != nullptr && arguments->IsObject()) {
    const std::string json = json_of(*arguments);  // written once, used twice
    if (!originals.empty()) originals += ',';
    libstream::append_json_string(originals, call_id);
    originals += ':';
    originals += json;
    return quote(json);
  }
  const std::string original = arguments != nullptr ? json_of(*arguments) : "null";
  originals += (originals.empty() ? "" : ",") + quote(call_id) + ":" + original;
  if (arguments == nullptr || arguments->IsNull()) return quote("{}");
  ++tool_call_guesses().wrapped_arguments;
  return quote("{\"input\":" + original + "}");
}

/// One OpenAI tool call.
inline std::string tool_call_json(const std::string& id, std::string_view name, const std::string& arguments) {
  std::string out;  // one buffer: the arguments are often the call's bulk
  out.reserve(arguments.size() + id.size() + name.size() + 64);
  out += "{\"id\":";
  libstream::append_json_string(out, id);
  out += ",\"type\":\"function\",\"function\":{\"name\":";
  libstream::append_json_string(out, name);
  out += ",\"arguments\":";
  out += arguments;
  out += "}}";
  return out;
}

/// A trace/v1 usage object from named counts (absent counts left out; input and output always written).
struct UsageCounts {
  std::optional<int64_t> input, output, total, cache_read, cache_creation, reasoning, tool;
  [[nodiscard]] bool known() const { return input || output || total; }
  [[nodiscard]] std::string json() const {
    // Appended into one buffer: written once per message of some sources.
    std::string out;
    out.reserve(192);
    const auto put = [&out](const char* key, const std::optional<int64_t>& x) {
      out += key;
      if (!x || *x < 0) {
        out += "null";
        return;
      }
      char digits[24];
      const auto written = std::to_chars(digits, digits + sizeof digits, *x);
      out.append(digits, static_cast<size_t>(written.ptr - digits));
    };
    put("{\"input_tokens\":", input);
    put(",\"output_tokens\":", output);
    put(",\"total_tokens\":", total);
    if (cache_read) put(",\"cache_read_tokens\":", cache_read);
    if (cache_creation) put(",\"cache_creation_tokens\":", cache_creation);
    if (reasoning) put(",\"reasoning_tokens\":", reasoning);
    if (tool) put(",\"tool_tokens\":", tool);
    out += '}';
    return out;
  }
};

}  // namespace tracemill::normalize::agent

#include "validate.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>
#include <libstream/chat_tokens.hpp>
#include <libstream/tokens.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <cstring>
#include <set>
#include <string_view>

namespace tracemill {

using rapidjson::Value;

namespace {

std::string kind(const Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: {
      std::string text(value.GetString(), std::min<size_t>(value.GetStringLength(), 40));
      std::string quoted;
      libstream::append_json_string(quoted, text);
      return "the string " + quoted + (value.GetStringLength() > 40 ? "..." : "");
    }
    case rapidjson::kNumberType: {
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      value.Accept(writer);
      return std::string("the number ") + buffer.GetString();
    }
  }
  return "?";
}


bool one_of(std::string_view value, std::initializer_list<std::string_view> choices) {
  return std::find(choices.begin(), choices.end(), value) != choices.end();
}

std::string at(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }
std::string at(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }

struct Collector {
  RecordCheck& check;
  void error(const char* code, std::string path, std::string detail) {
    check.errors.push_back({code, std::move(path), std::move(detail)});
  }
  void warning(const char* code, std::string path, std::string detail) {
    check.warnings.push_back({code, std::move(path), std::move(detail)});
  }
};

// Content parts: the types each role may use in the fine-tuning schema.
void check_parts(const Value& parts, const std::string& path, std::string_view role, Collector& out,
                 uint64_t* tokens) {
  for (rapidjson::SizeType k = 0; k < parts.Size(); ++k) {
    const Value& part = parts[k];
    const std::string where = at(path, k);
    const Value* type = part.IsObject() ? libstream::find_member(part, "type") : nullptr;
    if (type == nullptr || !type->IsString()) {
      out.error("invalid_content_part", where, "expected an object with a string \"type\", found " + kind(part));
      continue;
    }
    const std::string_view name = libstream::string_of(*type);
    const bool allowed = name == "text" || (role == "user" && name == "image_url") ||
                         (role == "assistant" && name == "refusal");
    if (!allowed) {
      out.error("invalid_content_part", at(where, "type"),
                "a message of role " + std::string(role) + " may not hold a \"" + std::string(name) + "\" part");
      continue;
    }
    const char* field = name == "image_url" ? "image_url" : name == "refusal" ? "refusal" : "text";
    const Value* value = libstream::find_member(part, field);
    if (value == nullptr) {
      out.error("invalid_content_part", at(where, field), "absent");
    } else if (name == "image_url" ? !value->IsObject() || libstream::find_member(*value, "url") == nullptr : !value->IsString()) {
      out.error("invalid_content_part", at(where, field), "unexpected " + kind(*value));
    } else if (value->IsString() && tokens != nullptr) {
      *tokens += libstream::estimate_tokens(libstream::string_of(*value));
    }
  }
}

/// Adds the calls' token estimate to `*tokens` when given (the trace profile needs none:
/// estimating every call's arguments was a tenth of its time).
void check_tool_calls(const Value& calls, const std::string& path, std::set<std::string>& issued, Collector& out,
                      uint64_t* tokens) {
  if (!calls.IsArray()) {
    out.error("invalid_tool_call", path, "expected an array, found " + kind(calls));
    return;
  }
  static thread_local libstream::JsonChecker json;  // one per thread, not one per message
  for (rapidjson::SizeType j = 0; j < calls.Size(); ++j) {
    const Value& call = calls[j];
    const std::string where = at(path, j);
    if (!call.IsObject()) {
      out.error("invalid_tool_call", where, "expected an object, found " + kind(call));
      continue;
    }
    const Value* id = libstream::find_member(call, "id");
    if (id == nullptr || !id->IsString() || id->GetStringLength() == 0) {
      out.error("invalid_tool_call", at(where, "id"), id == nullptr ? "absent" : "expected a non-empty string, found " + kind(*id));
    } else if (!issued.insert(std::string(libstream::string_of(*id))).second) {
      out.error("duplicate_tool_call_id", at(where, "id"), "\"" + std::string(libstream::string_of(*id)) + "\" is used twice in this example");
    }
    const Value* type = libstream::find_member(call, "type");
    if (type == nullptr || !type->IsString() || libstream::string_of(*type) != "function") {
      out.error("invalid_tool_call", at(where, "type"), type == nullptr ? "absent" : "expected \"function\", found " + kind(*type));
    }
    const Value* function = libstream::find_member(call, "function");
    if (function == nullptr || !function->IsObject()) {
      out.error("invalid_tool_call", at(where, "function"), function == nullptr ? "absent" : "expected an object, found " + kind(*function));
      continue;
    }
    const Value* name = libstream::find_member(*function, "name");
    if (name == nullptr || !name->IsString() || name->GetStringLength() == 0) {
      out.error("invalid_tool_call", at(where, "function.name"), name == nullptr ? "absent" : "expected a non-empty string, found " + kind(*name));
    } else if (tokens != nullptr) {
      *tokens += libstream::estimate_tokens(libstream::string_of(*name));
    }
    const Value* arguments = libstream::find_member(*function, "arguments");
    if (arguments == nullptr) {
      out.error("invalid_tool_call", at(where, "function.arguments"), "absent");
    } else if (!arguments->IsString()) {
      out.error("arguments_not_string", at(where, "function.arguments"),
                "expected a JSON-encoded string, found " + kind(*arguments) +
                    " (the Hugging Face form: serialise it for OpenAI)");
    } else {
      libstream::JsonError error;
      if (!json.check(arguments->GetString(), arguments->GetStringLength(), &error)) {
        out.error("arguments_not_json", at(where, "function.arguments"), "not JSON text: " + error.describe());
      }
      if (tokens != nullptr) *tokens += libstream::estimate_tokens(libstream::string_of(*arguments));
    }
  }
}

void check_tools(const Value& record, Collector& out) {
  if (const Value* tools = libstream::find_member(record, "tools")) {
    if (!tools->IsArray()) {
      out.error("invalid_tools", "tools", "expected an array, found " + kind(*tools));
    } else {
      for (rapidjson::SizeType i = 0; i < tools->Size(); ++i) {
        const Value& tool = (*tools)[i];
        const Value* type = tool.IsObject() ? libstream::find_member(tool, "type") : nullptr;
        const Value* function = tool.IsObject() ? libstream::find_member(tool, "function") : nullptr;
        const Value* name = function != nullptr && function->IsObject() ? libstream::find_member(*function, "name") : nullptr;
        if (type == nullptr || !type->IsString() || libstream::string_of(*type) != "function" || name == nullptr || !name->IsString()) {
          out.error("invalid_tools", at("tools", i), "expected {\"type\":\"function\",\"function\":{\"name\":...}}, found " + kind(tool));
        }
      }
    }
  }
  if (const Value* parallel = libstream::find_member(record, "parallel_tool_calls")) {
    if (!parallel->IsBool()) out.error("invalid_tools", "parallel_tool_calls", "expected a boolean, found " + kind(*parallel));
  }
}

}  // namespace


void check_openai_chat(const Value& record, const ValidateOptions& options, RecordCheck& check) {
  Collector out{check};
  // Estimated here only when they are not counted exactly below (or not wanted at all).
  const bool estimating = options.count_tokens && options.counter == nullptr;
  if (!record.IsObject()) {
    out.error("data_type", "", "expected an object, found " + kind(record));
    return;
  }
  for (const auto& m : record.GetObject()) {
    const std::string_view name = libstream::string_of(m.name);
    if (!one_of(name, {"messages", "tools", "parallel_tool_calls", "functions"})) {
      out.warning("non_portable_key", std::string(name), "not part of the fine-tuning schema: strip it before upload");
    }
  }
  const Value* messages = libstream::find_member(record, "messages");
  if (messages == nullptr || !messages->IsArray() || messages->Empty()) {
    out.error("missing_messages_list", "messages",
              messages == nullptr ? "absent" : messages->IsArray() ? "empty" : "expected an array, found " + kind(*messages));
    return;
  }
  check_tools(record, out);

  std::set<std::string> issued;  // tool call ids of earlier assistant messages
  bool has_assistant = false, trainable = false, has_system = false, has_user = false;
  uint64_t tokens = 3;  // the reply priming of the cookbook's count
  for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
    const Value& message = (*messages)[i];
    const std::string path = at("messages", i);
    ++check.messages;
    if (!message.IsObject()) {
      out.error("data_type", path, "expected a message object, found " + kind(message));
      continue;
    }
    tokens += 3;
    const Value* role_value = libstream::find_member(message, "role");
    if (role_value == nullptr) {
      out.error("message_missing_key", at(path, "role"), "absent");
      continue;
    }
    if (!role_value->IsString() || !one_of(libstream::string_of(*role_value), {"system", "user", "assistant", "tool", "function"})) {
      out.error("unrecognized_role", at(path, "role"), "expected system, user, assistant or tool, found " + kind(*role_value));
      continue;
    }
    const std::string_view role = libstream::string_of(*role_value);
    if (estimating) tokens += libstream::estimate_tokens(role);
    const bool assistant = role == "assistant";

    std::string unknown;
    for (const auto& m : message.GetObject()) {
      const std::string_view key = libstream::string_of(m.name);
      bool allowed = one_of(key, {"role", "content"});
      if (role == "system" || role == "user" || role == "function") allowed = allowed || key == "name";
      if (assistant) allowed = allowed || one_of(key, {"name", "refusal", "audio", "tool_calls", "function_call", "weight"});
      if (role == "tool") allowed = allowed || key == "tool_call_id";
      if (key == "weight" && !assistant) {
        out.error("invalid_weight", at(path, "weight"), "weight is allowed on assistant messages only");
        continue;
      }
      if (!allowed) unknown += (unknown.empty() ? "" : ", ") + std::string(key);
      if (key == "name") tokens += 1;
      if (key == "name" && m.value.IsString() && estimating) tokens += libstream::estimate_tokens(libstream::string_of(m.value));
    }
    if (!unknown.empty()) {
      out.error("message_unrecognized_key", path, "keys not allowed on a message of role " + std::string(role) + ": " + unknown);
    }

    const Value* content = libstream::find_member(message, "content");
    const Value* tool_calls = libstream::find_member(message, "tool_calls");
    const bool has_calls = (tool_calls != nullptr && tool_calls->IsArray() && !tool_calls->Empty()) ||
                           libstream::find_member(message, "function_call") != nullptr;
    uint64_t content_tokens = 0;
    if (content == nullptr) {
      if (!(assistant && has_calls)) {
        out.error("message_missing_key", at(path, "content"), assistant ? "absent, and there are no tool_calls" : "absent");
      }
    } else if (content->IsNull()) {
      if (!(assistant && has_calls) && role != "function") {
        out.error("missing_content", at(path, "content"), assistant ? "null, and there are no tool_calls" : "null");
      }
    } else if (content->IsString()) {
      // A tool that printed nothing answers with "": the answer is there, and says so.
      if (content->GetStringLength() == 0 && !(assistant && has_calls) && role != "tool") {
        out.error("missing_content", at(path, "content"), "empty");
      }
      if (estimating) content_tokens = libstream::estimate_tokens(libstream::string_of(*content));
    } else if (content->IsArray()) {
      if (content->Empty() && !(assistant && has_calls)) out.error("missing_content", at(path, "content"), "an empty array");
      check_parts(*content, at(path, "content"), role, out, estimating ? &content_tokens : nullptr);
    } else {
      out.error("missing_content", at(path, "content"), "expected a string or an array of parts, found " + kind(*content));
    }
    tokens += content_tokens;

    if (assistant) {
      has_assistant = true;
      check.assistant_tokens += content_tokens;
      if (tool_calls != nullptr) check_tool_calls(*tool_calls, at(path, "tool_calls"), issued, out, estimating ? &tokens : nullptr);
      const Value* weight = libstream::find_member(message, "weight");
      if (weight != nullptr && !(weight->IsInt() && (weight->GetInt() == 0 || weight->GetInt() == 1))) {
        out.error("invalid_weight", at(path, "weight"), "expected 0 or 1, found " + kind(*weight));
      }
      // Only an explicit 0 masks a turn; an invalid weight is reported once, above.
      if (weight == nullptr || !(weight->IsInt() && weight->GetInt() == 0)) trainable = true;
    } else if (role == "tool") {
      const Value* call_id = libstream::find_member(message, "tool_call_id");
      if (call_id == nullptr) {
        out.error("message_missing_key", at(path, "tool_call_id"), "absent: a tool message answers a call");
      } else if (!call_id->IsString()) {
        out.error("tool_call_id_unknown", at(path, "tool_call_id"), "expected a string, found " + kind(*call_id));
      } else if (options.example_rules && issued.count(std::string(libstream::string_of(*call_id))) == 0) {
        out.error("tool_call_id_unknown", at(path, "tool_call_id"),
                  "\"" + std::string(libstream::string_of(*call_id)) + "\" answers no earlier tool call of this example");
      }
    } else if (role == "system") {
      has_system = true;
    } else if (role == "user") {
      has_user = true;
    }
  }
  if (options.example_rules) {
    if (!has_assistant) {
      out.error("example_missing_assistant_message", "messages", "no assistant message");
    } else if (!trainable) {
      out.error("no_trainable_assistant", "messages", "every assistant message has weight 0: nothing to train on");
    }
    if (!has_system) out.warning("missing_system_message", "messages", "no system message");
    if (!has_user) out.warning("missing_user_message", "messages", "no user message");
  }
  if (!options.count_tokens) return;
  if (options.counter != nullptr) {  // exact counts replace the estimate
    const libstream::ChatTokens exact = libstream::count_chat_tokens(*options.counter, *messages, libstream::find_member(record, "tools"));
    tokens = exact.chat;
    check.assistant_tokens = exact.assistant;
  }
  check.tokens = tokens;
  if (options.model_limit > 0 && tokens > options.model_limit) {
    out.error("too_many_tokens", "messages",
              std::to_string(tokens) + " tokens, over the " + std::to_string(options.model_limit) + " that one training example of " +
                  options.tokenizer.model + " may hold");
  }
  if (tokens > options.max_tokens) {
    out.warning("over_token_limit", "messages",
                (options.counter != nullptr ? "" : "about ") + std::to_string(tokens) + " tokens, over --max-tokens " +
                    std::to_string(options.max_tokens));
  }
}

uint64_t training_example_limit(std::string_view model) {
  // OpenAI's fine-tuning limits per training example (its fine-tuning guide; Azure OpenAI's
  // model table gives the same): the gpt-4o snapshots 65,536, gpt-3.5-turbo 16,385 (0613:
  // 4,096). Longest name first: a snapshot's own entry wins over its family's.
  static const std::pair<std::string_view, uint64_t> kLimits[] = {
      {"gpt-3.5-turbo-0613", 4096}, {"gpt-4o-mini", 65536}, {"gpt-3.5-turbo", 16385}, {"gpt-4o", 65536}};
  for (const auto& [name, limit] : kLimits) {
    if (model.substr(0, name.size()) == name) return limit;
  }
  return 0;
}

// The first kDescribedFindings findings, then their count: a record with a million unknown
// members made one 70 MB diagnostic line.
constexpr size_t kDescribedFindings = 20;

std::string describe(const std::vector<Finding>& findings) {
  std::string text;
  for (size_t i = 0; i < findings.size() && i < kDescribedFindings; ++i) {
    const Finding& f = findings[i];
    if (!text.empty()) text += "; ";
    text += (f.path.empty() ? "" : f.path + ": ") + f.detail + " [" + f.code + "]";
  }
  if (findings.size() > kDescribedFindings) {
    text += "; and " + std::to_string(findings.size() - kDescribedFindings) + " more";
  }
  return text;
}

}  // namespace tracemill

namespace tracemill {
namespace {

bool rfc3339_utc(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z
  const auto digits = [&](size_t from, size_t count) {
    for (size_t k = from; k < from + count; ++k) {
      if (k >= s.size() || s[k] < '0' || s[k] > '9') return false;
    }
    return true;
  };
  if (s.size() < 20 || !digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2) ||
      s[10] != 'T' || !digits(11, 2) || s[13] != ':' || !digits(14, 2) || s[16] != ':' || !digits(17, 2)) {
    return false;
  }
  size_t k = 19;
  if (s[k] == '.') {
    ++k;
    const size_t start = k;
    while (k < s.size() && s[k] >= '0' && s[k] <= '9') ++k;
    if (k == start) return false;
  }
  return k + 1 == s.size() && s[k] == 'Z';
}

const std::initializer_list<std::string_view> kTraceKeys = {
    "schema", "session_id", "messages", "reward", "achievements", "model", "model_source", "experiment_id",
    "split", "task_id", "seed", "created_at", "usage", "cost_usd", "cost_usd_cents_truncated", "status", "env",
    "policy", "turns", "event_rewards", "scores", "phase", "trial_id", "job_id", "config", "source", "extra",
    "original_session_id", "original_created_at", "reward_source", "error", "outcome", "events", "env_messages",
    "timesteps", "experiment", "parent_session_id", "parent_tool_call_id", "ended_at", "branches"};
const std::initializer_list<std::string_view> kMessageKeys = {
    "role", "content", "tool_calls", "tool_call_id", "name", "original_role", "original_arguments",
    "model", "usage", "turn", "created_at", "reward", "context_messages", "extra", "id", "reasoning", "is_error"};

/// Content parts of trace/v1 (docs/trace-v1.md): {type, <payload>, extra?} with text (a
/// string), image_url ({url}), input_audio and file (objects), refusal (a string). Any other
/// shape (LLaMA-Factory's {type, value}, a provider's own part) is an error: a dialect converts
/// it, or keeps it under extra.
void check_trace_parts(const Value& parts, const std::string& path, Collector& out) {
  for (rapidjson::SizeType k = 0; k < parts.Size(); ++k) {
    const Value& part = parts[k];
    const std::string where = at(path, k);
    const Value* type = part.IsObject() ? libstream::find_member(part, "type") : nullptr;
    if (type == nullptr || !type->IsString()) {
      out.error("unknown_part", where, "expected a part {type, ...}, found " + kind(part));
      continue;
    }
    const std::string name(libstream::string_of(*type));
    if (!one_of(name, {"text", "image_url", "input_audio", "file", "refusal"})) {
      out.error("unknown_part", at(where, "type"), "\"" + name + "\" is not a trace/v1 part (text, image_url, input_audio, file, refusal)");
      continue;
    }
    const Value* payload = libstream::find_member(part, name.c_str());
    const bool text_payload = name == "text" || name == "refusal";
    if (payload == nullptr || (text_payload ? !payload->IsString() : !payload->IsObject()) ||
        (name == "image_url" && !(libstream::find_member(*payload, "url") != nullptr && libstream::find_member(*payload, "url")->IsString()))) {
      out.error("unknown_part", at(where, name.c_str()),
                payload == nullptr ? "absent" : "expected " + std::string(text_payload ? "a string" : name == "image_url" ? "{url}" : "an object") + ", found " + kind(*payload));
      continue;
    }
    for (const auto& m : part.GetObject()) {
      const std::string_view key = libstream::string_of(m.name);
      if (key != "type" && key != name && key != "extra") {
        out.error("unknown_part", at(where, std::string(key).c_str()), "not a member of a part of type " + name + " (keep it under extra)");
      }
    }
  }
}

/// The members of each message of `messages` (the session's, or a branch's).
void check_messages(const Value& messages, const std::string& where, RecordCheck& check, Collector& out) {
  for (rapidjson::SizeType i = 0; i < messages.Size(); ++i) {
    const Value& message = messages[i];
    const std::string path = at(where, i);
    ++check.messages;
    if (!message.IsObject()) {
      out.error("wrong_type", path, "expected an object, found " + kind(message));
      continue;
    }
    for (const auto& m : message.GetObject()) {
      const std::string_view key = libstream::string_of(m.name);
      if (!one_of(key, kMessageKeys)) out.error("unknown_member", at(path, std::string(key).c_str()), "not a trace/v1 message member (keep it under extra)");
    }
    const Value* role = libstream::find_member(message, "role");
    if (role == nullptr) {
      out.error("missing_member", at(path, "role"), "absent");
    } else if (!role->IsString() || !one_of(libstream::string_of(*role), {"system", "user", "assistant", "tool"})) {
      out.error("wrong_value", at(path, "role"), "expected system, user, assistant or tool, found " + kind(*role));
    }
    const Value* content = libstream::find_member(message, "content");
    if (content != nullptr && !content->IsNull() && !content->IsString() && !content->IsArray()) {
      out.error("wrong_type", at(path, "content"), "expected a string, an array of parts or null, found " + kind(*content));
    } else if (content != nullptr && content->IsArray()) {
      check_trace_parts(*content, at(path, "content"), out);
    }
    if (role != nullptr && role->IsString() && libstream::string_of(*role) == "tool" &&
        libstream::find_member(message, "tool_call_id") == nullptr) {
      out.error("missing_member", at(path, "tool_call_id"), "absent: a tool message answers a call");
    }
    if (const Value* calls = libstream::find_member(message, "tool_calls")) {
      std::set<std::string> ids;
      RecordCheck call_check;
      Collector call_out{call_check};
      check_tool_calls(*calls, at(path, "tool_calls"), ids, call_out, nullptr);
      for (Finding& f : call_check.errors) check.errors.push_back(std::move(f));
    }
    for (const char* key : {"tool_call_id", "name", "original_role", "id"}) {
      if (const Value* value = libstream::find_member(message, key)) {
        if (!value->IsString()) out.error("wrong_type", at(path, key), "expected a string, found " + kind(*value));
      }
    }
    if (const Value* error = libstream::find_member(message, "is_error"); error != nullptr && !error->IsBool()) {
      out.error("wrong_type", at(path, "is_error"), "expected true or false, found " + kind(*error));
    }
    if (const Value* reasoning = libstream::find_member(message, "reasoning")) {
      if (!reasoning->IsArray()) {
        out.error("wrong_type", at(path, "reasoning"), "expected an array of parts, found " + kind(*reasoning));
        continue;
      }
      for (rapidjson::SizeType k = 0; k < reasoning->Size(); ++k) {
        const Value* type = libstream::find_member((*reasoning)[k], "type");
        if (type == nullptr || !type->IsString() ||
            !one_of(libstream::string_of(*type), {"thinking", "summary", "encrypted", "redacted"})) {
          out.error("wrong_value", at(at(path, "reasoning"), k) + ".type", "expected thinking, summary, encrypted or redacted");
        }
      }
    }
  }
}

}  // namespace

void check_trace(const Value& record, RecordCheck& check) {
  Collector out{check};
  if (!record.IsObject()) {
    out.error("not_an_object", "", "expected an object, found " + kind(record));
    return;
  }
  for (const auto& m : record.GetObject()) {
    const std::string_view key = libstream::string_of(m.name);
    if (!one_of(key, kTraceKeys)) out.error("unknown_member", std::string(key), "not a trace/v1 member (keep it under extra)");
  }
  const auto require_string = [&](const char* key, bool required) {
    const Value* value = libstream::find_member(record, key);
    if (value == nullptr) {
      if (required) out.error("missing_member", key, "absent");
    } else if (!(value->IsString() && value->GetStringLength() > 0) && !(value->IsNull() && !required)) {
      out.error("wrong_type", key, std::string("expected a non-empty string") + (required ? "" : " or null") + ", found " + kind(*value));
    }
  };
  const Value* schema = libstream::find_member(record, "schema");
  if (schema == nullptr) {
    out.error("missing_member", "schema", "absent");
  } else if (!schema->IsString() || libstream::string_of(*schema) != "trace/v1") {
    out.error("wrong_schema", "schema", "expected \"trace/v1\", found " + kind(*schema));
  }
  require_string("session_id", true);
  for (const char* key : {"model", "model_source", "experiment_id", "split", "task_id", "status", "env", "policy",
                          "phase", "trial_id", "job_id", "original_session_id", "reward_source", "error",
                          "parent_session_id", "parent_tool_call_id"}) {
    require_string(key, false);
  }
  const auto number_or_null = [&](const char* key, bool non_negative) {
    if (const Value* value = libstream::find_member(record, key)) {
      if (!value->IsNull() && !value->IsNumber()) {
        out.error("wrong_type", key, "expected a number or null, found " + kind(*value));
      } else if (non_negative && value->IsNumber() && value->GetDouble() < 0) {
        out.error("out_of_range", key, "expected a number >= 0");
      }
    }
  };
  number_or_null("reward", false);
  number_or_null("cost_usd", true);
  if (const Value* seed = libstream::find_member(record, "seed")) {
    if (!seed->IsNull() && !seed->IsInt64() && !seed->IsUint64() && !seed->IsString()) {
      out.error("wrong_type", "seed", "expected an integer, a string or null, found " + kind(*seed));
    }
  }
  for (const char* key : {"created_at", "ended_at"}) {
    if (const Value* time = libstream::find_member(record, key)) {
      if (!time->IsNull() && !(time->IsString() && rfc3339_utc(libstream::string_of(*time)))) {
        out.error("wrong_format", key, "expected an RFC 3339 UTC time like 2025-09-26T22:06:25.611865Z, found " + kind(*time));
      }
    }
  }
  if (const Value* achievements = libstream::find_member(record, "achievements")) {
    if (!achievements->IsArray()) {
      out.error("wrong_type", "achievements", "expected an array of names, found " + kind(*achievements));
    } else {
      for (rapidjson::SizeType i = 0; i < achievements->Size(); ++i) {
        if (!(*achievements)[i].IsString()) out.error("wrong_type", at("achievements", i), "expected a name, found " + kind((*achievements)[i]));
      }
    }
  }
  if (const Value* usage = libstream::find_member(record, "usage")) {
    if (!usage->IsNull() && !usage->IsObject()) {
      out.error("wrong_type", "usage", "expected an object or null, found " + kind(*usage));
    } else if (usage->IsObject()) {
      for (const auto& m : usage->GetObject()) {
        const std::string key(libstream::string_of(m.name));
        if (!m.value.IsNull() && !m.value.IsUint64()) {
          out.error("wrong_type", "usage." + key, "expected a non-negative integer or null, found " + kind(m.value));
        }
      }
    }
  }
  for (const char* key : {"extra", "config", "scores", "source"}) {
    if (const Value* value = libstream::find_member(record, key)) {
      if (!value->IsObject() && !value->IsNull()) out.error("wrong_type", key, "expected an object, found " + kind(*value));
    }
  }
  const Value* messages = libstream::find_member(record, "messages");
  if (messages == nullptr) {
    out.error("missing_member", "messages", "absent");
    return;
  }
  if (!messages->IsArray()) {
    out.error("wrong_type", "messages", "expected an array, found " + kind(*messages));
    return;
  }
  check_messages(*messages, "messages", check, out);
  // Summary rows, count-only rollouts and stores without prompts are sessions too, so an
  // empty one is valid; but it carries nothing to train on, and a mapping that missed its
  // messages looks just like it: said, and counted.
  const Value* env_messages = libstream::find_member(record, "env_messages");
  if (messages->Empty() && (env_messages == nullptr || !env_messages->IsArray() || env_messages->Empty())) {
    out.warning("no_messages", "messages", "a session with neither messages nor env_messages");
  }
  if (const Value* branches = libstream::find_member(record, "branches"); branches != nullptr && !branches->IsNull()) {
    if (!branches->IsArray()) {
      out.error("wrong_type", "branches", "expected an array, found " + kind(*branches));
      return;
    }
    for (rapidjson::SizeType i = 0; i < branches->Size(); ++i) {
      const Value& branch = (*branches)[i];
      const std::string path = at("branches", i);
      const Value* after = libstream::find_member(branch, "after");
      const Value* branch_messages = libstream::find_member(branch, "messages");
      if (after == nullptr || !after->IsUint64() || after->GetUint64() > messages->Size()) {
        out.error("wrong_value", at(path, "after"), "expected how many messages the branch shares (0 to " +
                                                     std::to_string(messages->Size()) + ")");
      }
      if (branch_messages == nullptr || !branch_messages->IsArray()) {
        out.error("wrong_type", at(path, "messages"), "expected an array of messages");
      } else {
        check_messages(*branch_messages, at(path, "messages"), check, out);
      }
    }
  }
}

}  // namespace tracemill

// Gemini CLI chat recordings (~/.gemini/tmp/<project>/chats/), in their three forms:
//   - JSON: {sessionId, projectHash, startTime, lastUpdated, messages: [...]}, a whole record;
//   - JSONL (CLI >= 0.40): a header line {sessionId, projectHash, startTime, ...}, one message
//     per line, and {"$set": {...}} lines patching the header;
//   - checkpoints (/chat save, /restore): {history: [Gemini API Content {role, parts}]}.
// A message is {id, timestamp, type: user|gemini|info|error|warning, content, thoughts?,
// tokens?, model?, toolCalls?}; a tool call carries its own result, which becomes a tool
// message right after the assistant message that made the call.
#include "agent_common.hpp"
#include "dialect.hpp"

#include <libstream/hash.hpp>

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace tracemill::normalize {
namespace {

using agent::keep_members;

/// A functionCall's name; one without a name is written as "unnamed" (trace/v1 needs a name), and counted.
std::string call_name(const Value& call) {
  auto name = text(find_member(call, "name"));
  if (!name || name->empty()) {
    ++tool_call_guesses().unnamed_calls;
    return "unnamed";
  }
  return std::string(*name);
}

/// OpenAI content of Gemini content: a string, or parts: text, inlineData as an image_url part
/// with a data: URL (one text part is written as a string). Parts with no OpenAI form
/// (functionCall, functionResponse, fileData, ...) go to the message's extra.other_parts with
/// their position.
std::string parts_json(const Value* content, Message& m) {
  if (content == nullptr || content->IsNull()) return "null";
  if (content->IsString()) return json_of(*content);
  if (!content->IsArray() && !content->IsObject()) return quote(json_of(*content));
  std::vector<const Value*> list;
  if (content->IsObject()) {
    list.push_back(content);  // one Part
  } else {
    for (const Value& part : content->GetArray()) list.push_back(&part);
  }
  std::vector<std::string> parts;
  std::string plain;
  std::string other;
  for (size_t i = 0; i < list.size(); ++i) {
    const Value& part = *list[i];
    const Value* t = find_member(part, "text");
    const Value* inline_data = find_member(part, "inlineData");
    if (t != nullptr && t->IsString()) {
      const std::string rest = agent::rest_json(part, {"text"});
      if (rest.empty() && parts.empty()) plain = json_of(*t);
      parts.push_back("{\"type\":\"text\",\"text\":" + json_of(*t) + (rest.empty() ? "" : ",\"extra\":" + rest) + "}");
    } else if (inline_data != nullptr && text(find_member(*inline_data, "data")) && text(find_member(*inline_data, "mimeType"))) {
      const std::string url = "data:" + std::string(*text(find_member(*inline_data, "mimeType"))) + ";base64," +
                              std::string(*text(find_member(*inline_data, "data")));
      const std::string rest = agent::rest_json(part, {"inlineData"});
      parts.push_back("{\"type\":\"image_url\",\"image_url\":{\"url\":" + quote(url) + "}" + (rest.empty() ? "" : ",\"extra\":" + rest) + "}");
    } else {
      other += (other.empty() ? "" : ",") + std::string("{\"at\":") + std::to_string(i) + ",\"part\":" + json_of(part) + "}";
    }
  }
  if (!other.empty()) m.extra.emplace_back("other_parts", "[" + other + "]");
  if (parts.size() == 1 && !plain.empty()) return plain;
  if (parts.empty()) return "\"\"";
  return array_json(parts);
}

/// trace/v1 usage of a Gemini `tokens` summary: `input` is the whole prompt (cached included),
/// `thoughts` are generated on top of `output`, `tool` is prompt from tool use.
agent::UsageCounts usage_of(const Value& tokens) {
  agent::UsageCounts u;
  const auto input = integer(find_member(tokens, "input"));
  const auto output = integer(find_member(tokens, "output"));
  const auto thoughts = integer(find_member(tokens, "thoughts"));
  const auto tool = integer(find_member(tokens, "tool"));
  if (input) u.input = *input + tool.value_or(0);
  if (output) u.output = *output + thoughts.value_or(0);
  u.total = integer(find_member(tokens, "total"));
  if (!u.total && u.input && u.output) u.total = *u.input + *u.output;
  u.cache_read = integer(find_member(tokens, "cached"));
  u.reasoning = thoughts;
  u.tool = tool;
  return u;
}

struct UsageSum {
  // In the order written: input, output, total, cache_read, reasoning, tool; unknown until a count is seen.
  static constexpr const char* kKeys[] = {"input_tokens", "output_tokens", "total_tokens", "cache_read_tokens", "reasoning_tokens", "tool_tokens"};
  std::optional<int64_t> sums[6];
  bool any = false;
  void add(const agent::UsageCounts& u) {
    any = any || u.known();
    const std::optional<int64_t>* counts[6] = {&u.input, &u.output, &u.total, &u.cache_read, &u.reasoning, &u.tool};
    for (size_t i = 0; i < 6; ++i) {
      if (*counts[i] && **counts[i] >= 0) sums[i] = sums[i].value_or(0) + **counts[i];
    }
  }
  [[nodiscard]] std::string json() const {
    std::string out;
    for (size_t i = 0; i < 6; ++i) {
      if (!sums[i] && i >= 3) continue;  // input, output and total are always written
      out += out.empty() ? "{" : ",";
      libstream::append_json_string(out, kKeys[i]);
      out += ':';
      out += sums[i] ? std::to_string(*sums[i]) : std::string("null");
    }
    return out + "}";
  }
};

class GeminiSession {
 public:
  GeminiSession(const MapContext& context, Record& out) : context_(context), out_(out) {}

  /// One recorded message (JSON and JSONL forms). A later line with the id of an earlier
  /// message (the JSONL form rewrites a message as it completes) replaces it; the earlier
  /// version goes to env_messages.
  void message(const Value& m) {
    auto type = text(find_member(m, "type"));
    const std::string_view kind = type ? *type : std::string_view();
    if (!(kind == "user" || kind == "gemini" || kind == "model")) {
      env_.push_back(json_of(m));
      return;
    }
    std::vector<Message> made;
    Message& msg = made.emplace_back();
    msg.role = kind == "user" ? "user" : "assistant";
    if (kind == "model") msg.original_role = "model";
    if (auto id = text(find_member(m, "id"))) msg.id = std::string(*id);
    const Value* timestamp = find_member(m, "timestamp");
    agent::set_message_time(msg, timestamp, "timestamp");
    see_time(timestamp);
    msg.content = parts_json(find_member(m, "content"), msg);
    if (auto model = text(find_member(m, "model")); model && !model->empty()) {
      msg.model = std::string(*model);
      model_ = msg.model;
    }
    if (const Value* tokens = find_member(m, "tokens"); tokens != nullptr && tokens->IsObject()) {
      const agent::UsageCounts u = usage_of(*tokens);
      msg.usage = u.json();
      usage_.add(u);
    }
    if (const Value* thoughts = find_member(m, "thoughts"); thoughts != nullptr && thoughts->IsArray() && !thoughts->Empty()) {
      std::string parts;
      for (const Value& thought : thoughts->GetArray()) {
        const Value* description = find_member(thought, "description");
        if (description == nullptr || !description->IsString()) continue;
        parts += (parts.empty() ? "" : ",") + std::string("{\"type\":\"summary\",\"text\":") + json_of(*description) + "}";
      }
      if (!parts.empty()) msg.reasoning = "[" + parts + "]";
      msg.extra.emplace_back("thoughts", json_of(*thoughts));  // subjects and times kept with the summaries
    }
    if (const Value* calls = find_member(m, "toolCalls"); calls != nullptr && calls->IsArray() && !calls->Empty()) {
      tool_calls(*calls, msg, made);
    }
    keep_members(m, {"type", "id", "timestamp", "content", "model", "tokens", "thoughts", "toolCalls"}, made.front().extra);
    if (!made.front().id.empty()) {
      if (auto it = positions_.find(made.front().id); it != positions_.end()) {
        env_.push_back(json_of(*sources_[it->second]));
        replace(it->second, std::move(made), m);
        return;
      }
      positions_[made.front().id] = groups_.size();
    }
    groups_.push_back(std::move(made));
    sources_.push_back(&m);
  }

  /// A checkpoint's Gemini API Content list.
  void history(const Value& list) {
    std::map<std::string, std::deque<std::string>> open_calls;  // name -> ids not yet answered
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      const Value& content = list[i];
      auto role = text(find_member(content, "role"));
      const Value* parts = find_member(content, "parts");
      if (!role || parts == nullptr || !parts->IsArray()) {
        env_.push_back(json_of(content));
        continue;
      }
      std::vector<Message> made;
      bool responses_only = !parts->Empty();
      std::string calls;
      std::string originals;
      for (rapidjson::SizeType j = 0; j < parts->Size(); ++j) {
        const Value& part = (*parts)[j];
        if (find_member(part, "functionResponse") == nullptr) responses_only = false;
        const Value* call = find_member(part, "functionCall");
        if (call == nullptr || !call->IsObject()) continue;
        std::string id(text(find_member(*call, "id")).value_or(""));
        if (id.empty()) {
          id = "call_" + std::to_string(i) + "_" + std::to_string(j);
          ++tool_call_guesses().made_call_ids;
        }
        const std::string name = call_name(*call);
        open_calls[name].push_back(id);
        calls += (calls.empty() ? "" : ",") + agent::tool_call_json(id, name, agent::arguments_text(find_member(*call, "args"), id, originals));
      }
      if (responses_only) {
        for (const Value& part : parts->GetArray()) {
          const Value& response = *find_member(part, "functionResponse");
          Message& tool = made.emplace_back();
          tool.role = "tool";
          std::string name(text(find_member(response, "name")).value_or(""));
          std::string id(text(find_member(response, "id")).value_or(""));
          auto& waiting = open_calls[name];
          if (id.empty() && !waiting.empty()) id = waiting.front();
          if (!waiting.empty() && waiting.front() == id) waiting.pop_front();
          tool.tool_call_id = id.empty() ? "call_unanswered_" + std::to_string(i) : id;
          tool.name = name;
          tool.content = response_content(find_member(response, "response"), tool);
          agent::set_message_time(tool, find_member(content, "ts"), "ts");
        }
      } else {
        Message& msg = made.emplace_back();
        msg.role = *role == "user" ? "user" : "assistant";
        if (*role != "user" && *role != "model") msg.original_role = std::string(*role);
        msg.content = parts_json(parts, msg);
        if (!calls.empty() && msg.content == "\"\"") msg.content = "null";
        if (!calls.empty()) {
          msg.tool_calls = "[" + calls + "]";
          if (!originals.empty()) msg.original_arguments = "{" + originals + "}";
        }
        agent::set_message_time(msg, find_member(content, "ts"), "ts");
        keep_members(content, {"role", "parts", "ts"}, msg.extra);
      }
      groups_.push_back(std::move(made));
    }
  }

  void finish(const Value& header, const char* form, std::initializer_list<std::string_view> used) {
    std::string id(text(find_member(header, "sessionId")).value_or(""));
    if (id.empty()) id = std::string(text(find_member(header, "session_id")).value_or(""));
    if (id.empty()) {
      id = hex_id("gemini-", libstream::content_hash(json_of(header)));
      context_.warn("no sessionId: session_id " + id + " made from the record");
    }
    out_.set_text("session_id", id);
    size_t size = 2;
    for (const auto& group : groups_) {
      for (const Message& m : group) size += m.json_size_hint() + 1;
    }
    std::string messages;
    messages.reserve(size);
    messages += '[';
    for (const auto& group : groups_) {
      for (const Message& m : group) {
        if (messages.size() > 1) messages += ',';
        m.append_json(messages);
      }
    }
    messages += ']';
    out_.set("messages", std::move(messages));
    const Value* meta = find_member(header, "meta");
    if (!model_.empty()) {
      out_.set_text("model", model_);
      out_.set_text("model_source", "event");
    } else if (auto model = text(meta != nullptr ? find_member(*meta, "model") : nullptr)) {
      out_.set_text("model", *model);
      out_.set_text("model_source", "session_metadata");
    }
    for (const char* key : {"startTime", "start_time"}) {
      if (agent::instant_of(find_member(header, key))) {
        out_.set_time("created_at", "original_created_at", find_member(header, key), context_.warn);
        break;
      }
    }
    // The last recorded event: lastUpdated, or a later message or tool time (a header whose
    // patches stopped early).
    if (auto at = agent::instant_of(find_member(header, "lastUpdated")); at && (!last_time_ || *at > *last_time_)) last_time_ = at;
    if (last_time_) out_.set_text("ended_at", libstream::format_instant(*last_time_));
    if (usage_.any) out_.set("usage", usage_.json());
    if (!env_.empty()) out_.set("env_messages", array_json(env_));
    out_.set("source", std::string("{\"format\":\"gemini-cli\",\"form\":\"") + form + "\"}");
    for (const auto& m : header.GetObject()) {
      if (!agent::used_name(string_of(m.name), used)) out_.extra(string_of(m.name), json_of(m.value));
    }
  }

 private:
  void see_time(const Value* value) {
    if (auto at = agent::instant_of(value); at && (!last_time_ || *at > *last_time_)) last_time_ = at;
  }

  void tool_calls(const Value& calls, Message& msg, std::vector<Message>& made) {
    std::string list;
    std::string originals;
    std::vector<Message> results;
    for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
      const Value& call = calls[i];
      std::string id(text(find_member(call, "id")).value_or(""));
      if (id.empty()) {
        id = (msg.id.empty() ? std::string("call") : msg.id) + "_" + std::to_string(i);
        ++tool_call_guesses().made_call_ids;
      }
      const std::string name = call_name(call);
      list += (list.empty() ? "" : ",") + agent::tool_call_json(id, name, agent::arguments_text(find_member(call, "args"), id, originals));
      Message& tool = results.emplace_back();
      tool.role = "tool";
      tool.tool_call_id = id;
      tool.name = name;
      tool.content = result_content(find_member(call, "result"), tool);
      if (auto status = text(find_member(call, "status")); status && *status == "error") tool.is_error = true;
      const Value* timestamp = find_member(call, "timestamp");
      agent::set_message_time(tool, timestamp, "timestamp");
      see_time(timestamp);
      keep_members(call, {"id", "name", "args", "result", "timestamp"}, tool.extra);
    }
    msg.tool_calls = "[" + list + "]";
    if (!originals.empty()) msg.original_arguments = "{" + originals + "}";
    if (msg.content == "\"\"") msg.content = "null";
    for (Message& r : results) made.push_back(std::move(r));
  }

  /// The tool's answer: the output string of its one functionResponse, else the result's JSON text.
  static std::string result_content(const Value* result, Message& tool) {
    if (result == nullptr || result->IsNull()) return "\"\"";
    if (result->IsString()) return json_of(*result);
    const Value* only = result->IsArray() && result->Size() == 1 ? &(*result)[0] : (result->IsObject() ? result : nullptr);
    const Value* response = only != nullptr ? find_member(*only, "functionResponse") : nullptr;
    if (response != nullptr && only->MemberCount() == 1) {
      if (auto id = text(find_member(*response, "id")); id && *id != tool.tool_call_id) tool.extra.emplace_back("response_id", quote(*id));
      return response_content(find_member(*response, "response"), tool);
    }
    return quote(json_of(*result));
  }

  static std::string response_content(const Value* response, Message& tool) {
    if (response == nullptr) return "\"\"";
    if (response->IsObject() && response->MemberCount() == 1) {
      if (const Value* output = find_member(*response, "output"); output != nullptr && output->IsString()) return json_of(*output);
      if (const Value* error = find_member(*response, "error"); error != nullptr && error->IsString()) {
        tool.is_error = true;
        return json_of(*error);
      }
    }
    return string_or_quoted_json(*response);
  }

  void replace(size_t position, std::vector<Message>&& made, const Value& source) {
    groups_[position] = std::move(made);
    sources_[position] = &source;
  }

  const MapContext& context_;
  Record& out_;
  std::vector<std::vector<Message>> groups_;  // a message and the tool results of its calls
  std::vector<const Value*> sources_;
  std::map<std::string, size_t> positions_;
  std::vector<std::string> env_;
  std::string model_;
  UsageSum usage_;
  std::optional<int64_t> last_time_;
};

bool is_header(const Value& v) {
  return text(find_member(v, "sessionId")) && find_member(v, "projectHash") != nullptr && find_member(v, "messages") == nullptr;
}

bool is_history(const Value& v) {
  const Value* history = find_member(v, "history");
  if (history == nullptr || !history->IsArray() || history->Empty()) return false;
  const Value& first = (*history)[0];
  return first.IsObject() && find_member(first, "role") != nullptr && find_member(first, "parts") != nullptr;
}

bool recognise_record(const Value& v) {
  const Value* messages = find_member(v, "messages");
  if (messages != nullptr && messages->IsArray()) {
    return text(find_member(v, "sessionId")) && (find_member(v, "projectHash") != nullptr || find_member(v, "startTime") != nullptr);
  }
  return is_history(v);
}

void map_record(const Value& v, const MapContext& context, Record& out) {
  GeminiSession session(context, out);
  if (const Value* messages = find_member(v, "messages"); messages != nullptr && messages->IsArray()) {
    for (const Value& m : messages->GetArray()) {
      if (m.IsObject()) {
        session.message(m);
      } else {
        throw MappingError{"a Gemini CLI message that is not an object"};
      }
    }
    session.finish(v, "json", {"sessionId", "messages", "startTime", "lastUpdated"});
    return;
  }
  const Value* history = find_member(v, "history");
  if (history == nullptr || !history->IsArray()) throw MappingError{"a Gemini CLI record needs messages or history"};
  session.history(*history);
  session.finish(v, "checkpoint", {"sessionId", "session_id", "history", "startTime", "start_time", "lastUpdated"});
}

bool is_patch(const Value& v) { return v.MemberCount() == 1 && find_member(v, "$set") != nullptr; }

bool belongs(const Value& v) {
  if (!v.IsObject()) return false;
  if (is_patch(v) || is_header(v)) return true;
  auto type = text(find_member(v, "type"));
  return type && find_member(v, "id") != nullptr && find_member(v, "payload") == nullptr;
}

std::string session_key(const Value& v) { return is_header(v) ? std::string(*text(find_member(v, "sessionId"))) : std::string(); }

void map_session(const std::vector<SessionLine>& lines, const MapContext& context, Record& out) {
  if (lines.empty() || !is_header(*lines.front().value)) throw MappingError{"a Gemini CLI JSONL session without its header line"};
  // The header as patched by every $set line (later values win); the patches kept in order.
  rapidjson::Document header;
  header.CopyFrom(*lines.front().value, header.GetAllocator());
  std::vector<std::string> patches;
  GeminiSession session(context, out);
  for (size_t i = 1; i < lines.size(); ++i) {
    const Value& line = *lines[i].value;
    // A header written again for the same session (a resumed recording) patches like $set.
    const bool header_again = is_header(line);
    if (is_patch(line) || header_again) {
      patches.push_back(json_of(line));
      const Value& set = header_again ? line : *find_member(line, "$set");
      if (!set.IsObject()) continue;
      for (const auto& m : set.GetObject()) {
        rapidjson::Value name(m.name, header.GetAllocator());
        rapidjson::Value value(m.value, header.GetAllocator());
        if (auto it = header.FindMember(m.name); it != header.MemberEnd()) {
          it->value = value;
        } else {
          header.AddMember(name, value, header.GetAllocator());
        }
      }
    } else {
      session.message(line);
    }
  }
  session.finish(header, "jsonl", {"sessionId", "startTime", "lastUpdated"});
  if (!patches.empty()) out.extra("patches", array_json(patches));
}

bool recognise_header(const Value& v) { return is_header(v) && text(find_member(v, "startTime")).has_value(); }

const LineRules kRules{belongs, session_key, map_session};

}  // namespace

extern const DialectSpec kGeminiCli{"gemini-cli", "{sessionId, projectHash, messages}, or {history: [{role, parts}]}",
                                    "Gemini CLI sessions", recognise_record, map_record, nullptr};
extern const DialectSpec kGeminiCliJsonl{"gemini-jsonl", "a {sessionId, projectHash, startTime} header line, then messages and {\"$set\"} patches",
                                         "Gemini CLI sessions", recognise_header, nullptr, &kRules};

}  // namespace tracemill::normalize

// OpenAI Codex CLI rollouts (~/.codex/sessions/**/rollout-*.jsonl), one event per line.
//
// Lines are envelopes {timestamp, type, payload}: session_meta, turn_context, response_item,
// event_msg, compacted, world_state, ... Rollouts of mid 2025 ("legacy") have no envelope: a
// header {id, timestamp, instructions?, git?} and then bare response items and
// {"record_type": "state"} markers. The chat is the response items (what the model saw and
// said); event_msg lines repeat some of it for user interfaces (user_message, agent_message,
// agent_reasoning) and report the rest (token counts, command ends, aborts): every line that
// is not a chat message goes to env_messages whole, so no text is lost and none is doubled.
#include "agent_common.hpp"
#include "dialect.hpp"

#include <libstream/hash.hpp>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace tracemill::normalize {
namespace {

using agent::keep_members;

bool is_envelope(const Value& v) {
  const Value* type = find_member(v, "type");
  return type != nullptr && type->IsString() && find_member(v, "payload") != nullptr && find_member(v, "timestamp") != nullptr;
}

// A legacy rollout's first line: the session's own fields, no envelope and no type.
bool is_legacy_header(const Value& v) {
  if (find_member(v, "type") != nullptr || find_member(v, "payload") != nullptr) return false;
  if (!text(find_member(v, "id")) || !text(find_member(v, "timestamp"))) return false;
  return find_member(v, "instructions") != nullptr || find_member(v, "git") != nullptr ||
         find_member(v, "cli_version") != nullptr || find_member(v, "originator") != nullptr;
}

constexpr std::string_view kItemTypes[] = {"message", "reasoning", "function_call", "function_call_output",
                                           "custom_tool_call", "custom_tool_call_output", "local_shell_call",
                                           "web_search_call", "tool_search_call", "tool_search_output",
                                           "image_generation_call", "ghost_snapshot", "compaction", "agent_message"};

bool is_legacy_item(const Value& v) {
  if (find_member(v, "payload") != nullptr) return false;
  if (auto r = text(find_member(v, "record_type")); r && *r == "state") return true;
  auto type = text(find_member(v, "type"));
  if (!type) return false;
  for (std::string_view known : kItemTypes) {
    if (*type == known) return true;
  }
  return false;
}

bool recognise(const Value& v) {
  if (is_envelope(v)) {
    auto type = text(find_member(v, "type"));
    return *type == "session_meta" || *type == "turn_context" || *type == "response_item" || *type == "event_msg" ||
           *type == "compacted";
  }
  return is_legacy_header(v);
}

bool belongs(const Value& v) { return v.IsObject() && (is_envelope(v) || is_legacy_header(v) || is_legacy_item(v)); }

const Value* meta_payload(const Value& v) {
  // Asked of every line (its session key): the type is looked at first, as most lines are
  // envelopes of another type. A line with a type is never a legacy header.
  const Value* type = find_member(v, "type");
  if (type == nullptr) return is_legacy_header(v) ? &v : nullptr;
  if (!type->IsString() || string_of(*type) != "session_meta") return nullptr;
  const Value* payload = find_member(v, "payload");
  if (payload == nullptr || find_member(v, "timestamp") == nullptr) return nullptr;  // not an envelope
  return payload->IsObject() ? payload : nullptr;
}

std::string session_key(const Value& v) {
  const Value* meta = meta_payload(v);
  if (meta == nullptr) return {};
  auto id = text(find_member(*meta, "id"));
  return id ? std::string(*id) : std::string();
}

/// The session a session_meta says this one was copied from: a fork's, or a spawned subagent's parent.
std::string ancestor_of(const Value& meta) {
  for (const char* key : {"forked_from_id", "parent_thread_id"}) {
    if (auto id = text(find_member(meta, key)); id && !id->empty()) return std::string(*id);
  }
  const Value* source = find_member(meta, "source");
  const Value* subagent = source != nullptr ? find_member(*source, "subagent") : nullptr;
  const Value* spawn = subagent != nullptr ? find_member(*subagent, "thread_spawn") : nullptr;
  if (auto id = text(spawn != nullptr ? find_member(*spawn, "parent_thread_id") : nullptr); id && !id->empty()) {
    return std::string(*id);
  }
  return {};
}

// A fork's rollout copies its parent's lines, the parent's session_meta first, right after its own.
bool adopts(const Value& previous, const Value& line) {
  const Value* before = meta_payload(previous);
  if (before == nullptr || !is_envelope(line)) return false;
  const std::string ancestor = ancestor_of(*before);
  return !ancestor.empty() && ancestor == session_key(line);
}

/// OpenAI content of a Responses API content list: input_text/output_text parts become text
/// parts, input_image with a URL an image_url part (not in tool results, which hold text
/// only); one text part is written as a plain string. Parts with no OpenAI form (an image
/// whose URL was stripped, encrypted content) go to the message's extra.other_parts with
/// their position.
std::string content_json(const Value* content, Message& m, bool text_only = false) {
  if (content == nullptr || content->IsNull()) return "null";
  if (content->IsString()) return json_of(*content);
  if (!content->IsArray()) return quote(json_of(*content));
  std::vector<std::string> parts;
  std::string plain;  // the text of a text part with nothing else in it
  std::string other;
  for (rapidjson::SizeType i = 0; i < content->Size(); ++i) {
    const Value& part = (*content)[i];
    auto type = text(find_member(part, "type"));
    const Value* t = find_member(part, "text");
    if (type && t != nullptr && t->IsString() && (*type == "input_text" || *type == "output_text" || *type == "text")) {
      const std::string rest = agent::rest_json(part, {"type", "text"});
      std::string text_json = json_of(*t);  // written once, used for the part and the plain string
      std::string& written = parts.emplace_back();
      written.reserve(text_json.size() + rest.size() + 32);
      written += "{\"type\":\"text\",\"text\":";
      written += text_json;
      if (!rest.empty()) {
        written += ",\"extra\":";
        written += rest;
      }
      written += '}';
      if (rest.empty() && parts.size() == 1) plain = std::move(text_json);
    } else if (auto url = text(find_member(part, "image_url")); !text_only && type && *type == "input_image" && url) {
      const std::string rest = agent::rest_json(part, {"type", "image_url"});
      parts.push_back("{\"type\":\"image_url\",\"image_url\":{\"url\":" + quote(*url) + "}" +
                      (rest.empty() ? "" : ",\"extra\":" + rest) + "}");
    } else {
      other += (other.empty() ? "" : ",") + std::string("{\"at\":") + std::to_string(i) + ",\"part\":" + json_of(part) + "}";
    }
  }
  if (!other.empty()) m.extra.emplace_back("other_parts", "[" + other + "]");
  if (parts.size() == 1 && !plain.empty()) return plain;
  if (parts.empty()) return "\"\"";
  return array_json(parts);
}

/// A tool result's content: a string as it is, content items as text parts, anything else as its JSON text.
std::string output_json(const Value* output, Message& m) {
  if (output == nullptr || output->IsNull()) return "\"\"";
  if (output->IsString()) return json_of(*output);
  if (output->IsArray()) return content_json(output, m, true);
  if (output->IsObject() && find_member(*output, "type") != nullptr) {
    rapidjson::MemoryPoolAllocator<> pool;
    rapidjson::Value list(rapidjson::kArrayType);
    rapidjson::Value copy(*output, pool);
    list.PushBack(copy, pool);
    return content_json(&list, m, true);
  }
  return quote(json_of(*output));
}

/// Reasoning parts of a reasoning item: summaries, visible reasoning text, the encrypted blob.
std::string reasoning_parts(const Value& item) {
  std::string out;
  const auto add = [&](const char* type, const char* member, const Value& value) {
    if (!out.empty()) out += ',';
    out += "{\"type\":\"";
    out += type;
    out += "\",\"";
    out += member;
    out += "\":";
    out += json_of(value);
    out += '}';
  };
  if (const Value* summary = find_member(item, "summary"); summary != nullptr && summary->IsArray()) {
    for (const Value& part : summary->GetArray()) {
      if (const Value* t = find_member(part, "text"); t != nullptr && t->IsString()) add("summary", "text", *t);
    }
  }
  if (const Value* content = find_member(item, "content"); content != nullptr && content->IsArray()) {
    for (const Value& part : content->GetArray()) {
      if (const Value* t = find_member(part, "text"); t != nullptr && t->IsString()) add("thinking", "text", *t);
    }
  }
  if (const Value* data = find_member(item, "encrypted_content"); data != nullptr && data->IsString()) add("encrypted", "data", *data);
  return out;
}

struct TokenTotals {
  const Value* total = nullptr;
  [[nodiscard]] std::optional<int64_t> get(const char* key) const { return total != nullptr ? integer(find_member(*total, key)) : std::nullopt; }
};

class CodexSession {
 public:
  CodexSession(const MapContext& context, Record& out) : context_(context), out_(out) {}

  void map(const std::vector<SessionLine>& lines) {
    messages_.reserve(lines.size());  // at most one message per line: no Message moved by regrowth
    find_inherited(lines);
    for (size_t i = 0; i < lines.size(); ++i) {
      in_inherited_ = i >= inherited_begin_ && i < inherited_end_;
      text_ = lines[i].raw;
      line_number_ = lines[i].line;
      line(*lines[i].value);
    }
    if (backward_steps_ > 0) {
      // A rollout's lines are written in time order; going back is most likely a second rollout
      // whose session_meta was cut off, concatenated after this one (nothing else tells them apart).
      context_.warn("timestamps go back " + std::to_string(backward_steps_) + " time(s), first at line " +
                    std::to_string(first_backward_line_) +
                    ": lines of another rollout without its session_meta? They are kept in this session");
    }
    flush_reasoning();
    finish(lines);
  }

 private:
  // Lines of a fork copied from its ancestors: from the ancestor's session_meta (the second
  // line), written in one burst at the fork instant. Codex then seeds the fork's token counter
  // with the copied total, so the fork's own usage is its last total less the copied one.
  void find_inherited(const std::vector<SessionLine>& lines) {
    if (lines.size() < 2 || meta_payload(*lines[0].value) == nullptr || meta_payload(*lines[1].value) == nullptr) return;
    if (session_key(*lines[1].value) == session_key(*lines[0].value)) return;
    const auto start = agent::instant_of(find_member(*lines[1].value, "timestamp"));
    inherited_from_ = session_key(*lines[1].value);
    inherited_begin_ = 1;
    inherited_end_ = 2;
    if (!start) return;
    constexpr int64_t kBurstMicros = 1000000;
    while (inherited_end_ < lines.size()) {
      const auto at = agent::instant_of(find_member(*lines[inherited_end_].value, "timestamp"));
      if (!at || *at - *start > kBurstMicros || *at < *start) break;
      ++inherited_end_;
    }
  }

  // The instant of the line being mapped, kept for the message it makes.
  std::optional<int64_t> line_instant(const Value* timestamp) {
    instant_source_ = timestamp;
    instant_ = agent::instant_of(timestamp);
    return instant_;
  }

  void advance_time(int64_t at) {
    constexpr int64_t kToleranceMicros = 1000000;  // clocks and writers may disagree by a little
    if (last_time_ && at < *last_time_ - kToleranceMicros && backward_steps_++ == 0) first_backward_line_ = line_number_;
    last_time_ = at;
  }

  // A line kept whole: its own text when it is one clean line (no tab for Hadoop Streaming to
  // split on), else its value written again.
  void env(const Value& line) {
    const auto has = [&](char c) { return std::memchr(text_.data(), c, text_.size()) != nullptr; };
    if (!text_.empty() && !has('\t') && !has('\n') && !has('\r')) {
      env_ += env_.empty() ? '[' : ',';
      env_.append(text_.data(), text_.size());
    } else {
      env_ += env_.empty() ? '[' : ',';
      env_ += json_of(line);
    }
  }

  void line(const Value& line) {
    if (is_legacy_header(line)) {
      legacy_ = true;
      if (meta_ == nullptr) {
        meta_ = &line;
        return;
      }
      env(line);
      return;
    }
    if (!is_envelope(line)) {
      if (find_member(line, "record_type") == nullptr && text(find_member(line, "type"))) {
        if (auto at = line_instant(find_member(line, "timestamp"))) advance_time(*at);
        item(line, line, find_member(line, "timestamp"));
      } else {
        env(line);
      }
      return;
    }
    const std::string_view type = *text(find_member(line, "type"));
    const Value& payload = *find_member(line, "payload");
    const Value* timestamp = find_member(line, "timestamp");
    if (auto at = line_instant(timestamp)) advance_time(*at);
    if (type == "response_item" && payload.IsObject()) {
      item(payload, line, timestamp);
      return;
    }
    if (type == "session_meta" && meta_ == nullptr && payload.IsObject() && text(find_member(payload, "id"))) {
      meta_ = &payload;
      // Its line's own time too: the session's created_at is the payload's, which can differ.
      meta_envelope_ = agent::rest_json(line, {"type", "payload"});
      return;
    }
    if (type == "turn_context" && payload.IsObject()) {
      if (auto model = text(find_member(payload, "model")); model && !model->empty()) {
        model_ = std::string(*model);
        if (models_.empty() || models_.back() != model_) models_.push_back(model_);
      }
    } else if (type == "event_msg" && payload.IsObject()) {
      event(payload);
    }
    env(line);
  }

  void event(const Value& payload) {
    auto kind = text(find_member(payload, "type"));
    if (!kind) return;
    if (*kind == "token_count") {
      const Value* info = find_member(payload, "info");
      const Value* total = info != nullptr && info->IsObject() ? find_member(*info, "total_token_usage") : nullptr;
      if (total != nullptr && total->IsObject()) {
        (in_inherited_ ? inherited_ : totals_).total = total;
      }
    } else if (*kind == "task_complete") {
      status_ = "completed";
      if (const Value* error = find_member(payload, "error"); error != nullptr && error->IsObject()) {
        if (auto message = text(find_member(*error, "message"))) error_ = std::string(*message);
        status_ = "error";
      }
    } else if (*kind == "turn_aborted") {
      status_ = "aborted";
    } else if (*kind == "error") {
      status_ = "error";
      if (auto message = text(find_member(payload, "message"))) error_ = std::string(*message);
      const Value* error = find_member(payload, "error");
      if (auto message = text(error != nullptr ? find_member(*error, "message") : nullptr)) error_ = std::string(*message);
    }
  }

  Message& add(const std::string& role, const Value& item, const Value* timestamp) {
    Message& m = messages_.emplace_back();
    m.role = role;
    if (auto id = text(find_member(item, "id"))) m.id = std::string(*id);
    if (timestamp != nullptr && timestamp == instant_source_ && instant_) {
      m.created_at = libstream::format_instant(*instant_);  // the line's time, parsed once
    } else {
      agent::set_message_time(m, timestamp, "timestamp");
    }
    if (in_inherited_) m.extra.emplace_back("inherited_from", quote(inherited_from_));
    return m;
  }

  void assistant_side(Message& m) {
    if (!model_.empty()) m.model = model_;
    if (!reasoning_.empty()) {
      m.reasoning = "[" + reasoning_ + "]";
      if (!reasoning_rest_.empty()) m.extra.emplace_back("reasoning_items", "[" + reasoning_rest_ + "]");
      reasoning_.clear();
      reasoning_rest_.clear();
      reasoning_lines_.clear();
    }
  }

  // Reasoning no assistant message followed (a turn cut short): kept as the lines it was.
  void flush_reasoning() {
    const std::string_view current = text_;
    for (const auto& [line, text] : reasoning_lines_) {
      text_ = text;
      env(*line);
    }
    text_ = current;
    reasoning_.clear();
    reasoning_rest_.clear();
    reasoning_lines_.clear();
  }

  void call(const Value& item, const Value* timestamp, std::string_view name, const Value* arguments, const char* id_member) {
    Message& m = add("assistant", item, timestamp);
    std::string call_id;
    if (auto id = text(find_member(item, id_member))) call_id = std::string(*id);
    if (call_id.empty()) {
      call_id = m.id.empty() ? "call_" + std::to_string(messages_.size()) : m.id;
      ++tool_call_guesses().made_call_ids;
    }
    // A call id used again in one session (redacted or trimmed ids) is made unique, so that
    // each result answers the latest call of that id; the source id stays in extra.
    auto& [uses, current] = calls_[call_id];
    if (uses++ > 0) {
      m.extra.emplace_back("source_call_id", quote(call_id));
      current = call_id + "#" + std::to_string(uses);
    } else {
      current = call_id;
    }
    call_id = current;
    std::string originals;
    const std::string arguments_json = agent::arguments_text(arguments, call_id, originals);
    m.tool_calls.reserve(arguments_json.size() + call_id.size() + name.size() + 64);
    m.tool_calls += "[{\"id\":";
    libstream::append_json_string(m.tool_calls, call_id);
    m.tool_calls += ",\"type\":\"function\",\"function\":{\"name\":";
    libstream::append_json_string(m.tool_calls, name);
    m.tool_calls += ",\"arguments\":";
    m.tool_calls += arguments_json;
    m.tool_calls += "}}]";
    if (!originals.empty()) m.original_arguments = "{" + originals + "}";
    names_[call_id] = std::string(name);
    assistant_side(m);
  }

  /// The members of an envelope line besides timestamp, type and payload (newer rollouts number
  /// their lines with an `ordinal`): an object's JSON, or empty. A legacy item is its own line.
  static std::string envelope_rest(const Value& item, const Value& line) {
    return &item == &line ? std::string() : agent::rest_json(line, {"timestamp", "type", "payload"});
  }
  static void keep_envelope(const Value& item, const Value& line, Message& m) {
    if (std::string envelope = envelope_rest(item, line); !envelope.empty()) m.extra.emplace_back("envelope", std::move(envelope));
  }

  void item(const Value& item, const Value& line, const Value* timestamp) {
    auto type = text(find_member(item, "type"));
    const std::string_view kind = type ? *type : std::string_view();
    if (kind == "message") {
      auto role = text(find_member(item, "role"));
      if (!role || !(*role == "user" || *role == "assistant" || *role == "system" || *role == "developer")) {
        env(line);
        return;
      }
      if (*role != "assistant") flush_reasoning();
      Message& m = add(*role == "developer" ? "system" : std::string(*role), item, timestamp);
      if (*role == "developer") m.original_role = "developer";
      m.content = content_json(find_member(item, "content"), m);
      keep_members(item, {"type", "role", "content", "id"}, m.extra);
      keep_envelope(item, line, m);
      if (*role == "assistant") assistant_side(m);
    } else if (kind == "reasoning") {
      const std::string parts = reasoning_parts(item);
      reasoning_ += (reasoning_.empty() || parts.empty() ? "" : ",") + parts;
      std::vector<std::pair<std::string, std::string>> members;
      keep_members(item, {"type", "summary", "content", "encrypted_content"}, members);
      // Its line's time (the message it joins has its own): as written.
      if (timestamp != nullptr) members.emplace_back("timestamp", json_of(*timestamp));
      if (std::string envelope = envelope_rest(item, line); !envelope.empty()) members.emplace_back("envelope", std::move(envelope));
      const std::string rest = agent::members_json(members);
      if (!rest.empty()) reasoning_rest_ += (reasoning_rest_.empty() ? "" : ",") + rest;
      reasoning_lines_.emplace_back(&line, text_);
    } else if (kind == "function_call" || kind == "custom_tool_call" || kind == "tool_search_call") {
      auto name = text(find_member(item, "name"));
      const char* arguments = kind == "custom_tool_call" ? "input" : "arguments";
      call(item, timestamp, name && !name->empty() ? *name : (kind == "tool_search_call" ? "tool_search" : "unnamed"),
           find_member(item, arguments), "call_id");
      keep_members(item, {"type", "name", "arguments", "input", "call_id", "id"}, messages_.back().extra);
      keep_envelope(item, line, messages_.back());
    } else if (kind == "local_shell_call") {
      call(item, timestamp, "local_shell", find_member(item, "action"), "call_id");
      keep_members(item, {"type", "action", "call_id", "id"}, messages_.back().extra);
      keep_envelope(item, line, messages_.back());
    } else if (kind == "function_call_output" || kind == "custom_tool_call_output" || kind == "tool_search_output") {
      flush_reasoning();
      Message& m = add("tool", item, timestamp);
      if (auto id = text(find_member(item, "call_id"))) m.tool_call_id = std::string(*id);
      if (m.tool_call_id.empty()) m.tool_call_id = m.id.empty() ? "call_unknown" : m.id;
      if (auto it = calls_.find(m.tool_call_id); it != calls_.end() && it->second.second != m.tool_call_id) {
        m.extra.emplace_back("source_call_id", quote(m.tool_call_id));
        m.tool_call_id = it->second.second;
      }
      if (auto it = names_.find(m.tool_call_id); it != names_.end()) m.name = it->second;
      const Value* output = find_member(item, kind == "tool_search_output" ? "tools" : "output");
      m.content = kind == "tool_search_output" ? quote(output != nullptr ? json_of(*output) : "null") : output_json(output, m);
      if (const Value* success = find_member(item, "success"); success != nullptr && success->IsBool() && !success->GetBool()) m.is_error = true;
      keep_members(item, {"type", "call_id", "id", kind == "tool_search_output" ? "tools" : "output"}, m.extra);
      keep_envelope(item, line, m);
    } else {
      env(line);  // server-side tools (web search, image generation), snapshots, unknown items: no chat turn
    }
  }

  void finish(const std::vector<SessionLine>& lines) {
    const Value* meta = meta_;
    std::string id = meta != nullptr ? std::string(text(find_member(*meta, "id")).value_or("")) : std::string();
    if (id.empty()) {
      id = hex_id("codex-", libstream::content_hash(json_of(*lines.front().value)));
      context_.warn("no session_meta id: session_id " + id + " made from the first line");
    }
    out_.set_text("session_id", id);
    // The messages written straight into one buffer sized up front, then moved into the record.
    size_t size = 2 + messages_.size();
    for (const Message& m : messages_) size += m.json_size_hint();
    std::string messages;
    messages.reserve(size);
    messages += '[';
    for (size_t i = 0; i < messages_.size(); ++i) {
      if (i > 0) messages += ',';
      messages_[i].append_json(messages);
    }
    messages += ']';
    out_.set("messages", std::move(messages));
    if (meta != nullptr) {
      const std::string parent = ancestor_of(*meta);
      if (!parent.empty()) out_.set_text("parent_session_id", parent);
    }
    if (!model_.empty()) {
      out_.set_text("model", model_);
      out_.set_text("model_source", "event");
    } else if (auto model = text(meta != nullptr ? find_member(*meta, "model") : nullptr)) {
      out_.set_text("model", *model);
      out_.set_text("model_source", "session_metadata");
    }
    if (!status_.empty()) out_.set_text("status", status_);
    if (!error_.empty()) out_.set_text("error", error_);
    const Value* started = meta != nullptr ? find_member(*meta, "timestamp") : nullptr;
    if (!agent::instant_of(started)) started = find_member(*lines.front().value, "timestamp");
    if (agent::instant_of(started)) out_.set_time("created_at", "original_created_at", started, context_.warn);
    if (last_time_) out_.set_text("ended_at", libstream::format_instant(*last_time_));
    set_usage();
    if (!env_.empty()) {
      env_ += ']';
      out_.set("env_messages", std::move(env_));
    }
    std::string source = "{\"format\":\"codex\"";
    if (auto version = text(meta != nullptr ? find_member(*meta, "cli_version") : nullptr)) source += ",\"version\":" + quote(*version);
    if (legacy_) source += ",\"legacy\":true";
    out_.set("source", source + "}");
    if (meta != nullptr) out_.extra("session_meta", json_of(*meta));
    if (!meta_envelope_.empty()) out_.extra("session_meta_envelope", meta_envelope_);
    if (models_.size() > 1) out_.extra("models", names_json(models_));
    if (!inherited_from_.empty()) out_.extra("inherited_lines", std::to_string(inherited_end_ - inherited_begin_));
  }

  void set_usage() {
    if (totals_.total == nullptr && inherited_.total == nullptr) return;
    const TokenTotals& last = totals_.total != nullptr ? totals_ : inherited_;
    agent::UsageCounts usage;
    const auto own = [&](const char* key) -> std::optional<int64_t> {
      auto value = last.get(key);
      if (!value || &last == &inherited_ || inherited_.total == nullptr) return value;
      auto before = inherited_.get(key);
      return before && *before <= *value ? std::optional<int64_t>(*value - *before) : value;
    };
    usage.input = own("input_tokens");
    usage.output = own("output_tokens");
    usage.total = own("total_tokens");
    usage.cache_read = own("cached_input_tokens");
    usage.cache_creation = own("cache_write_input_tokens");
    usage.reasoning = own("reasoning_output_tokens");
    if (&last == &inherited_) usage = agent::UsageCounts{0, 0, 0, {}, {}, {}, {}};  // the fork did nothing of its own
    out_.set("usage", usage.json());
    if (inherited_.total != nullptr) out_.extra("inherited_usage", json_of(*inherited_.total));
  }

  const MapContext& context_;
  Record& out_;
  const Value* meta_ = nullptr;
  std::string meta_envelope_;  ///< the session_meta line's envelope members beside its payload (its timestamp included)
  bool legacy_ = false;
  std::vector<Message> messages_;
  std::string env_;  // the env_messages array being written, without its closing bracket
  std::string reasoning_, reasoning_rest_;
  std::vector<std::pair<const Value*, std::string_view>> reasoning_lines_;
  std::string_view text_;  // the text of the line being mapped
  std::map<std::string, std::string> names_;  // call id -> tool name
  std::map<std::string, std::pair<int, std::string>> calls_;  // source call id -> (uses, id written)
  std::string model_;
  std::vector<std::string> models_;
  std::string status_, error_;
  std::optional<int64_t> last_time_;
  const Value* instant_source_ = nullptr;  // the timestamp instant_ was read from
  std::optional<int64_t> instant_;
  uint64_t line_number_ = 0;  // of the line being mapped
  uint64_t backward_steps_ = 0, first_backward_line_ = 0;
  TokenTotals totals_, inherited_;
  size_t inherited_begin_ = 0, inherited_end_ = 0;
  bool in_inherited_ = false;
  std::string inherited_from_;
};

void map_session(const std::vector<SessionLine>& lines, const MapContext& context, Record& out) {
  if (lines.empty()) throw MappingError{"an empty Codex session"};
  CodexSession(context, out).map(lines);
}

const LineRules kRules{belongs, session_key, map_session, adopts};

}  // namespace

extern const DialectSpec kCodex{"codex", "{timestamp, type: session_meta|turn_context|response_item|event_msg, payload}, or a legacy {id, timestamp, instructions|git} header",
                                "OpenAI Codex CLI rollouts", recognise, nullptr, &kRules};

}  // namespace tracemill::normalize

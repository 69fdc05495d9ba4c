// Claude Code session transcripts (~/.claude/projects/<project>/<session>.jsonl, and subagent
// files agent-<id>.jsonl): one event per line. The rules, with the reasons, are in the manual's
// "Claude Code" section.
#include "claude_code_layout.hpp"
#include "dialect.hpp"

#include <libstream/hash.hpp>
#include <libstream/stores.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace tracemill::normalize {
namespace {

bool is_string(const Value* v) { return v != nullptr && v->IsString(); }
std::string string_or_empty(const Value* v) { return is_string(v) ? std::string(string_of(*v)) : std::string(); }

/// Members of a line's envelope that usually hold one value for the whole session: written
/// once under `source`, and on a message only where they differ.
const char* const kEnvelope[] = {"version", "cwd", "gitBranch", "userType", "entrypoint", "slug", "isSidechain"};

bool is_line(const Value& line) {
  if (!line.IsObject() || !is_string(find_member(line, "type")) || find_member(line, "payload") != nullptr) return false;
  return find_member(line, "sessionId") != nullptr || find_member(line, "uuid") != nullptr ||
         find_member(line, "leafUuid") != nullptr || find_member(line, "messageId") != nullptr ||
         find_member(line, "parentUuid") != nullptr;
}

bool recognise(const Value& line) {
  if (!is_line(line)) return false;
  const auto type = text(find_member(line, "type"));
  // A summary line opens the file of a resumed session and names no session; a file-history
  // snapshot may come first too.
  if (type == std::optional<std::string_view>("summary")) return find_member(line, "leafUuid") != nullptr;
  if (type == std::optional<std::string_view>("file-history-snapshot")) return find_member(line, "snapshot") != nullptr;
  return is_string(find_member(line, "sessionId"));
}

/// A subagent's lines carry the parent's sessionId and their own agentId: a session of their own.
std::string session_key(const Value& line) {
  std::string key = string_or_empty(find_member(line, "sessionId"));
  if (auto agent = text(find_member(line, "agentId")); agent && !key.empty()) key += ":agent-" + std::string(*agent);
  return key;
}

// ----------------------------------------------------------------------------------------
// Usage: Anthropic's counts in trace/v1's terms (input includes cache reads and writes).

struct ResponseUsage {
  int64_t input = 0, output = 0, cache_read = 0, cache_creation = 0;
  bool known = false;
  /// The response's last usage value as written (service tier, the cache's 5m/1h split,
  /// server tool use...): a message keeps it whole in extra.usage. Serialised once, when the
  /// message is finished: the session's lines outlive the builder.
  const Value* last = nullptr;
  /// Lines of one streamed response repeat its usage, output growing: each field's largest value.
  void merge(const Value* usage) {
    if (usage == nullptr) return;
    last = usage;
    if (!usage->IsObject()) return;
    const auto take = [&](const char* key, int64_t& into) {
      if (auto n = integer(find_present(*usage, key))) {
        into = std::max(into, *n);
        known = true;
      }
    };
    take("input_tokens", input);
    take("output_tokens", output);
    take("cache_read_input_tokens", cache_read);
    take("cache_creation_input_tokens", cache_creation);
  }
  [[nodiscard]] int64_t all_input() const { return input + cache_read + cache_creation; }
  [[nodiscard]] std::string json() const {
    return "{\"input_tokens\":" + std::to_string(all_input()) + ",\"output_tokens\":" + std::to_string(output) +
           ",\"total_tokens\":" + std::to_string(all_input() + output) + ",\"cache_read_tokens\":" +
           std::to_string(cache_read) + ",\"cache_creation_tokens\":" + std::to_string(cache_creation) + "}";
  }
};

// ----------------------------------------------------------------------------------------
// Content blocks

/// An OpenAI part for a block of a user message or tool result: text, image as a data URL;
/// anything else as a text part holding the block's JSON (nothing dropped, every consumer can read it).
std::string part_of(const Value& block) {
  if (block.IsString()) return "{\"type\":\"text\",\"text\":" + json_of(block) + "}";
  const auto type = text(find_member(block, "type"));
  if (type == std::optional<std::string_view>("text") && is_string(find_member(block, "text"))) {
    return "{\"type\":\"text\",\"text\":" + json_of(*find_member(block, "text")) + "}";
  }
  if (type == std::optional<std::string_view>("image")) {
    const Value* source = find_present(block, "source");
    if (source != nullptr && text(find_member(*source, "type")) == std::optional<std::string_view>("base64") &&
        is_string(find_member(*source, "data"))) {
      const std::string url = "data:" + string_or_empty(find_member(*source, "media_type")) + ";base64," +
                              std::string(string_of(*find_member(*source, "data")));
      return "{\"type\":\"image_url\",\"image_url\":{\"url\":" + quote(url) + "}}";
    }
    if (source != nullptr && is_string(find_member(*source, "url"))) {
      return "{\"type\":\"image_url\",\"image_url\":{\"url\":" + json_of(*find_member(*source, "url")) + "}}";
    }
  }
  return "{\"type\":\"text\",\"text\":" + quote(json_of(block)) + "}";
}

/// A string stays a string; a list of blocks becomes a part list.
std::string content_of(const Value* content) {
  if (content == nullptr || content->IsNull()) return "null";
  if (content->IsString()) return json_of(*content);
  if (!content->IsArray()) return quote(json_of(*content));
  std::vector<std::string> parts;
  for (const Value& block : content->GetArray()) parts.push_back(part_of(block));
  return array_json(parts);
}

// ----------------------------------------------------------------------------------------
// Messages of a line sequence (the main line, or one branch)

/// The session's envelope members (name -> JSON), looked up by view.
using Envelope = std::map<std::string, std::string, std::less<>>;

class MessageBuilder {
 public:
  MessageBuilder(const Envelope& envelope, const Warn& warn) : envelope_(envelope), warn_(warn) {}

  void add(const SessionLine& source) {
    const Value& line = *source.value;
    line_ = &source;
    const std::string type(*text(find_member(line, "type")));
    if (type == "tool_use" || type == "tool_result") return add_legacy(line, type);
    const Value* message = find_present(line, "message");
    const Value* content = message != nullptr ? find_member(*message, "content") : nullptr;
    if (type == "assistant") return add_assistant(line, *message, content);
    // user: tool results first (each its own tool message), then what the user wrote.
    std::vector<const Value*> written;
    if (content != nullptr && content->IsArray()) {
      for (const Value& block : content->GetArray()) {
        if (text(find_member(block, "type")) == std::optional<std::string_view>("tool_result")) {
          add_tool_result(line, block);
        } else {
          written.push_back(&block);
        }
      }
      if (written.empty()) return;
    }
    Message m = base(line, "user");
    if (content != nullptr && content->IsArray()) {
      std::vector<std::string> parts;
      for (const Value* block : written) parts.push_back(part_of(*block));
      // One text block is written as a plain string; a text block without text stays a part.
      const Value* only_text = written.size() == 1 && written[0]->IsObject() &&
                                       text(find_member(*written[0], "type")) == std::optional<std::string_view>("text")
                                   ? find_member(*written[0], "text")
                                   : nullptr;
      m.content = only_text != nullptr ? json_of(*only_text) : array_json(parts);
    } else {
      m.content = content_of(content);
    }
    keep_message_rest(*message, m);
    push(std::move(m));
  }

  /// Messages built so far (each becomes one trace/v1 message).
  [[nodiscard]] size_t size() const { return messages_.size(); }

  /// The messages, as a trace/v1 JSON array written into one buffer.
  std::string finish() {
    for (Pending& p : messages_) {
      if (p.message.role == "assistant") {
        if (!p.calls.empty()) p.message.tool_calls = "[" + join(p.calls) + "]";
        if (!p.originals.empty()) p.message.original_arguments = "{" + join(p.originals) + "}";
        if (p.texts.empty()) {
          p.message.content = "null";
        } else if (p.texts.size() == 1) {
          p.message.content = p.texts[0];
        } else {
          std::vector<std::string> parts;
          for (const std::string& t : p.texts) parts.push_back("{\"type\":\"text\",\"text\":" + t + "}");
          p.message.content = array_json(parts);
        }
        if (!p.reasoning.empty()) p.message.reasoning = array_json(p.reasoning);
        if (p.usage.known) p.message.usage = p.usage.json();
        if (p.usage.last != nullptr) p.message.extra.emplace_back("usage", json_of(*p.usage.last));
        if (p.uuids.size() > 1) p.message.extra.emplace_back("line_uuids", array_json(p.uuids));
        if (p.times.size() > 1) {
          std::vector<std::string> times;
          for (const Value* at : p.times) times.push_back(at != nullptr ? json_of(*at) : "null");
          p.message.extra.emplace_back("line_timestamps", array_json(times));
        }
      }
    }
    size_t size = 2 + messages_.size();
    for (const Pending& p : messages_) size += p.message.json_size_hint();
    std::string out;
    out.reserve(size);
    out += '[';
    for (size_t i = 0; i < messages_.size(); ++i) {
      if (i > 0) out += ',';
      messages_[i].message.append_json(out);
    }
    out += ']';
    return out;
  }

  [[nodiscard]] const std::set<std::string>& call_ids() const { return call_ids_; }

 private:
  struct Pending {
    Message message;
    std::string response_id;  // message.id (+ requestId): one streamed response
    std::vector<std::string> texts, reasoning, calls, originals, uuids;
    // Each line's timestamp (null where it has none), written only for a response of several
    // lines, when the message is finished: most responses are one line.
    std::vector<const Value*> times;
    ResponseUsage usage;
  };

  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? "," : "") + items[i];
    return out;
  }

  Message base(const Value& line, const char* role) {
    Message m;
    m.role = role;
    if (auto id = text(find_member(line, "uuid"))) m.id = std::string(*id);
    if (const Value* at = find_present(line, "timestamp"); at != nullptr && at->IsString()) {
      if (auto instant = libstream::parse_instant(string_of(*at))) m.created_at = libstream::format_instant(*instant);
    }
    // The envelope, where it differs from the session's; every other member of the line.
    static const std::set<std::string_view> kMapped = {"type", "message", "uuid", "timestamp", "sessionId", "agentId"};
    // A user line with several tool results makes several messages: its members are found once.
    if (&line != line_->value) {
      raw_.clear();
    } else if (raw_line_ != line_) {
      raw_ = raw_members(*line_);
      raw_line_ = line_;
    }
    size_t position = 0;
    for (const auto& member : line.GetObject()) {
      const std::string_view key = string_of(member.name);
      const size_t index = position++;
      if (kMapped.count(key) != 0) continue;
      const bool raw = index < raw_.size() && raw_[index];
      const auto it = envelope_.find(key);
      if (raw) {
        if (it != envelope_.end() && it->second == *raw_[index]) continue;
        m.extra.emplace_back(key, *raw_[index]);
      } else {
        std::string value = json_of(member.value);
        if (it != envelope_.end() && it->second == value) continue;
        m.extra.emplace_back(key, std::move(value));
      }
    }
    if (&line != line_->value) raw_line_ = nullptr;
    return m;
  }

  void keep_message_rest(const Value& message, Message& m) {
    static const std::set<std::string_view> kMapped = {"role", "content", "model", "usage", "id"};
    for (const auto& member : message.GetObject()) {
      if (kMapped.count(string_of(member.name)) == 0) m.extra.emplace_back(string_of(member.name), json_of(member.value));
    }
  }

  void push(Message m) { messages_.push_back(Pending{std::move(m), {}, {}, {}, {}, {}, {}, {}, {}}); }

  void add_assistant(const Value& line, const Value& message, const Value* content) {
    std::string response = string_or_empty(find_member(message, "id"));
    if (!response.empty()) response += "|" + string_or_empty(find_member(line, "requestId"));
    // Lines of one streamed response join its message, unless a user message came between.
    Pending* open = nullptr;
    if (!response.empty()) {
      for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
        if (it->message.role == "tool") continue;
        if (it->message.role == "assistant" && it->response_id == response) open = &*it;
        break;
      }
    }
    if (open == nullptr) {
      Message m = base(line, "assistant");
      if (auto model = text(find_member(message, "model"))) m.model = std::string(*model);
      if (!response.empty()) m.extra.emplace_back("message_id", json_of(*find_member(message, "id")));
      keep_message_rest(message, m);
      push(std::move(m));
      open = &messages_.back();
      open->response_id = response;
    } else {
      // A later line of the same response: what it adds beyond the blocks.
      static const std::set<std::string_view> kSame = {"type", "message", "uuid", "timestamp", "sessionId", "agentId",
                                                       "parentUuid", "requestId"};
      for (const auto& member : line.GetObject()) {
        const std::string_view key = string_of(member.name);
        if (kSame.count(key) == 0 && envelope_.count(std::string(key)) == 0) {
          open->message.extra.emplace_back(std::string(key), json_of(member.value));
        }
      }
      for (const char* key : {"stop_reason", "stop_sequence"}) {
        if (const Value* v = find_present(message, key)) open->message.extra.emplace_back(key, json_of(*v));
      }
    }
    if (auto uuid = text(find_member(line, "uuid"))) open->uuids.push_back(quote(*uuid));
    open->times.push_back(find_member(line, "timestamp"));
    open->usage.merge(find_present(message, "usage"));
    if (content != nullptr && content->IsString()) {
      open->texts.push_back(json_of(*content));
      return;
    }
    if (content == nullptr || !content->IsArray()) return;
    for (const Value& block : content->GetArray()) {
      const std::string type = string_or_empty(find_member(block, "type"));
      if (type == "text" && is_string(find_member(block, "text"))) {
        open->texts.push_back(json_of(*find_member(block, "text")));
      } else if (type == "thinking") {
        std::string part = "{\"type\":\"thinking\",\"text\":" + quote(string_or_empty(find_member(block, "thinking")));
        if (is_string(find_member(block, "signature"))) part += ",\"signature\":" + json_of(*find_member(block, "signature"));
        open->reasoning.push_back(part + "}");
      } else if (type == "redacted_thinking") {
        open->reasoning.push_back("{\"type\":\"redacted\",\"data\":" + quote(string_or_empty(find_member(block, "data"))) + "}");
      } else if ((type == "tool_use" || type == "server_tool_use" || type == "mcp_tool_use") && is_string(find_member(block, "id"))) {
        add_call(*open, string_or_empty(find_member(block, "id")), string_or_empty(find_member(block, "name")),
                 find_member(block, "input"));
        if (type != "tool_use") open->message.extra.emplace_back("call_type:" + string_or_empty(find_member(block, "id")), quote(type));
      } else if (type.size() > 12 && type.compare(type.size() - 12, 12, "_tool_result") == 0 && is_string(find_member(block, "tool_use_id"))) {
        // A server tool's result lives in the same response: a tool message after it.
        pending_server_results_.push_back(&block);
      } else {
        open->texts.push_back(quote(json_of(block)));  // an unknown block: its JSON as text
        warn_("an assistant block of type " + quote(type) + " kept as its JSON text");
      }
    }
    for (const Value* block : pending_server_results_) add_tool_result(line, *block);
    pending_server_results_.clear();
  }

  void add_call(Pending& open, const std::string& id, const std::string& source_name, const Value* input) {
    std::string name = source_name;
    if (name.empty()) {
      name = "unnamed";  // a placeholder, counted: trace/v1 needs a name
      ++tool_call_guesses().unnamed_calls;
    }
    const std::string arguments = input != nullptr ? json_of(*input) : "{}";
    // Appended in place: the arguments are written twice (as text and as they were), no more.
    std::string& call = open.calls.emplace_back();
    call.reserve(arguments.size() + arguments.size() / 4 + id.size() + name.size() + 64);
    call += "{\"id\":";
    libstream::append_json_string(call, id);
    call += ",\"type\":\"function\",\"function\":{\"name\":";
    libstream::append_json_string(call, name);
    call += ",\"arguments\":";
    libstream::append_json_string(call, arguments);
    call += "}}";
    if (input != nullptr) {
      std::string& original = open.originals.emplace_back();
      original.reserve(arguments.size() + id.size() + 8);
      libstream::append_json_string(original, id);
      original += ':';
      original += arguments;
    }
    call_ids_.insert(id);
    call_names_.emplace_back(id, name);
  }

  void add_tool_result(const Value& line, const Value& block) {
    Message m = base(line, "tool");
    m.tool_call_id = string_or_empty(find_member(block, "tool_use_id"));
    if (m.tool_call_id.empty()) answers_no_call(line, m, "a tool_result block without tool_use_id");
    m.content = content_of(find_member(block, "content"));
    if (const Value* error = find_member(block, "is_error"); error != nullptr && error->IsBool()) {
      m.is_error = error->IsTrue();
    }
    static const std::set<std::string_view> kMapped = {"type", "tool_use_id", "content", "is_error"};
    for (const auto& member : block.GetObject()) {
      if (kMapped.count(string_of(member.name)) == 0) m.extra.emplace_back(string_of(member.name), json_of(member.value));
    }
    answered_.insert(m.tool_call_id);
    push(std::move(m));
  }

  /// A result of no call (a log cut short or edited) is kept: trace/v1 needs a tool message's
  /// tool_call_id, so it is named by its line's uuid (else its place), marked and warned.
  void answers_no_call(const Value& line, Message& m, const std::string& why) {
    m.tool_call_id = string_or_empty(find_member(line, "uuid"));
    if (m.tool_call_id.empty() || call_ids_.count(m.tool_call_id) != 0 || answered_.count(m.tool_call_id) != 0) {
      m.tool_call_id += "result_" + std::to_string(messages_.size());  // unique in the session
    }
    m.extra.emplace_back("answers_no_call", "true");
    warn_(why + ": kept as a tool message answering " + quote(m.tool_call_id));
  }

  /// CLI versions before the Messages API shape wrote calls and results as lines of their own.
  void add_legacy(const Value& line, const std::string& type) {
    const std::string name = string_or_empty(find_member(line, "name"));
    const auto mapped_here = [](Message& m) {  // what the call or result itself holds
      m.extra.erase(std::remove_if(m.extra.begin(), m.extra.end(),
                                   [](const auto& kv) { return kv.first == "input" || kv.first == "output" || kv.first == "id"; }),
                    m.extra.end());
    };
    if (type == "tool_use") {
      Message m = base(line, "assistant");
      mapped_here(m);
      push(std::move(m));
      std::string id = string_or_empty(find_member(line, "id"));
      if (id.empty()) id = string_or_empty(find_member(line, "uuid"));
      if (id.empty()) {
        id = "call_" + std::to_string(messages_.size());
        ++tool_call_guesses().made_call_ids;
      }
      add_call(messages_.back(), id, name, find_member(line, "input"));
      return;
    }
    Message m = base(line, "tool");
    mapped_here(m);
    // The oldest unanswered call of the same tool (else of any tool) is the one answered.
    for (const auto& [id, call_name] : call_names_) {
      if (answered_.count(id) == 0 && (call_name == name || m.tool_call_id.empty())) {
        m.tool_call_id = id;
        if (call_name == name) break;
      }
    }
    if (m.tool_call_id.empty()) answers_no_call(line, m, "a tool_result line answers no earlier tool_use line");
    const Value* output = find_member(line, "output");
    if (output == nullptr) output = find_member(line, "content");
    m.content = content_of(output);
    answered_.insert(m.tool_call_id);
    push(std::move(m));
  }

  const Envelope& envelope_;
  const Warn& warn_;
  const SessionLine* line_ = nullptr;  // the line being added, for its raw member text
  const SessionLine* raw_line_ = nullptr;  // the line raw_ was found in
  std::vector<std::optional<std::string_view>> raw_;
  std::vector<Pending> messages_;
  std::vector<const Value*> pending_server_results_;
  std::set<std::string> call_ids_;
  std::set<std::string> answered_;
  std::vector<std::pair<std::string, std::string>> call_names_;  // in order of the calls
};


// ----------------------------------------------------------------------------------------
// The session: main line, branches, subagent links, usage

void map_session(const std::vector<SessionLine>& lines, const MapContext& context, Record& out) {
  const size_t n = lines.size();
  std::vector<bool> conversation(n);
  for (size_t i = 0; i < n; ++i) conversation[i] = claude_code::is_conversation(*lines[i].value);

  // Session members from the first line that has them.
  std::string session_id, agent_id, version_first, version_last;
  Envelope envelope;
  const Value* first_time = nullptr;
  const Value* last_time = nullptr;
  std::string parent_call;
  for (const SessionLine& l : lines) {
    const Value& line = *l.value;
    if (session_id.empty()) session_id = string_or_empty(find_member(line, "sessionId"));
    if (agent_id.empty()) agent_id = string_or_empty(find_member(line, "agentId"));
    if (parent_call.empty()) parent_call = string_or_empty(find_member(line, "sourceToolUseID"));
    // Envelope members from the first line that has each; a line is scanned for their raw
    // text only when it holds one not seen yet (older versions lack some on every line).
    const auto missing = [&](const char* key) { return envelope.count(std::string_view(key)) == 0 && find_member(line, key) != nullptr; };
    if (envelope.size() < std::size(kEnvelope) &&
        (find_member(line, "uuid") != nullptr || find_member(line, "sessionId") != nullptr) &&
        std::any_of(std::begin(kEnvelope), std::end(kEnvelope), missing)) {
      const auto raw = raw_members(l);
      size_t position = 0;
      for (const auto& member : line.GetObject()) {
        const size_t index = position++;
        const std::string_view key = string_of(member.name);
        if (std::find(std::begin(kEnvelope), std::end(kEnvelope), key) == std::end(kEnvelope) || envelope.count(key) != 0) {
          continue;
        }
        envelope.emplace(key, index < raw.size() && raw[index] ? std::string(*raw[index]) : json_of(member.value));
      }
    }
    if (auto v = text(find_member(line, "version"))) {
      if (version_first.empty()) version_first = std::string(*v);
      version_last = std::string(*v);
    }
    if (const Value* at = find_present(line, "timestamp"); at != nullptr && at->IsString()) {
      if (first_time == nullptr) first_time = at;
      last_time = at;
    }
  }
  if (session_id.empty()) {
    if (context.file.empty() || context.file == "-" || context.file == "<stdin>") {
      session_id = hex_id("claude-code-", libstream::content_hash(json_of(*lines.front().value)));
      context.warn("no sessionId on any line: made \"" + session_id + "\" from the first line");
    } else {
      session_id = libstream::session_id_from_file_name(context.file);
      context.warn("no sessionId on any line: took \"" + session_id + "\" from the file name");
    }
  }
  if (!agent_id.empty()) {
    out.set_text("session_id", session_id + ":agent-" + agent_id);
    out.set_text("parent_session_id", session_id);
    if (!parent_call.empty()) out.set_text("parent_tool_call_id", parent_call);
  } else {
    out.set_text("session_id", session_id);
  }

  // Messages of the main line, branches by fork point; other lines kept whole, in order.
  const claude_code::Layout layout = claude_code::lay_out(lines, conversation);
  MessageBuilder main_line(envelope, context.warn);
  std::map<size_t, MessageBuilder> branches;  // by the path line they fork from
  std::vector<std::string> env_messages;
  // Main-line messages are counted as they are built, to place each branch's fork point:
  // (line, main messages built from the lines up to it).
  std::vector<std::pair<size_t, size_t>> main_lines;
  for (size_t i = 0; i < n; ++i) {
    const Value& line = *lines[i].value;
    if (!conversation[i]) {
      env_messages.push_back(json_of(line));
    } else if (layout.main[i]) {
      main_line.add(lines[i]);
      main_lines.emplace_back(i, main_line.size());
    } else {
      branches.try_emplace(layout.anchor[i], envelope, context.warn).first->second.add(lines[i]);
    }
  }
  const size_t produced = main_line.size();
  // A branch forks after the main-line messages built from lines up to its anchor (a builder
  // given only those lines would be in the same state as the main one was then).
  const auto messages_through = [&](size_t anchor) {
    size_t count = 0;
    for (const auto& [i, built] : main_lines) {
      if (i > anchor) break;
      count = built;
    }
    return count;
  };
  std::vector<std::string> branch_json;
  for (auto& [anchor, builder] : branches) {
    const size_t after = std::min(messages_through(anchor), produced);
    branch_json.push_back("{\"after\":" + std::to_string(after) + ",\"messages\":" + builder.finish() + "}");
  }
  out.set("messages", main_line.finish());
  if (!branch_json.empty()) out.set("branches", array_json(branch_json));
  if (!env_messages.empty()) out.set("env_messages", array_json(env_messages));

  // Usage: once per response (message.id + requestId), over every line, branches included.
  std::map<std::string, ResponseUsage> responses;
  std::string model;
  size_t anonymous = 0;
  for (size_t i = 0; i < n; ++i) {
    const Value& line = *lines[i].value;
    if (text(find_member(line, "type")) != std::optional<std::string_view>("assistant")) continue;
    const Value* message = find_present(line, "message");
    if (message == nullptr || !message->IsObject()) continue;
    std::string key = string_or_empty(find_member(*message, "id"));
    key = key.empty() ? "#" + std::to_string(anonymous++) : key + "|" + string_or_empty(find_member(line, "requestId"));
    responses[key].merge(find_present(*message, "usage"));
    if (auto m = text(find_member(*message, "model")); m && model.empty() && *m != "<synthetic>") model = std::string(*m);
  }
  ResponseUsage total;
  bool any = false;
  for (const auto& [key, usage] : responses) {
    if (!usage.known) continue;
    any = true;
    total.input += usage.input;
    total.output += usage.output;
    total.cache_read += usage.cache_read;
    total.cache_creation += usage.cache_creation;
  }
  if (!model.empty()) {
    out.set_text("model", model);
    out.set_text("model_source", "event");
  }
  if (first_time != nullptr) out.set_time("created_at", "original_created_at", first_time, context.warn);
  if (last_time != nullptr) {
    if (auto instant = libstream::parse_instant(string_of(*last_time))) out.set_text("ended_at", libstream::format_instant(*instant));
  }
  if (any) out.set("usage", total.json());
  std::string source = "{\"format\":\"claude-code\"";
  if (!version_first.empty()) source += ",\"version\":" + quote(version_first);
  if (version_last != version_first) source += ",\"last_version\":" + quote(version_last);
  for (const auto& [key, value] : envelope) {
    if (key != "version") source += "," + quote(key) + ":" + value;
  }
  out.set("source", source + "}");
  if (produced == 0 && branch_json.empty()) context.warn("a Claude Code session without conversation lines");
}

const LineRules kLines{is_line, session_key, map_session};

}  // namespace

extern const DialectSpec kClaudeCode{"claude-code", "type with sessionId and uuid/parentUuid/message (or a summary's leafUuid)",
                                     "Claude Code", recognise, nullptr, &kLines};

}  // namespace tracemill::normalize

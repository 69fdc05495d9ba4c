// NVIDIA ATOF (Agent Trajectory Observability Format: NeMo Agent Toolkit's nvidia_nat_atif,
// NeMo Relay's event export): one event per line. ATOF 0.x writes {kind: scope|mark,
// atof_version, uuid, parent_uuid, timestamp, name, category, category_profile, data,
// data_schema, attributes, metadata}; a scope is a start and an end line sharing a uuid,
// parent_uuid links the tree. Earlier drafts wrote kind ScopeStart|ScopeEnd|LLMStart|LLMEnd|
// ToolStart|ToolEnd|Mark|StreamHeaderEvent with scope_type, input/output, status: read too.
// A session is one root scope (parent_uuid null); LLM scopes are the calls (provider request
// on start, response on end, converted by provider_chat), tool scopes their results.
#include "atof_events.hpp"
#include "dialect.hpp"
#include "observability_common.hpp"

#include "../call_conversation.hpp"
#include "../provider_chat.hpp"

#include <libstream/document.hpp>
#include <libstream/hash.hpp>
#include <libstream/time.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace tracemill::normalize {
namespace {

using namespace atof;  // NOLINT: this file is the ATOF dialect

/// A converted message's JSON read back, in situ from a copy, into memory kept from call to call
/// (a Document per message cost a fresh pool, stack and byte-at-a-time parse each). Valid until
/// the next call. The converter wrote the text, so it parses; rapidjson's own parse remains for
/// what libstream's refuses (nesting past its limit).
const Value& reparse(const std::string& json) {
  static constexpr size_t kArena = size_t{64} << 10;
  thread_local std::unique_ptr<char[]> arena(new char[kArena]);
  thread_local rapidjson::MemoryPoolAllocator<> pool(arena.get(), kArena);
  thread_local rapidjson::Document document(&pool);
  thread_local std::string copy;
  document.SetNull();
  pool.Clear();
  copy.assign(json);
  if (!libstream::parse_json_in_place(copy, document)) {
    document.SetNull();
    pool.Clear();
    document.Parse(json.c_str());
  }
  return document;
}

struct Scope {
  const Event* start = nullptr;
  const Event* end = nullptr;
};

class SessionMapper {
 public:
  SessionMapper(const Warn& warn) : warn_(warn) {}

  void run(std::vector<Event>& events, Record& out) {
    // Consumers must order by time (ATOF 0.1, section 5.1): when every event has one, sort stably.
    if (std::all_of(events.begin(), events.end(), [](const Event& e) { return e.micros.has_value(); })) {
      std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return *a.micros < *b.micros; });
    }
    for (const Event& e : events) {
      if (e.kind != Kind::scope || e.uuid.empty() || e.phase == Phase::none) continue;
      Scope& s = scopes_[e.uuid];
      const Event*& slot = e.phase == Phase::start ? s.start : s.end;
      if (slot == nullptr) slot = &e;
    }
    for (const Event& e : events) {
      if (e.kind == Kind::scope && e.parent.empty() && e.phase != Phase::none && !e.uuid.empty()) {
        root_ = e.uuid;
        break;
      }
    }
    for (const Event& e : events) add(e);
    finish(events, out);
  }

 private:
  bool paired(const Event& e) const {
    if (e.kind != Kind::scope || e.uuid.empty() || e.phase == Phase::none) return false;
    const Scope& s = scopes_.at(e.uuid);
    return (e.phase == Phase::start ? s.start : s.end) == &e;
  }

  void keep_event(const Event& e) { events_.push_back(raw_json(e)); }

  void add(const Event& e) {
    if (e.kind == Kind::mark) return mark(e);
    if (!paired(e)) {
      if (e.kind == Kind::scope) ++unreadable_scopes_;  // no uuid or phase, or a second start/end of a uuid
      return keep_event(e);
    }
    const Scope& s = scopes_.at(e.uuid);
    if (e.phase == Phase::end && s.start == nullptr) ++ends_without_start_;
    if (e.uuid == root_) return root(e, s);
    // A scope that never ended is taken where it started: an LLM call's prompt without a
    // reply; a tool's start kept as an event.
    const bool unended = e.phase == Phase::start && s.end == nullptr;
    if (unended) ++unended_;
    if (e.category == "llm") {
      if (e.phase == Phase::end || unended) llm(s);
      return;
    }
    if (e.category == "tool") {
      if (e.phase == Phase::end) tool(s);
      if (unended) keep_event(e);
      return;
    }
    keep_event(e);  // agent below the root, function, retriever, guardrail, custom, unknown...
  }

  void mark(const Event& e) {
    // A mark whose data carries a role is a message (the reference converter lifts them).
    const Value* data = e.payload;
    const std::string_view role = data != nullptr && data->IsObject() ? str(find_member(*data, "role")) : std::string_view();
    if (role != "user" && role != "system" && role != "agent" && role != "assistant") return keep_event(e);
    Message m;
    m.role = role == "agent" ? "assistant" : std::string(role);
    if (role == "agent") m.original_role = "agent";
    const Value* content = find_present(*data, "content");
    if (content == nullptr) content = find_present(*data, "message");
    m.content = content == nullptr ? quote("") : trace_content_json(*content);
    m.id = e.uuid;
    m.created_at = instant(e.micros);
    m.extra.emplace_back("atof_mark", event_rest(e, {"data"}));
    std::string rest = "{";
    for (const auto& member : data->GetObject()) {
      const auto name = string_of(member.name);
      if (name == "role" || (content != nullptr && &member.value == content)) continue;
      rest += (rest.size() > 1 ? "," : "") + quote(name) + ":" + json_of(member.value);
    }
    if (rest.size() > 1) m.extra.emplace_back("atof_mark_data", rest + "}");
    ++lifted_marks_;
    append(m);
  }

  void root(const Event& e, const Scope& s) {
    root_rest_.emplace_back(e.phase == Phase::start ? "start" : "end", event_rest(e, {"data"}));
    if (e.phase == Phase::start) {
      root_start_ = &e;
      input_ = payload_text(e.payload, {"input", "message", "query", "question", "prompt"}, &input_key_);
      if (e.payload != nullptr && !e.payload->IsString() && !(e.payload->IsObject() && e.payload->MemberCount() == 1)) input_is_json_ = true;
    } else {
      root_end_ = &e;
      output_ = payload_text(e.payload, {"response", "output", "result", "answer", "final_answer", "content"}, &output_key_);
      if (!e.status.empty() && e.status != "ok") {
        status_ = e.status;
        if (const Value* error = find_present(*e.line->value, "error")) error_ = text_or_json(*error);
      }
    }
    (void)s;
  }

  /// The agent's input before its first LLM call, unless that call's prompt already holds it.
  void give_input(const std::vector<Message>* prompt) {
    if (input_given_ || root_start_ == nullptr || input_.empty()) return;
    input_given_ = true;
    if (prompt != nullptr) {
      const std::string as_content = quote(input_);
      for (const Message& m : *prompt) {
        if (m.role == "user" && m.content == as_content) return;
      }
    }
    append(agent_message("user", input_, *root_start_, input_key_));
  }

  /// The root scope's input (role user) or final answer (role assistant) as a message: the
  /// text quoted, the event's uuid and time, atof_source saying which, and the data member
  /// the text came from (atof_data_key) when it was unwrapped from one.
  static Message agent_message(const char* role, const std::string& said, const Event& event, const std::string& data_key) {
    Message m;
    m.role = role;
    m.content = quote(said);
    m.id = event.uuid;
    m.created_at = instant(event.micros);
    m.extra.emplace_back("atof_source", m.role == "user" ? "\"agent_input\"" : "\"agent_output\"");
    if (!data_key.empty()) m.extra.emplace_back("atof_data_key", quote(data_key));
    return m;
  }

  void llm(const Scope& s) {
    const Event* start = s.start;
    const Event* end = s.end;
    const Event& any = start != nullptr ? *start : *end;
    ++llm_calls_;
    // The request: provider messages; the reference converter also reads {content: {messages}}.
    const Value* request = start != nullptr ? start->payload : nullptr;
    if (request != nullptr && request->IsObject() && find_member(*request, "messages") == nullptr) {
      if (const Value* inner = find_present(*request, "content"); inner != nullptr && inner->IsObject() && find_member(*inner, "messages") != nullptr) request = inner;
    }
    const Value* response = end != nullptr ? end->payload : nullptr;
    const Value* annotated = end != nullptr && end->profile != nullptr ? find_present(*end->profile, "annotated_response") : nullptr;
    if (response == nullptr && annotated != nullptr) response = annotated;
    provider::Converter input;
    input.prompt(request, embedded_);
    provider::Converter reply = input;  // the same made-up ids for calls the reply repeats
    reply.messages.clear();
    reply.rest.clear();
    reply.completion(response, embedded_);
    const std::string prefix = "call_" + any.uuid;
    std::vector<Message> prompt;
    std::set<std::string> in_prompt;
    for (const std::string& json : input.messages) {
      const Value& d = reparse(json);
      prompt.push_back(openai_to_message(d, prefix + "_p" + std::to_string(prompt.size())));
      if (!prompt.back().tool_call_id.empty()) in_prompt.insert(prompt.back().tool_call_id);
      calls_of(prompt.back(), issued_);
    }
    // A prompt may repeat an earlier reply's calls in short (ids and names, no arguments): the
    // reply's own calls stand for them, so the conversation is not written twice.
    for (Message& m : prompt) {
      if (m.role != "assistant" || m.tool_calls.empty()) continue;
      std::vector<std::pair<std::string, std::string>> calls;
      calls_of(m, calls);
      const auto it = replies_by_calls_.find(call_ids(calls));
      if (it == replies_by_calls_.end() || ChatBuilder::key_of(m) == it->second.key) continue;
      m.tool_calls = it->second.tool_calls;
      m.original_arguments = it->second.original_arguments;
      if (m.content == "null" || m.content == "\"\"") m.content = it->second.content;
      ++calls_from_reply_;
    }
    give_input(request != nullptr ? &prompt : nullptr);
    // Tool results the prompt does not show are the conversation's before this call.
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (in_prompt.count(it->tool_call_id) != 0) {
        ++it;
        continue;
      }
      append(*it);
      answered_.insert(it->tool_call_id);
      it = pending_.erase(it);
    }
    std::vector<Message> replies;
    for (const std::string& json : reply.messages) {
      const Value& d = reparse(json);
      replies.push_back(openai_to_message(d, prefix + (replies.empty() ? "" : "_" + std::to_string(replies.size()))));
      if (replies.back().role != "assistant" && replies.back().role != "tool") replies.back().role = "assistant";
      std::vector<std::pair<std::string, std::string>> calls;
      calls_of(replies.back(), calls);
      issued_.insert(issued_.end(), calls.begin(), calls.end());
      if (!calls.empty()) {
        const Message& r = replies.back();
        replies_by_calls_[call_ids(calls)] = {r.content, r.tool_calls, r.original_arguments, ChatBuilder::key_of(r)};
      }
    }
    // Model: the response's own, else the end profile's (the one that answered), else the one asked for.
    std::string model;
    const auto model_of = [](const Value* p) {
      if (p == nullptr || !p->IsObject()) return std::string();
      std::string m(str(find_member(*p, "model")));
      return m.empty() ? std::string(str(find_member(*p, "modelVersion"))) : m;
    };
    model = model_of(response);
    if (model.empty()) model = profile_text(end, "model_name");
    if (model.empty()) model = model_of(start != nullptr ? start->payload : nullptr);
    if (model.empty()) model = profile_text(start, "model_name");
    if (model_.empty()) model_ = model;
    // Usage, once per call: the response's own, else the runtime's annotation of it.
    const Value* usage = nullptr;
    for (const Value* p : {end != nullptr ? end->payload : nullptr, annotated}) {
      if (usage != nullptr || p == nullptr || !p->IsObject()) continue;
      for (const char* key : {"usage", "usageMetadata", "usage_metadata"}) {
        if (usage == nullptr && observability::has_usage(find_present(*p, key))) usage = find_present(*p, key);
      }
    }
    CallFacts facts;
    facts.model = model;
    facts.prompt_known = request != nullptr;
    if (usage != nullptr) {
      const agent::UsageCounts counts = observability::usage_of(usage);
      observability::add_usage(usage_, counts);
      if (counts.known()) facts.usage = counts.json();
    }
    facts.created_at = instant(end != nullptr ? end->micros : start->micros);
    if (response != nullptr && response->IsObject()) facts.id = std::string(str(find_member(*response, "id")));
    if (facts.id.empty()) facts.id = any.uuid;
    facts.extra.emplace_back("atof_uuid", quote(any.uuid));
    std::string scope = "{";
    if (start != nullptr) scope += "\"start\":" + event_rest(*start, {start->payload_key});
    if (end != nullptr) scope += std::string(scope.size() > 1 ? "," : "") + "\"end\":" + event_rest(*end, {end->payload_key});
    if (!input.rest.empty()) scope += ",\"request\":" + agent_rest(input.rest);
    if (response != nullptr) {
      if (const std::string rest = response_rest(*response); !rest.empty()) scope += ",\"response\":" + rest;
    }
    facts.extra.emplace_back("atof_scope", scope + "}");
    std::optional<Message> first;
    if (!replies.empty()) first = replies.front();
    std::vector<std::string> prompt_keys;
    for (const Message& m : prompt) prompt_keys.push_back(ChatBuilder::key_of(m));
    size_t overlap = overlap_with(prompt_keys);
    if (overlap == 0 && !prompt.empty() && !keys_.empty() && prompt.front().role == "system" && prompt_keys.front() == keys_.front()) {
      // NeMo Relay trims later prompts to the system message, the latest user message and what
      // followed it: the system message is the session's first, not a new one.
      prompt.erase(prompt.begin());
      prompt_keys.erase(prompt_keys.begin());
      overlap = overlap_with(prompt_keys);
      ++trimmed_prompts_;
    }
    keys_.insert(keys_.end(), prompt_keys.begin() + static_cast<std::ptrdiff_t>(overlap), prompt_keys.end());
    if (first) keys_.push_back(ChatBuilder::key_of(*first));
    chat_.add_call(std::move(prompt), first, facts, [&](Message& m) {
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (m.role == "tool" && m.tool_call_id == it->tool_call_id) {
          // The prompt's version of the result, with what the tool scope adds to it.
          if (m.id.empty()) m.id = it->id;
          if (m.name.empty()) m.name = it->name;
          if (m.created_at.empty()) m.created_at = it->created_at;
          if (!m.is_error) m.is_error = it->is_error;
          for (const auto& member : it->extra) m.extra.push_back(member);
          answered_.insert(it->tool_call_id);
          pending_.erase(it);
          return;
        }
      }
      if (m.role == "tool") answered_.insert(m.tool_call_id);
    });
    for (size_t i = 1; i < replies.size(); ++i) append(replies[i]);
    for (auto it = pending_.begin(); it != pending_.end();) {  // shown in an earlier prompt: outside the chat
      if (in_prompt.count(it->tool_call_id) != 0) {
        ++orphans_;
        env_messages_.push_back(it->json());
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }

  static std::string call_ids(const std::vector<std::pair<std::string, std::string>>& calls) {
    std::string out;
    for (const auto& call : calls) out += call.first + '\n' + call.second + '\n';
    return out;
  }

  /// How many first messages of a prompt (by key) the conversation already ends with, as ChatBuilder counts.
  size_t overlap_with(const std::vector<std::string>& prompt) const {
    size_t overlap = std::min(prompt.size(), keys_.size());
    for (; overlap > 0; --overlap) {
      if (std::equal(prompt.begin(), prompt.begin() + static_cast<std::ptrdiff_t>(overlap), keys_.end() - static_cast<std::ptrdiff_t>(overlap))) break;
    }
    return overlap;
  }

  void append(const Message& m) {
    keys_.push_back(ChatBuilder::key_of(m));
    chat_.append(m);
  }

  static std::string agent_rest(const std::vector<std::pair<std::string, std::string>>& rest) {
    std::string out = "{";
    for (const auto& [k, v] : rest) out += (out.size() > 1 ? "," : "") + quote(k) + ":" + v;
    return out + "}";
  }

  void tool(const Scope& s) {
    const Event* start = s.start;
    const Event& end = *s.end;
    Message result;
    result.role = "tool";
    result.name = end.name;
    std::string id = profile_text(&end, "tool_call_id");
    if (id.empty()) id = profile_text(start, "tool_call_id");
    const std::string source_id = id;
    const bool known = !id.empty() && std::any_of(issued_.begin(), issued_.end(), [&](const auto& c) { return c.first == id; });
    if (!known) {
      // No id, or one no LLM call issued: the oldest unanswered call of the tool's name.
      std::string match;
      for (const auto& issued : issued_) {
        const std::string& call = issued.first;  // a plain reference: lambdas may not capture bindings in C++17
        if (issued.second == end.name && answered_.count(call) == 0 &&
            std::none_of(pending_.begin(), pending_.end(), [&](const Message& p) { return p.tool_call_id == call; })) {
          match = call;
          break;
        }
      }
      if (!match.empty()) ++matched_by_name_;
      id = match;
    }
    const bool in_chat = !id.empty() && answered_.count(id) == 0;
    if (!in_chat) id = source_id;  // kept as the source wrote it, outside the chat
    result.tool_call_id = id;
    result.content = quote(payload_text(end.payload, {"result", "output"}));
    const Value* error = find_present(*end.line->value, "error");
    if (end.payload == nullptr) {
      // No output: a failed tool's error is what the model is shown.
      const Value* message = error != nullptr && error->IsObject() ? find_present(*error, "message") : error;
      result.content = message == nullptr ? "null" : string_or_quoted_json(*message);
    }
    if (end.status == "error" || (end.status.empty() && error != nullptr)) result.is_error = true;
    result.created_at = instant(end.micros);
    result.id = end.uuid;
    if (!source_id.empty() && source_id != id) result.extra.emplace_back("source_tool_call_id", quote(source_id));
    if (start != nullptr && start->payload != nullptr) result.extra.emplace_back("arguments", json_of(*start->payload));
    std::string scope = "{";
    if (start != nullptr) scope += "\"start\":" + event_rest(*start, {start->payload_key}) + ",";
    scope += "\"end\":" + event_rest(end, {end.payload_key});
    if (end.payload != nullptr) scope += ",\"data\":" + json_of(*end.payload);  // as written
    result.extra.emplace_back("atof_scope", scope + "}");
    if (!in_chat) {
      ++orphans_;  // a result of no call the LLM scopes show: kept, outside the chat
      env_messages_.push_back(result.json());
      return;
    }
    pending_.push_back(std::move(result));
  }

  void finish(const std::vector<Event>& events, Record& out) {
    give_input(nullptr);
    for (const Message& m : pending_) append(m);
    pending_.clear();
    std::vector<std::string> messages = chat_.messages();
    if (root_end_ != nullptr && !output_.empty()) {
      // The agent's answer, unless the last assistant message already says it.
      std::string last;
      for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
        const Value& d = reparse(*it);
        if (str(find_member(d, "role")) != "assistant") continue;
        if (const Value* c = find_member(d, "content"); c != nullptr && c->IsString()) last = std::string(string_of(*c));
        break;
      }
      if (last != output_) messages.push_back(agent_message("assistant", output_, *root_end_, output_key_).json());
    }
    const Event& first = events.front();
    std::string id = root_.empty() ? hex_id("atof-", libstream::content_hash(raw_json(first))) : root_;
    if (root_.empty()) warn_("an ATOF stream without a root scope (parent_uuid null): session id made from its first event");
    out.set_text("session_id", id);
    out.set("messages", array_json(messages));
    if (!env_messages_.empty()) out.set("env_messages", array_json(env_messages_));
    if (!events_.empty()) out.set("events", array_json(events_));
    if (!model_.empty()) {
      out.set_text("model", model_);
      out.set_text("model_source", "event");
    }
    if (usage_.known()) {
      if (!usage_.total && usage_.input && usage_.output) usage_.total = *usage_.input + *usage_.output;
      out.set("usage", usage_.json());
    }
    std::optional<int64_t> earliest, latest;
    for (const Event& e : events) {
      if (!e.micros) continue;
      if (!earliest || *e.micros < *earliest) earliest = e.micros;
      if (!latest || *e.micros > *latest) latest = e.micros;
    }
    const auto created = root_start_ != nullptr && root_start_->micros ? root_start_->micros : earliest;
    const auto ended = root_end_ != nullptr && root_end_->micros ? root_end_->micros : latest;
    if (created) out.set_text("created_at", instant(created));
    if (ended) out.set_text("ended_at", instant(ended));
    if (!status_.empty()) out.set_text("status", status_);
    if (!error_.empty()) out.set_text("error", error_);
    std::string version(str(find_member(*first.line->value, "atof_version")));
    if (version.empty()) version = std::string(str(find_member(*first.line->value, "schema_version")));
    std::string source = "{\"format\":\"atof\"";
    if (!version.empty()) source += ",\"version\":" + quote(version);
    const Event* named = root_start_ != nullptr ? root_start_ : root_end_;
    if (named != nullptr) source += ",\"agent\":" + quote(named->name);
    out.set("source", source + "}");
    if (!root_rest_.empty()) out.extra("atof_root", agent_rest(root_rest_));
    if (input_is_json_ && root_start_ != nullptr && root_start_->payload != nullptr) out.extra("agent_input", json_of(*root_start_->payload));
    if (root_end_ != nullptr && root_end_->payload != nullptr && !root_end_->payload->IsString() &&
        !(root_end_->payload->IsObject() && root_end_->payload->MemberCount() == 1)) {
      out.extra("agent_output", json_of(*root_end_->payload));
    }
    out.extra("atof_events", std::to_string(events.size()));
    if (llm_calls_ > 0) out.extra("atof_llm_calls", std::to_string(llm_calls_));
    if (lifted_marks_ > 0) out.extra("atof_marks_as_messages", std::to_string(lifted_marks_));
    if (trimmed_prompts_ > 0) out.extra("atof_trimmed_prompts", std::to_string(trimmed_prompts_));
    if (calls_from_reply_ > 0) out.extra("atof_prompt_calls_from_reply", std::to_string(calls_from_reply_));
    // Every guess and gap, counted and said.
    const auto note = [&](size_t count, const char* key, const std::string& what) {
      if (count == 0) return;
      out.extra(key, std::to_string(count));
      warn_(std::to_string(count) + " " + what);
    };
    note(ends_without_start_, "atof_ends_without_start", "ATOF scope end(s) without their start: read from the end alone");
    note(unended_, "atof_scopes_without_end", "ATOF scope(s) without an end (the run stopped early?)");
    note(unreadable_scopes_, "atof_scope_events_unpaired", "ATOF scope event(s) without uuid or scope_category, or repeating one: kept in events");
    note(orphans_, "tool_results_outside_chat", "tool result(s) answering no call of the LLM scopes: kept in env_messages");
    note(matched_by_name_, "tool_results_matched_by_name", "tool result(s) without a known tool_call_id matched to the oldest open call of their name");
    note(chat_.unanswered(), "llm_calls_without_reply", "LLM scope(s) without a response: their prompts are kept, no assistant message made");
    if (root_start_ != nullptr && root_end_ == nullptr) {
      out.extra("root_scope_ended", "false");
      warn_("the root scope " + root_ + " has no end event: the run may have stopped early");
    }
  }

  const Warn& warn_;
  std::map<std::string, Scope> scopes_;
  std::string root_, input_, output_, model_, status_, error_, input_key_, output_key_;
  bool input_given_ = false, input_is_json_ = false;
  const Event* root_start_ = nullptr;
  const Event* root_end_ = nullptr;
  std::vector<std::pair<std::string, std::string>> root_rest_;
  ChatBuilder chat_;
  std::vector<std::string> keys_;  // the conversation as ChatBuilder compares it
  struct Reply {
    std::string content, tool_calls, original_arguments, key;
  };
  std::map<std::string, Reply> replies_by_calls_;  // replies that made calls, by their calls' ids and names
  Embedded embedded_;
  agent::UsageCounts usage_;
  std::vector<std::pair<std::string, std::string>> issued_;  // (call id, tool name), in order
  std::set<std::string> answered_;
  std::vector<Message> pending_;
  std::vector<std::string> events_, env_messages_;
  size_t llm_calls_ = 0, unended_ = 0, ends_without_start_ = 0, unreadable_scopes_ = 0, orphans_ = 0,
         matched_by_name_ = 0, lifted_marks_ = 0, trimmed_prompts_ = 0, calls_from_reply_ = 0;
};

void map_session(const std::vector<SessionLine>& lines, const MapContext& context, Record& out) {
  std::vector<Event> events;
  events.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].value->IsObject()) throw MappingError{"an ATOF event must be a JSON object"};
    events.push_back(read_event(lines[i], i));
  }
  SessionMapper(context.warn).run(events, out);
}

const LineRules kLines{recognise, session_key, map_session};

}  // namespace

extern const DialectSpec kAtof{"atof", "kind scope|mark + atof_version (or draft ScopeStart/LLMStart/... + uuid)",
                               "NVIDIA ATOF", atof::recognise, nullptr, &kLines};

}  // namespace tracemill::normalize

// OpenHands V1 (software-agent-sdk): events tagged by `kind` (one per line, or one per file in a
// conversation's events/ folder) collected into one session (`openhands-sdk`), and the LLM
// completion logs written by log_completions, one call per file (`openhands-llm-log`).
#include "agent_common.hpp"
#include "harness_common.hpp"

#include <set>

namespace tracemill::normalize {
namespace {

/// SDK content parts: text parts as {type: text, text}; images ({type: image, image_urls})
/// as image_url parts; anything else (another part type, a value that is no part) as a text
/// part holding its JSON, since trace/v1 knows no other part. Appends to `parts`.
void add_parts(const Value* content, std::vector<std::string>& parts, int depth = 0) {
  if (content == nullptr) return;
  const auto as_json_text = [&](const Value& value) {
    parts.push_back("{\"type\":\"text\",\"text\":" + quote(json_of(value)) + "}");
  };
  if (depth > 4) {  // parts are a flat list; anything nested deeper is kept as its JSON
    as_json_text(*content);
    return;
  }
  if (content->IsString()) {
    parts.push_back("{\"type\":\"text\",\"text\":" + json_of(*content) + "}");
    return;
  }
  if (content->IsArray()) {
    for (const Value& part : content->GetArray()) add_parts(&part, parts, depth + 1);
    return;
  }
  const std::string_view type = content->IsObject() ? text(find_member(*content, "type")).value_or("") : "";
  if (type == "text" && text(find_member(*content, "text"))) {
    parts.push_back("{\"type\":\"text\",\"text\":" + json_of(*find_member(*content, "text")) + "}");
  } else if (type == "image" && find_present(*content, "image_urls") != nullptr && find_present(*content, "image_urls")->IsArray()) {
    for (const Value& url : find_present(*content, "image_urls")->GetArray()) {
      if (auto u = text(&url)) {
        parts.push_back("{\"type\":\"image_url\",\"image_url\":{\"url\":" + quote(*u) + "}}");
      } else {
        as_json_text(url);
      }
    }
  } else if (!content->IsNull()) {
    as_json_text(*content);
  }
}

/// Parts as message content: one text part becomes a plain string.
std::string content_json(const std::vector<std::string>& parts) {
  if (parts.empty()) return "null";
  if (parts.size() == 1 && parts[0].rfind("{\"type\":\"text\",\"text\":", 0) == 0) {
    return parts[0].substr(22, parts[0].size() - 23);
  }
  return array_json(parts);
}

/// The kinds that are chat messages; every other kind goes to env_messages.
const std::set<std::string_view> kChatKinds = {"SystemPromptEvent", "MessageEvent", "ActionEvent", "ObservationEvent",
                                               "UserRejectObservation", "AgentErrorEvent"};

class SdkMapper {
 public:
  void add(const Value& event) {
    const std::string_view kind = text(find_member(event, "kind")).value_or("");
    if (first_time_.empty()) first_time_ = harness::instant_text(find_present(event, "timestamp"));
    if (std::string t = harness::instant_text(find_present(event, "timestamp")); !t.empty()) last_time_ = t;
    if (kind == "ConversationStateUpdateEvent" && text(find_member(event, "key")).value_or("") == "stats") last_stats_ = find_present(event, "value");
    if (kChatKinds.count(kind) == 0) {
      env_messages_.push_back(json_of(event));
      return;
    }
    if (kind == "ActionEvent") {
      add_action(event);
      return;
    }
    flush();
    Message message;
    std::vector<std::pair<std::string, std::string>> members;
    std::vector<std::string> parts;
    std::set<std::string_view> used = {"kind", "id", "timestamp"};
    if (kind == "SystemPromptEvent") {
      message.role = "system";
      add_parts(find_present(event, "system_prompt"), parts);
      add_parts(find_present(event, "dynamic_context"), parts);
      used.insert({"system_prompt", "dynamic_context"});
    } else if (kind == "MessageEvent") {
      const Value* llm = find_present(event, "llm_message");
      message.role = role_of_type(text(llm != nullptr ? find_member(*llm, "role") : nullptr).value_or(""));
      if (message.role.empty()) message.role = text(find_member(event, "source")).value_or("") == "agent" ? "assistant" : "user";
      if (llm != nullptr && llm->IsObject()) {
        add_parts(find_present(*llm, "content"), parts);
        if (const Value* calls = find_present(*llm, "tool_calls"); calls != nullptr && calls->IsArray() && !calls->Empty()) {
          set_tool_calls(*calls, message, "call_" + std::to_string(messages_.size()));
        }
        if (std::string r = harness::reasoning_json(find_present(*llm, "thinking_blocks"), find_present(*llm, "reasoning_content")); !r.empty()) {
          members.emplace_back("reasoning", r);
        }
      }
      add_parts(find_present(event, "extended_content"), parts);  // appended to the message the model sees
      used.insert({"llm_message", "extended_content"});
      message.extra.emplace_back("llm_message", llm != nullptr ? json_of(*llm) : "null");
    } else {  // results: ObservationEvent, UserRejectObservation, AgentErrorEvent
      message.role = "tool";
      message.tool_call_id = std::string(text(find_member(event, "tool_call_id")).value_or(""));
      message.name = std::string(text(find_member(event, "tool_name")).value_or(""));
      used.insert({"tool_call_id", "tool_name"});
      if (kind == "ObservationEvent") {
        const Value* observation = find_present(event, "observation");
        if (observation != nullptr && observation->IsObject()) {
          add_parts(find_present(*observation, "content"), parts);
          if (const Value* error = find_present(*observation, "is_error"); error != nullptr && error->IsBool()) {
            members.emplace_back("is_error", error->GetBool() ? "true" : "false");
          }
        }
        add_parts(find_present(event, "extended_content"), parts);
      } else if (kind == "UserRejectObservation") {
        add_parts(find_present(event, "rejection_reason"), parts);
        members.emplace_back("is_error", "true");
        used.insert("rejection_reason");
      } else {
        add_parts(find_present(event, "error"), parts);
        members.emplace_back("is_error", "true");
        used.insert("error");
      }
      if (message.tool_call_id.empty()) throw MappingError{std::string(kind) + " without tool_call_id"};
      // A result whose call is not in the session (a stream cut short) answers nothing a
      // model saw here: kept whole in env_messages rather than as a dangling tool message.
      if (calls_.count(message.tool_call_id) == 0) {
        ++orphan_results_;
        env_messages_.push_back(json_of(event));
        return;
      }
    }
    message.content = content_json(parts);
    if (message.content == "null" && message.tool_calls.empty()) message.content = "\"\"";
    message.created_at = harness::instant_text(find_present(event, "timestamp"));
    if (auto id = text(find_member(event, "id"))) members.emplace_back("id", quote(*id));
    for (const auto& m : event.GetObject()) {
      if (used.count(string_of(m.name)) == 0) message.extra.emplace_back(string_of(m.name), json_of(m.value));
    }
    messages_.push_back(harness::with_members(message.json(), members));
  }

  void finish(Record& out, const Warn& warn) {
    flush();
    out.set("messages", array_json(messages_));
    if (!env_messages_.empty()) out.set("env_messages", array_json(env_messages_));
    if (orphan_results_ > 0) warn(std::to_string(orphan_results_) + " tool results answer calls not in the session: kept in env_messages");
    // The last stats update holds the run's accumulated usage, per LLM (agent, condenser, ...).
    const Value* per_llm = last_stats_ != nullptr ? find_present(*last_stats_, "usage_to_metrics") : nullptr;
    if (per_llm != nullptr && per_llm->IsObject()) {
      harness::TokenCounts usage;
      std::optional<double> cost;
      for (const auto& m : per_llm->GetObject()) {
        if (const Value* tokens = find_present(m.value, "accumulated_token_usage")) usage.add_usage(*tokens);
        if (auto c = number(find_present(m.value, "accumulated_cost"))) cost = cost.value_or(0) + *c;
        if (auto name = text(find_member(m.value, "model_name")); name && model_.empty() && string_of(m.name) != "condenser") model_ = std::string(*name);
      }
      if (usage.known()) out.set("usage", usage.json());
      if (cost) out.set("cost_usd", number_json(*cost));
    }
    if (!model_.empty()) {
      out.set_text("model", model_);
      out.set_text("model_source", "event");
    }
    if (!first_time_.empty()) out.set_text("created_at", first_time_);
    if (!last_time_.empty()) out.set_text("ended_at", last_time_);
  }

 private:
  void flush() {
    if (pending_calls_.empty()) return;
    pending_.tool_calls = array_json(pending_calls_);
    if (!pending_originals_.empty()) pending_.original_arguments = "{" + pending_originals_ + "}";
    pending_.extra.emplace_back("events", array_json(pending_events_));
    messages_.push_back(harness::with_members(pending_.json(), pending_members_));
    pending_ = Message();
    pending_calls_.clear();
    pending_events_.clear();
    pending_members_.clear();
    pending_originals_.clear();
    pending_response_.clear();
  }

  /// ActionEvents of one LLM response (llm_response_id) are one assistant message.
  void add_action(const Value& event) {
    const std::string response(text(find_member(event, "llm_response_id")).value_or(""));
    if (pending_calls_.empty() || response.empty() || response != pending_response_) {
      flush();
      pending_response_ = response;
      pending_.role = "assistant";
      std::vector<std::string> parts;
      add_parts(find_present(event, "thought"), parts);
      pending_.content = content_json(parts);
      pending_.created_at = harness::instant_text(find_present(event, "timestamp"));
      if (auto id = text(find_member(event, "id"))) pending_members_.emplace_back("id", quote(*id));
      if (std::string r = harness::reasoning_json(find_present(event, "thinking_blocks"), find_present(event, "reasoning_content")); !r.empty()) {
        pending_members_.emplace_back("reasoning", r);
      }
    }
    const Value* call = find_present(event, "tool_call");
    std::string id(text(call != nullptr ? find_member(*call, "id") : nullptr).value_or(""));
    if (id.empty()) id = std::string(text(find_member(event, "tool_call_id")).value_or(""));
    if (id.empty()) throw MappingError{"an ActionEvent without tool_call_id"};
    std::string name(text(call != nullptr ? find_member(*call, "name") : nullptr).value_or(""));
    if (name.empty()) name = std::string(text(find_member(event, "tool_name")).value_or(""));
    if (name.empty()) {
      name = "tool";  // a placeholder, counted: trace/v1 needs a name
      ++tool_call_guesses().unnamed_calls;
    }
    std::string arguments;
    if (const Value* given = call != nullptr ? find_member(*call, "arguments") : nullptr; given != nullptr && given->IsString()) {
      arguments = agent::arguments_text(given, id, pending_originals_);  // text that is not JSON: wrapped, kept beside
    } else {
      const Value* action = find_present(event, "action");
      arguments = quote(action != nullptr ? json_of(*action) : "{}");
    }
    calls_.insert(id);
    pending_calls_.push_back("{\"id\":" + quote(id) + ",\"type\":\"function\",\"function\":{\"name\":" + quote(name) +
                             ",\"arguments\":" + arguments + "}}");
    pending_events_.push_back(json_of(event));
  }

  std::vector<std::string> messages_, env_messages_;
  Message pending_;
  std::vector<std::string> pending_calls_, pending_events_;
  std::string pending_originals_;  // original_arguments of the pending calls, by call id
  std::vector<std::pair<std::string, std::string>> pending_members_;
  std::string pending_response_;
  std::set<std::string> calls_;
  size_t orphan_results_ = 0;
  const Value* last_stats_ = nullptr;
  std::string model_, first_time_, last_time_;
};

bool is_sdk_event(const Value& r) {
  if (!r.IsObject() || find_member(r, "id") == nullptr || find_member(r, "timestamp") == nullptr) return false;
  const auto kind = text(find_member(r, "kind"));
  return kind && find_member(r, "source") != nullptr && !kind->empty();
}

/// A system prompt opens a conversation; so does another file (--with-source).
std::string sdk_session_key(const Value& r) {
  if (const Value* provenance = find_present(r, "_source")) {
    if (auto f = text(find_member(*provenance, "file"))) {
      // events/event-00000-<id>.json: the conversation is the folder above events/.
      const std::string file(*f);
      const size_t events = file.rfind("/events/");
      return events != std::string::npos ? file.substr(0, events) : file;
    }
  }
  return text(find_member(r, "kind")).value_or("") == "SystemPromptEvent" ? std::string(kStartsSession) : std::string();
}

void map_sdk_events(const std::vector<SessionLine>& lines, const MapContext& context, Record& out) {
  const Value& first = *lines.front().value;
  // The first event's id is a UUID: the same session id whether read from a file or a pipe.
  if (auto id = text(find_member(first, "id")); id && !id->empty()) {
    out.set_text("session_id", "openhands-" + std::string(*id));
  } else {
    out.set_text("session_id", harness::content_id("openhands-", first));
  }
  SdkMapper mapper;
  for (const SessionLine& line : lines) mapper.add(*line.value);
  mapper.finish(out, context.warn);
  out.set("source", harness::source_json("openhands-sdk", std::nullopt, find_present(first, "_source")));
}

const LineRules kSdkLines{is_sdk_event, sdk_session_key, map_sdk_events};

// ---- LLM completion logs ----

std::string chat_message(const Value& item, size_t index, Embedded& embedded) {
  Message message;
  const std::string role(text(find_member(item, "role")).value_or(""));
  message.role = role_of_type(role);
  if (message.role.empty()) throw MappingError{"messages[" + std::to_string(index) + "]: role " + quote(role) + " is not system, user, assistant or tool"};
  if (message.role != role) message.original_role = role;
  set_content(item, message, "call_" + std::to_string(index), embedded);
  return message.json();
}

void map_llm_log(const Value& r, const MapContext& context, Record& out) {
  const Value* list = find_present(r, "messages");
  if (list == nullptr || !list->IsArray()) throw MappingError{"an LLM log needs a messages array"};
  const Value* response = find_present(r, "response");
  if (response != nullptr && !response->IsObject()) response = nullptr;
  const std::string stem = harness::file_stem(harness::record_file(r, context.file));
  if (auto id = text(response != nullptr ? find_member(*response, "id") : nullptr); id && !id->empty()) {
    out.set_text("session_id", *id);
  } else if (!stem.empty()) {
    out.set_text("session_id", stem);
  } else {
    out.set_text("session_id", harness::content_id("llm-log-", r));
  }
  Embedded embedded;
  std::vector<std::string> messages;
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    if (!(*list)[i].IsObject()) throw MappingError{"messages[" + std::to_string(i) + "] is not an object"};
    messages.push_back(chat_message((*list)[i], i, embedded));
  }
  harness::TokenCounts usage;
  std::string model;
  if (response != nullptr) {
    if (const Value* u = find_present(*response, "usage")) usage.add_usage(*u);
    model = std::string(text(find_member(*response, "model")).value_or(""));
    const Value* choices = find_present(*response, "choices");
    if (choices != nullptr && choices->IsArray()) {
      for (const Value& choice : choices->GetArray()) {
        const Value* reply = find_present(choice, "message");
        if (reply == nullptr || !reply->IsObject()) continue;
        Message message;
        message.role = "assistant";
        set_content(*reply, message, "call_" + std::to_string(messages.size()), embedded);
        if (message.content == "\"\"" && !message.tool_calls.empty()) message.content = "null";
        if (!model.empty()) message.model = model;
        if (usage.known() && choices->Size() == 1) message.usage = usage.json();
        if (auto reason = text(find_member(choice, "finish_reason"))) message.extra.emplace_back("finish_reason", quote(*reason));
        std::vector<std::pair<std::string, std::string>> members;
        if (std::string thinking = harness::reasoning_json(find_present(*reply, "thinking_blocks"), find_present(*reply, "reasoning_content")); !thinking.empty()) {
          members.emplace_back("reasoning", thinking);
        }
        messages.push_back(harness::with_members(message.json(), members));
      }
    }
    out.extra("response", json_of(*response));
  }
  out.set("messages", array_json(messages));
  if (usage.known()) out.set("usage", usage.json());
  if (auto cost = number(find_present(r, "cost"))) out.set("cost_usd", number_json(*cost));
  if (!model.empty()) {
    out.set_text("model", model);
    out.set_text("model_source", "event");
  }
  if (std::string when = harness::instant_text(find_present(r, "timestamp")); !when.empty()) out.set_text("created_at", when);
  out.set("source", harness::source_json("openhands-llm-log", std::nullopt, find_present(r, "_source")));
  out.keep_rest(r, {"messages", "response", "cost", "_source"});
}

bool recognise_llm_log(const Value& r) {
  const Value* list = find_member(r, "messages");
  const Value* response = find_member(r, "response");
  return list != nullptr && list->IsArray() && response != nullptr && response->IsObject() &&
         (find_member(r, "kwargs") != nullptr || find_member(r, "latency_sec") != nullptr || find_member(r, "context_window") != nullptr);
}

}  // namespace

extern const DialectSpec kOpenHandsSdk{"openhands-sdk", "an event with kind, id, timestamp and source", "OpenHands V1 SDK",
                                       is_sdk_event, nullptr, &kSdkLines};
extern const DialectSpec kOpenHandsLlmLog{"openhands-llm-log", "messages with a response object and kwargs, latency_sec or context_window",
                                          "OpenHands V1 SDK", recognise_llm_log, map_llm_log, nullptr};

}  // namespace tracemill::normalize

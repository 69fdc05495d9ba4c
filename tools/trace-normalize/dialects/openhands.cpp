// OpenHands (V0) event streams: a JSON array of events {id, timestamp, source, action|observation,
// message, args|content+extras, cause?, tool_call_metadata?, llm_metrics?}, which trace-read frames
// one event per record (the `openhands-events` dialect collects them into a session), and the
// evaluation / resolver output lines {instance_id|issue, instruction, history: [events], metrics,
// test_result|success, error, ...} (`openhands-eval`).
#include "agent_common.hpp"
#include "harness_common.hpp"

#include <algorithm>
#include <list>
#include <set>

namespace tracemill::normalize {
namespace {

/// The assistant message being built from the actions of one model response.
struct PendingCall {
  std::string response_id;
  Message message;
  std::vector<std::string> calls, events;
  std::vector<std::pair<std::string, std::string>> members;
  std::string original_arguments;  // members "<call id>": what the model wrote, when it is no JSON text
};

class EventMapper {
 public:
  explicit EventMapper(const Warn& warn) : warn_(warn) {}

  void add(const Value& event) {
    if (!event.IsObject()) {
      env_messages_.push_back(json_of(event));
      return;
    }
    if (first_time_.empty()) first_time_ = harness::instant_text(find_present(event, "timestamp"));
    if (std::string t = harness::instant_text(find_present(event, "timestamp")); !t.empty()) last_time_ = t;
    if (const Value* metrics = find_present(event, "llm_metrics"); metrics != nullptr && metrics->IsObject()) last_metrics_ = metrics;
    const Value* metadata = find_present(event, "tool_call_metadata");
    if (metadata != nullptr && !metadata->IsObject()) metadata = nullptr;
    const std::string_view action = text(find_member(event, "action")).value_or("");
    const std::string_view observation = text(find_member(event, "observation")).value_or("");
    if (!action.empty() && metadata != nullptr && text(find_member(*metadata, "tool_call_id"))) {
      add_call(event, *metadata);
    } else if (!observation.empty() && metadata != nullptr && text(find_member(*metadata, "tool_call_id"))) {
      add_result(event, *metadata, observation);
    } else if (action == "message" || action == "system") {
      add_message(event, action);
    } else if (!action.empty() && metadata == nullptr && is_agent_action(event, action)) {
      add_legacy_call(event, action);
    } else if (!observation.empty() && metadata == nullptr && answers_legacy_call(event, observation)) {
      add_legacy_result(event, observation);
    } else {
      env_messages_.push_back(json_of(event));
    }
  }

  void finish(Record& out, const Value* session_metrics) {
    flush();
    if (legacy_calls_ > 0) {
      warn_(std::to_string(legacy_calls_) + " actions without tool_call_metadata (CodeAct before function calling) written as "
            "tool calls with made ids (openhands-action-<event id>)");
    }
    if (orphan_results_ > 0) warn_(std::to_string(orphan_results_) + " tool results answer calls not in the session: kept in env_messages");
    out.set("messages", array_json(messages_));
    if (!env_messages_.empty()) out.set("env_messages", array_json(env_messages_));
    // Usage: the run's accumulated metrics, else the last event's, else the sum of the responses.
    const Value* metrics = session_metrics != nullptr && session_metrics->IsObject() ? session_metrics : last_metrics_;
    const Value* accumulated = metrics != nullptr ? find_present(*metrics, "accumulated_token_usage") : nullptr;
    harness::TokenCounts usage;
    if (accumulated != nullptr) usage.add_usage(*accumulated);
    if (!usage.known()) usage = responses_usage_;
    if (usage.known()) out.set("usage", usage.json());
    if (auto cost = number(metrics != nullptr ? find_present(*metrics, "accumulated_cost") : nullptr)) out.set("cost_usd", number_json(*cost));
    if (!model_.empty()) {
      out.set_text("model", model_);
      out.set_text("model_source", "event");
    }
    if (!first_time_.empty()) out.set_text("created_at", first_time_);
    if (!last_time_.empty()) out.set_text("ended_at", last_time_);
  }

 private:
  /// The event as written, without a model response another event already carries.
  std::string event_json(const Value& event, bool drop_response) {
    if (!drop_response) return json_of(event);
    std::string out = "{";
    for (const auto& m : event.GetObject()) {
      if (out.size() > 1) out += ',';
      out += quote(string_of(m.name)) + ":";
      if (string_of(m.name) == "tool_call_metadata" && m.value.IsObject()) {
        std::string inner = "{";
        for (const auto& k : m.value.GetObject()) {
          if (string_of(k.name) == "model_response") continue;
          inner += (inner.size() > 1 ? "," : "") + quote(string_of(k.name)) + ":" + json_of(k.value);
        }
        out += inner + "}";
      } else {
        out += json_of(m.value);
      }
    }
    return out + "}";
  }

  static std::string id_text(const Value& event) {
    const Value* id = find_present(event, "id");
    if (id == nullptr) return {};
    return text_or_json(*id);
  }

  void push(std::string message) {
    flush();
    messages_.push_back(std::move(message));
  }

  /// Writes a message made from one event, with the event's id (and is_error true, for an
  /// error observation answering a function call) as members of its own.
  void push_event_message(const Message& message, const Value& event, bool error_member = false) {
    std::vector<std::pair<std::string, std::string>> members;
    if (std::string id = id_text(event); !id.empty()) members.emplace_back("id", quote(id));
    if (error_member) members.emplace_back("is_error", "true");
    push(harness::with_members(message.json(), members));
  }

  /// An observation's text as tool message content: its `content`, else its `message`; a
  /// value that is not a string is quoted as its JSON text; neither: an empty string.
  static std::string observation_body(const Value& event) {
    const Value* content = find_present(event, "content");
    if (content == nullptr) content = find_present(event, "message");
    return content != nullptr && content->IsString() ? json_of(*content) : quote(content != nullptr ? json_of(*content) : "");
  }

  /// The message of a provider response's first choice, or null.
  static const Value* first_choice_message(const Value& response) {
    const Value* choices = find_present(response, "choices");
    return choices != nullptr && choices->IsArray() && !choices->Empty() ? find_present((*choices)[0], "message") : nullptr;
  }

  void flush() {
    if (pending_.calls.empty()) return;
    pending_.message.tool_calls = array_json(pending_.calls);
    if (!pending_.original_arguments.empty()) pending_.message.original_arguments = "{" + pending_.original_arguments + "}";
    pending_.message.extra.emplace_back("events", array_json(pending_.events));
    messages_.push_back(harness::with_members(pending_.message.json(), pending_.members));
    pending_ = PendingCall();
  }

  void add_call(const Value& event, const Value& metadata) {
    const std::string call_id(*text(find_member(metadata, "tool_call_id")));
    const Value* response = find_present(metadata, "model_response");
    if (response != nullptr && !response->IsObject()) response = nullptr;
    const std::string response_id(text(response != nullptr ? find_member(*response, "id") : nullptr).value_or(""));
    const bool seen = !response_id.empty() && responses_.count(response_id) != 0;
    if (pending_.calls.empty() || response_id.empty() || response_id != pending_.response_id) {
      flush();
      pending_.response_id = response_id;
      pending_.message.role = "assistant";
      pending_.message.created_at = harness::instant_text(find_present(event, "timestamp"));
      if (std::string id = id_text(event); !id.empty()) pending_.members.emplace_back("id", quote(id));
      const Value* choice_message = response != nullptr ? first_choice_message(*response) : nullptr;
      if (auto content = text(choice_message != nullptr ? find_member(*choice_message, "content") : nullptr); content && !content->empty()) {
        pending_.message.content = quote(*content);
      } else if (const Value* args = find_present(event, "args"); choice_message == nullptr && args != nullptr) {
        if (auto thought = text(find_member(*args, "thought")); thought && !thought->empty()) pending_.message.content = quote(*thought);
      }
      if (choice_message != nullptr) {
        if (std::string r = harness::reasoning_json(find_present(*choice_message, "thinking_blocks"), find_present(*choice_message, "reasoning_content"));
            !r.empty()) {
          pending_.members.emplace_back("reasoning", r);
        }
      }
      if (response != nullptr && !seen) {
        if (const Value* usage = find_present(*response, "usage"); usage != nullptr && usage->IsObject()) {
          harness::TokenCounts call;
          call.add_usage(*usage);
          if (call.known()) {
            pending_.message.usage = call.json();
            responses_usage_.add(call);
          }
        }
        if (auto m = text(find_member(*response, "model")); m && !m->empty()) {
          pending_.message.model = std::string(*m);
          if (model_.empty()) model_ = std::string(*m);
        }
        pending_.message.extra.emplace_back("model_response", json_of(*response));
      }
      if (!response_id.empty()) responses_.insert(response_id);
    }
    // Arguments as the model wrote them (the response's call of this id), else the action's args.
    std::string arguments;
    if (response != nullptr) {
      const Value* choice_message = first_choice_message(*response);
      const Value* calls = choice_message != nullptr ? find_present(*choice_message, "tool_calls") : nullptr;
      if (calls != nullptr && calls->IsArray()) {
        for (const Value& call : calls->GetArray()) {
          if (text(find_member(call, "id")).value_or("") != call_id) continue;
          const Value* function = find_present(call, "function");
          const Value* written = function != nullptr ? find_member(*function, "arguments") : nullptr;
          if (text(written)) arguments = agent::arguments_text(written, call_id, pending_.original_arguments);
        }
      }
    }
    if (arguments.empty()) {
      const Value* args = find_present(event, "args");
      arguments = quote(args != nullptr ? json_of(*args) : "{}");
    }
    std::string name(text(find_member(metadata, "function_name")).value_or(""));
    if (name.empty()) name = std::string(text(find_member(event, "action")).value_or("action"));
    calls_.insert(call_id);
    pending_.calls.push_back("{\"id\":" + quote(call_id) + ",\"type\":\"function\",\"function\":{\"name\":" + quote(name) +
                             ",\"arguments\":" + arguments + "}}");
    pending_.events.push_back(event_json(event, response != nullptr));
  }

  void add_result(const Value& event, const Value& metadata, std::string_view observation) {
    // A result whose call is not in the session answers nothing a model saw here.
    if (calls_.count(std::string(*text(find_member(metadata, "tool_call_id")))) == 0) {
      ++orphan_results_;
      env_messages_.push_back(json_of(event));
      return;
    }
    Message message;
    message.role = "tool";
    message.tool_call_id = std::string(*text(find_member(metadata, "tool_call_id")));
    if (auto name = text(find_member(metadata, "function_name"))) message.name = std::string(*name);
    message.content = observation_body(event);
    message.created_at = harness::instant_text(find_present(event, "timestamp"));
    const Value* response = find_present(metadata, "model_response");
    const std::string response_id(text(response != nullptr ? find_member(*response, "id") : nullptr).value_or(""));
    const bool drop = !response_id.empty() && responses_.count(response_id) != 0;
    message.extra.emplace_back("event", event_json(event, drop));
    push_event_message(message, event, observation == "error");
  }

  void add_message(const Value& event, std::string_view action) {
    Message message;
    const std::string_view source = text(find_member(event, "source")).value_or("");
    if (action == "system") {
      message.role = "system";
    } else if (source == "agent") {
      message.role = "assistant";
    } else if (source == "user" || source.empty()) {
      // Legacy histories name no source: the task comes first, the agent answers after.
      message.role = source.empty() && assistant_seen_ ? "assistant" : "user";
      if (source.empty()) warn_("an OpenHands message event without source: taken as " + message.role);
    } else {
      env_messages_.push_back(json_of(event));
      return;
    }
    assistant_seen_ = assistant_seen_ || message.role == "assistant";
    const Value* args = find_present(event, "args");
    const Value* holder = args != nullptr && args->IsObject() ? args : &event;  // legacy: args flattened
    const Value* content = find_present(*holder, "content");
    if (content == nullptr || !content->IsString()) content = find_present(event, "message");
    const std::string body(text(content).value_or(""));
    const Value* images = find_present(*holder, "image_urls");
    if (images == nullptr) images = find_present(*holder, "images_urls");
    if (images != nullptr && images->IsArray() && !images->Empty()) {
      std::vector<std::string> parts{"{\"type\":\"text\",\"text\":" + quote(body) + "}"};
      for (const Value& url : images->GetArray()) {
        if (auto u = text(&url)) parts.push_back("{\"type\":\"image_url\",\"image_url\":{\"url\":" + quote(*u) + "}}");
      }
      message.content = array_json(parts);
    } else {
      message.content = quote(body);
    }
    message.created_at = harness::instant_text(find_present(event, "timestamp"));
    message.extra.emplace_back("event", json_of(event));
    push_event_message(message, event);
  }

  // ---- CodeAct before function calling: actions carry no call id ----

  /// An action the agent took: source agent, or (histories that name no source) any action
  /// but the environment's own bookkeeping.
  static bool is_agent_action(const Value& event, std::string_view action) {
    static const std::set<std::string_view> kNotAgent = {"change_agent_state", "null", "start", "initialize", "recall"};
    const std::optional<std::string_view> source = text(find_member(event, "source"));
    if (source) return *source == "agent" && kNotAgent.count(action) == 0;
    return find_member(event, "source") == nullptr && kNotAgent.count(action) == 0;
  }

  /// The model's thought becomes the assistant text, the action a call named after it with
  /// the action's arguments (bookkeeping flags stay in the event, kept in extra).
  void add_legacy_call(const Value& event, std::string_view action) {
    static const std::set<std::string_view> kNotArguments = {"thought", "is_confirmed", "keep_prompt", "action_risk",
                                                             "security_risk", "confirmation_state", "hidden"};
    static const std::set<std::string_view> kEnvelope = {"action", "id", "timestamp", "source", "message", "cause",
                                                         "timeout", "llm_metrics", "args"};
    const Value* args = find_present(event, "args");
    const bool flattened = args == nullptr || !args->IsObject();  // early histories: args beside action
    const Value& holder = flattened ? event : *args;
    std::string arguments = "{";
    for (const auto& m : holder.GetObject()) {
      const std::string_view key = string_of(m.name);
      if (kNotArguments.count(key) != 0 || (flattened && kEnvelope.count(key) != 0)) continue;
      if (arguments.size() > 1) arguments += ',';
      arguments += quote(key) + ":" + json_of(m.value);
    }
    arguments += '}';
    const std::string id = id_text(event);
    const std::string call_id = id.empty() ? "openhands-action-" + std::to_string(legacy_calls_ + 1) : "openhands-action-" + id;
    ++legacy_calls_;
    ++tool_call_guesses().made_call_ids;
    Message message;
    message.role = "assistant";
    if (auto thought = text(find_member(holder, "thought")); thought && !thought->empty()) message.content = quote(*thought);
    message.tool_calls = "[" + agent::tool_call_json(call_id, action, quote(arguments)) + "]";
    message.created_at = harness::instant_text(find_present(event, "timestamp"));
    message.extra.emplace_back("event", json_of(event));
    push_event_message(message, event);
    assistant_seen_ = true;
    calls_.insert(call_id);
    open_legacy_.emplace_back(id, call_id);
  }

  /// An observation answers the open legacy call its `cause` names; one that names no cause
  /// (early histories) answers the oldest open call. Agent-state changes answer nothing.
  bool answers_legacy_call(const Value& event, std::string_view observation) {
    if (open_legacy_.empty() || observation == "agent_state_changed") return false;
    const Value* cause = find_present(event, "cause");
    if (cause == nullptr) {
      legacy_answer_ = open_legacy_.begin();
      return true;
    }
    const std::string named = text_or_json(*cause);
    legacy_answer_ = std::find_if(open_legacy_.begin(), open_legacy_.end(), [&](const auto& open) { return open.first == named; });
    return legacy_answer_ != open_legacy_.end();
  }

  void add_legacy_result(const Value& event, std::string_view observation) {
    Message message;
    message.role = "tool";
    message.tool_call_id = legacy_answer_->second;
    open_legacy_.erase(legacy_answer_);
    message.name = std::string(observation);
    message.content = observation_body(event);
    message.created_at = harness::instant_text(find_present(event, "timestamp"));
    if (observation == "error") message.is_error = true;
    message.extra.emplace_back("event", json_of(event));
    push_event_message(message, event);
  }

  const Warn& warn_;
  std::vector<std::string> messages_, env_messages_;
  size_t legacy_calls_ = 0;
  std::list<std::pair<std::string, std::string>> open_legacy_;  // (source event id, call id), oldest first
  std::list<std::pair<std::string, std::string>>::iterator legacy_answer_;
  PendingCall pending_;
  std::set<std::string> responses_, calls_;
  size_t orphan_results_ = 0;
  harness::TokenCounts responses_usage_;
  const Value* last_metrics_ = nullptr;
  std::string model_, first_time_, last_time_;
  bool assistant_seen_ = false;
};

/// An OpenHands event: an action or observation name, with its source, id or cause.
bool is_event(const Value& r) {
  if (!r.IsObject()) return false;
  const bool named = text(find_member(r, "action")).has_value() || text(find_member(r, "observation")).has_value();
  return named && (find_member(r, "source") != nullptr || find_member(r, "id") != nullptr || find_member(r, "cause") != nullptr);
}

/// The first event of a stream (id 0) opens a new session; so does another file (--with-source).
std::string event_session_key(const Value& r) {
  if (const Value* provenance = find_present(r, "_source")) {
    if (auto f = text(find_member(*provenance, "file"))) return std::string(*f);
  }
  const auto id = integer(find_present(r, "id"));
  return id && *id == 0 ? std::string(kStartsSession) : std::string();
}

void map_events(const std::vector<SessionLine>& lines, const MapContext& context, Record& out) {
  const Value& first = *lines.front().value;
  const std::string stem = harness::file_stem(harness::record_file(first, context.file));
  out.set_text("session_id", !stem.empty() ? stem : harness::content_id("openhands-", first));
  EventMapper mapper(context.warn);
  for (const SessionLine& line : lines) mapper.add(*line.value);
  mapper.finish(out, nullptr);
  out.set("source", harness::source_json("openhands-events", std::nullopt, find_present(first, "_source")));
}

const LineRules kEventLines{is_event, event_session_key, map_events};

// ---- evaluation and resolver output lines ----

void map_output(const Value& r, const MapContext& context, Record& out) {
  const Value* history = find_present(r, "history");
  if (history == nullptr || !history->IsArray()) throw MappingError{"an OpenHands output line needs a history array"};
  const Value* issue = find_present(r, "issue");
  if (const Value* id = find_present(r, "instance_id"); id != nullptr && (id->IsString() || id->IsNumber())) {
    const std::string value = text_or_json(*id);
    out.set_text("session_id", value);
    out.set_text("task_id", value);
  } else if (issue != nullptr && issue->IsObject() && find_present(*issue, "number") != nullptr) {
    const Value* number_value = find_present(*issue, "number");
    const std::string key = std::string(text(find_member(*issue, "owner")).value_or("")) + "/" +
                           std::string(text(find_member(*issue, "repo")).value_or("")) + "#" +
                           (text_or_json(*number_value));
    out.set_text("session_id", key);
    out.set_text("task_id", key);
  } else {
    out.set_text("session_id", harness::content_id("openhands-", r));
    context.warn("no instance_id or issue: session_id made from the record");
  }
  EventMapper mapper(context.warn);
  for (const Value& item : history->GetArray()) {
    if (item.IsArray()) {  // early outputs: [action, observation] pairs
      for (const Value& event : item.GetArray()) mapper.add(event);
    } else {
      mapper.add(item);
    }
  }
  mapper.finish(out, find_present(r, "metrics"));
  if (const Value* metadata = find_present(r, "metadata"); metadata != nullptr && metadata->IsObject()) {
    out.set("config", json_of(*metadata));
    const Value* llm = find_present(*metadata, "llm_config");
    if (auto m = text(llm != nullptr ? find_member(*llm, "model") : nullptr); m && !m->empty()) {
      out.set_text("model", *m);
      out.set_text("model_source", "config");
    }
  }
  // Outcome: a SWE-bench report's `resolved`, else the resolver's `success`, as 1 or 0.
  const Value* test_result = find_present(r, "test_result");
  const Value* report = test_result != nullptr && test_result->IsObject() ? find_present(*test_result, "report") : nullptr;
  const Value* resolved = report != nullptr && report->IsObject() ? find_present(*report, "resolved") : nullptr;
  if (resolved != nullptr && resolved->IsBool()) {
    out.set("reward", resolved->GetBool() ? "1" : "0");
    out.set_text("reward_source", "test_result.report.resolved");
  } else if (const Value* success = find_present(r, "success"); success != nullptr && success->IsBool()) {
    out.set("reward", success->GetBool() ? "1" : "0");
    out.set_text("reward_source", "success");
  }
  if (const Value* error = find_present(r, "error"); error != nullptr && !error->IsNull()) {
    out.set_text("status", "error");
    out.set_text("error", text_or_json(*error));
  }
  out.set("source", harness::source_json("openhands-eval", std::nullopt, find_present(r, "_source")));
  out.keep_rest(r, {"history", "instance_id", "metadata", "_source"});
}

bool recognise_output(const Value& r) {
  const Value* history = find_member(r, "history");
  if (history == nullptr || !history->IsArray()) return false;
  if (find_member(r, "instruction") == nullptr && find_member(r, "instance_id") == nullptr && find_member(r, "metrics") == nullptr) return false;
  if (history->Empty()) return true;
  const Value& head = (*history)[0];
  if (head.IsArray()) return !head.Empty() && is_event(head[0]);
  return head.IsObject() && find_member(head, "role") == nullptr &&
         (text(find_member(head, "action")).has_value() || text(find_member(head, "observation")).has_value());
}

}  // namespace

extern const DialectSpec kOpenHandsEvents{"openhands-events", "an event with action|observation and source|id|cause",
                                          "OpenHands", is_event, nullptr, &kEventLines};
extern const DialectSpec kOpenHandsEval{"openhands-eval", "history of action/observation events with instruction, instance_id or metrics",
                                        "OpenHands", recognise_output, map_output, nullptr};

}  // namespace tracemill::normalize

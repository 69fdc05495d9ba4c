// SWE-agent trajectories (.traj): {history, trajectory, info, environment?, replay_config?}.
// `history` is the chat the model saw (old style: observations come back as user messages;
// function calling: assistant tool_calls answered by tool messages with tool_call_ids);
// `trajectory` is a second, step-by-step view of the same run, kept whole in env_messages.
#include "harness_common.hpp"

#include <set>

namespace tracemill::normalize {
namespace {

std::string history_message(const Value& item, size_t index, Embedded& embedded, harness::CallIds& call_ids, const Warn& warn) {
  Message message;
  const std::string role(text(find_member(item, "role")).value_or(""));
  message.role = role_of_type(role);
  if (message.role.empty()) {
    throw MappingError{"history[" + std::to_string(index) + "]: role " + quote(role) + " is not system, user, assistant or tool"};
  }
  if (message.role != role) message.original_role = role;
  const Value* content = find_member(item, "content");
  set_content(content != nullptr ? *content : Value().Move(), message, "call_" + std::to_string(index), embedded);
  if (const Value* calls = find_present(item, "tool_calls"); calls != nullptr && calls->IsArray() && !calls->Empty()) {
    set_tool_calls(*calls, message, "call_" + std::to_string(index));
  }
  std::set<std::string_view> used = {"role", "content", "tool_calls", "thinking_blocks"};
  if (auto id = text(find_member(item, "tool_call_id"))) {
    message.tool_call_id = std::string(*id);
    used.insert("tool_call_id");
  }
  // SWE-agent writes a list of ids; a tool message answers one call, so a single id is the
  // message's and a longer list stays whole in extra.
  if (const Value* ids = find_present(item, "tool_call_ids"); ids != nullptr && ids->IsArray() && ids->Size() >= 1) {
    if (auto first = text(&(*ids)[0]); first && message.tool_call_id.empty()) message.tool_call_id = std::string(*first);
    if (ids->Size() == 1) used.insert("tool_call_ids");
  }
  call_ids.issue(message);
  if (!message.tool_call_id.empty()) {
    const std::string answered = call_ids.answer(message.tool_call_id);
    if (answered != message.tool_call_id) message.extra.emplace_back("source_tool_call_id", quote(message.tool_call_id));
    message.tool_call_id = answered;
  }
  if (message.role == "tool" && message.tool_call_id.empty()) warn("history[" + std::to_string(index) + "]: a tool message without tool_call_ids");
  for (const auto& m : item.GetObject()) {
    if (used.count(string_of(m.name)) == 0) message.extra.emplace_back(string_of(m.name), json_of(m.value));
  }
  std::vector<std::pair<std::string, std::string>> members;
  if (std::string reasoning = harness::reasoning_json(find_present(item, "thinking_blocks"), nullptr); !reasoning.empty()) {
    members.emplace_back("reasoning", reasoning);
  } else if (const Value* blocks = find_present(item, "thinking_blocks")) {
    message.extra.emplace_back("thinking_blocks", json_of(*blocks));
  }
  return harness::with_members(message.json(), members);
}

void map_traj(const Value& r, const MapContext& context, Record& out) {
  const Warn& warn = context.warn;
  Embedded embedded;
  const Value* history = find_present(r, "history");
  if (history == nullptr || !history->IsArray()) throw MappingError{"a SWE-agent trajectory needs a history array"};
  const Value* info = find_present(r, "info");
  if (info != nullptr && !info->IsObject()) info = nullptr;
  const Value* replay = embedded.resolve(find_present(r, "replay_config"));
  const Value* problem = replay != nullptr && replay->IsObject() ? find_present(*replay, "problem_statement") : nullptr;

  // Session id: the instance id (the run's problem statement, else the file name), else the content.
  const std::string stem = harness::file_stem(harness::record_file(r, context.file));
  if (auto id = text(problem != nullptr ? find_member(*problem, "id") : nullptr); id && !id->empty()) {
    out.set_text("session_id", *id);
    out.set_text("task_id", *id);
  } else if (!stem.empty()) {
    out.set_text("session_id", stem);
    out.set_text("task_id", stem);
  } else {
    out.set_text("session_id", harness::content_id("swe-agent-", *history));
    warn("no instance id in the trajectory and no file name: session_id made from the history");
  }

  std::vector<std::string> messages;
  messages.reserve(history->Size());
  harness::CallIds ids;
  for (rapidjson::SizeType i = 0; i < history->Size(); ++i) {
    if (!(*history)[i].IsObject()) throw MappingError{"history[" + std::to_string(i) + "] is not an object"};
    messages.push_back(history_message((*history)[i], i, embedded, ids, warn));
  }
  if (ids.renamed() > 0) warn(std::to_string(ids.renamed()) + " tool call ids issued again: renamed <id>~N (source ids in extra)");
  out.set("messages", array_json(messages));
  if (const Value* steps = find_present(r, "trajectory"); steps != nullptr && steps->IsArray() && !steps->Empty()) {
    out.set_value("env_messages", *steps, "trajectory");
  }

  std::optional<std::string_view> version;
  if (info != nullptr) {
    if (auto status = text(find_member(*info, "exit_status")); status && !status->empty()) out.set_text("status", *status);
    version = text(find_member(*info, "swe_agent_version"));
    if (const Value* stats = find_present(*info, "model_stats"); stats != nullptr && stats->IsObject()) {
      const auto sent = integer(find_present(*stats, "tokens_sent"));
      const auto received = integer(find_present(*stats, "tokens_received"));
      // Demonstrations and replays write zeros: no tokens were counted, which is not "none used".
      if ((sent && *sent > 0) || (received && *received > 0)) {
        Usage usage;
        usage.add(sent, received, std::nullopt);
        out.set("usage", usage.json());
        if (auto cost = number(find_present(*stats, "instance_cost"))) out.set("cost_usd", number_json(*cost));
      } else if (auto cost = number(find_present(*stats, "instance_cost")); cost && *cost > 0) {
        out.set("cost_usd", number_json(*cost));
      }
    }
    out.extra("info", json_of(*info));
  }
  if (auto env = text(find_member(r, "environment")); env && !env->empty()) out.set_text("env", *env);
  if (replay != nullptr && replay->IsObject()) {
    out.set("config", json_of(*replay));
    const Value* agent = find_present(*replay, "agent");
    const Value* model = agent != nullptr ? find_present(*agent, "model") : nullptr;
    if (auto name = text(model != nullptr ? find_member(*model, "name") : nullptr); name && !name->empty()) {
      out.set_text("model", *name);
      out.set_text("model_source", "config");
    }
  }
  out.set("source", harness::source_json("swe-agent", version, find_present(r, "_source")));
  out.keep_rest(r, {"history", "trajectory", "info", "environment", "_source",
                    replay != nullptr && replay->IsObject() ? "replay_config" : "history"});
}

/// A history item as SWE-agent writes it: a role, and the agent that wrote it or its kind.
bool history_item(const Value& item) {
  return item.IsObject() && text(find_member(item, "role")) &&
         (find_member(item, "agent") != nullptr || find_member(item, "message_type") != nullptr);
}

bool recognise(const Value& r) {
  const Value* history = find_member(r, "history");
  if (history == nullptr || !history->IsArray()) return false;
  const Value* steps = find_member(r, "trajectory");
  const Value* info = find_member(r, "info");
  if (history->Empty()) return steps != nullptr && steps->IsArray() && info != nullptr && info->IsObject();
  // OpenHands keeps events (action / observation, no role) under history: not this.
  return history_item((*history)[0]) || ((*history)[0].IsObject() && text(find_member((*history)[0], "role")) &&
                                         steps != nullptr && steps->IsArray());
}

}  // namespace

extern const DialectSpec kSweAgent{"swe-agent", "history of {role, agent|message_type} items (with trajectory, info)",
                                   "SWE-agent", recognise, map_traj, nullptr};

}  // namespace tracemill::normalize

// tau2-bench results: a document {timestamp, info, tasks, simulations: [...]} holds many
// simulations, each written as its own session; a simulation saved alone (voice runs keep
// one file per simulation) is one session. Messages: {role, content, tool_calls: [{id, name,
// arguments, requestor}], turn_idx, timestamp, cost, usage, ...}; a tool message's `id` is the
// call it answers. Voice runs hold `ticks` (turn-taking events) instead of messages.
#include "eval_common.hpp"

#include <libstream/time.hpp>

#include <set>

namespace tracemill::normalize {
namespace {

using evals::TokenSums;

/// Members of a tau2 object not mapped elsewhere, null ones left out (a voice-era message
/// carries some twenty fields that are null in a text run).
void keep_present(const Value& object, const std::set<std::string_view>& used, std::vector<std::pair<std::string, std::string>>& extra) {
  for (const auto& m : object.GetObject()) {
    if (used.count(string_of(m.name)) == 0 && !m.value.IsNull()) extra.emplace_back(string_of(m.name), json_of(m.value));
  }
}


struct Simulation {
  std::vector<std::string> messages;
  std::vector<std::string> env_messages;
  TokenSums agent_usage;
};

void map_message(const Value& m, const std::string& path, Simulation& sim, std::set<std::string>& user_calls) {
  static const std::set<std::string_view> kUsed = {"role", "content", "tool_calls", "turn_idx", "timestamp", "usage", "id"};
  if (!m.IsObject()) throw MappingError{path + ": not a message object"};
  const std::string role(text(find_member(m, "role")).value_or(""));
  if (role == "tool") {
    if (const Value* group = find_present(m, "tool_messages"); group != nullptr && group->IsArray()) {  // MultiToolMessage
      for (rapidjson::SizeType i = 0; i < group->Size(); ++i) {
        map_message((*group)[i], path + ".tool_messages[" + std::to_string(i) + "]", sim, user_calls);
      }
      return;
    }
  }
  if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
    throw MappingError{path + ": role " + quote(role) + " is not system, user, assistant or tool"};
  }
  Message message;
  message.role = role;
  const Value* content = find_member(m, "content");
  message.content = content != nullptr && content->IsString() ? json_of(*content) : "null";
  if (content != nullptr && !content->IsString() && !content->IsNull()) message.content = quote(json_of(*content));
  std::vector<std::pair<std::string, std::string>> more;
  const std::string id(text(find_member(m, "id")).value_or(""));
  const Value* calls = find_present(m, "tool_calls");
  if (calls != nullptr && !calls->IsArray()) throw MappingError{path + ".tool_calls: not an array"};
  if (calls != nullptr && !calls->Empty()) {
    if (role == "assistant") {
      set_tool_calls(*calls, message, path);
      std::string requestors;
      for (const Value& call : calls->GetArray()) {
        if (const Value* r = find_present(call, "requestor"); r != nullptr && !(r->IsString() && string_of(*r) == "assistant")) {
          requestors += (requestors.empty() ? "" : ",") + quote(text(find_member(call, "id")).value_or("")) + ":" + json_of(*r);
        }
      }
      if (!requestors.empty()) message.extra.emplace_back("tool_call_requestors", "{" + requestors + "}");
    } else {
      // The simulated user's own tools (telecom domain): part of the environment, not of the
      // agent's chat, so kept whole on the message; their results go to env_messages.
      message.extra.emplace_back("tool_calls", json_of(*calls));
      for (const Value& call : calls->GetArray()) {
        if (auto call_id = text(find_member(call, "id"))) user_calls.insert(std::string(*call_id));
      }
    }
  }
  if (role == "tool") {
    const std::string requestor(text(find_member(m, "requestor")).value_or("assistant"));
    if (requestor == "user" || user_calls.count(id) != 0) {
      sim.env_messages.push_back(json_of(m));
      return;
    }
    message.tool_call_id = id;
    if (message.content == "null") message.content = "\"\"";
    if (const Value* error = find_present(m, "error"); error != nullptr && error->IsBool()) more.emplace_back("is_error", json_of(*error));
  } else if (!id.empty()) {
    more.emplace_back("id", quote(id));
  }
  if (auto turn = integer(find_present(m, "turn_idx"))) message.turn = turn;
  if (const Value* at = find_present(m, "timestamp")) {
    std::optional<int64_t> instant;
    if (at->IsString()) instant = libstream::parse_instant(string_of(*at));
    if (instant) message.created_at = libstream::format_instant(*instant);
    if (!instant || string_of(*at) != message.created_at) message.extra.emplace_back("timestamp", json_of(*at));
  }
  if (const Value* usage = find_present(m, "usage"); usage != nullptr && usage->IsObject()) {
    TokenSums call;
    const Value* details = find_present(*usage, "prompt_tokens_details");
    call.add(integer(find_present(*usage, "prompt_tokens")), integer(find_present(*usage, "completion_tokens")),
             details != nullptr ? integer(find_present(*details, "cached_tokens")) : std::nullopt);
    if (call.known()) {
      message.usage = call.json();
      if (role == "assistant") sim.agent_usage.add(call.input, call.output, call.cache_read);
    }
    message.extra.emplace_back("usage", json_of(*usage));
  }
  keep_present(m, kUsed, message.extra);
  sim.messages.push_back(evals::message_json(message, more));
}

/// One simulation as one session. `run`: the results document it came from, or null.
std::string map_simulation(const Value& s, const Value* run, const std::string& where, const MapContext& context) {
  if (!s.IsObject()) throw MappingError{where + ": a simulation is not an object"};
  Record out;
  out.reset(run == nullptr ? &s : nullptr, run == nullptr ? context.raw : std::string_view());
  const auto id = text(find_member(s, "id"));
  if (!id || id->empty()) throw MappingError{where + ": a tau2-bench simulation without an id string"};
  out.set_text("session_id", *id);
  Simulation sim;
  std::set<std::string> user_calls;
  if (const Value* messages = find_present(s, "messages")) {
    if (!messages->IsArray()) throw MappingError{where + ".messages: not an array"};
    for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
      map_message((*messages)[i], where + ".messages[" + std::to_string(i) + "]", sim, user_calls);
    }
  }
  if (const Value* ticks = find_present(s, "ticks"); ticks != nullptr && ticks->IsArray()) {
    for (const Value& tick : ticks->GetArray()) sim.env_messages.push_back(json_of(tick));  // voice turn-taking, in order
  }
  out.set("messages", array_json(sim.messages));
  if (!sim.env_messages.empty()) out.set("env_messages", array_json(sim.env_messages));
  if (sim.messages.empty()) context.warn(where + ": a simulation without messages (a voice run keeps ticks): kept in env_messages");
  if (const Value* info = find_present(s, "reward_info"); info != nullptr && info->IsObject()) {
    if (const Value* reward = find_present(*info, "reward"); reward != nullptr && reward->IsNumber()) {
      out.set("reward", json_of(*reward));
      out.set_text("reward_source", "reward_info.reward");
    }
  }
  if (const Value* task = find_present(s, "task_id")) out.set_text("task_id", text_or_json(*task));
  if (const Value* trial = find_present(s, "trial")) out.set_text("trial_id", text_or_json(*trial));
  if (const Value* seed = find_present(s, "seed"); seed != nullptr && (seed->IsInt64() || seed->IsUint64() || seed->IsString())) {
    out.set("seed", json_of(*seed));
  }
  if (auto reason = text(find_member(s, "termination_reason"))) out.set_text("status", *reason);
  out.set_time("created_at", "original_created_at", find_present(s, "start_time"), context.warn);
  if (const Value* end = find_present(s, "end_time"); end != nullptr && end->IsString()) {
    if (auto instant = libstream::parse_instant(string_of(*end))) out.set_text("ended_at", libstream::format_instant(*instant));
  }
  if (sim.agent_usage.known()) out.set("usage", sim.agent_usage.json());
  if (auto cost = number(find_present(s, "agent_cost"))) out.set("cost_usd", number_json(*cost));
  std::string source = "{\"format\":\"tau2-bench\"";
  const Value* info = run != nullptr ? find_present(*run, "info") : nullptr;
  if (info != nullptr && info->IsObject()) {
    if (auto commit = text(find_member(*info, "git_commit"))) source += ",\"version\":" + quote(*commit);
    const Value* agent = find_present(*info, "agent_info");
    if (auto llm = text(agent != nullptr ? find_member(*agent, "llm") : nullptr)) {
      out.set_text("model", *llm);
      out.set_text("model_source", "session_metadata");
    }
    if (auto implementation = text(agent != nullptr ? find_member(*agent, "implementation") : nullptr)) out.set_text("policy", *implementation);
    const Value* environment = find_present(*info, "environment_info");
    if (auto domain = text(environment != nullptr ? find_member(*environment, "domain_name") : nullptr)) out.set_text("env", *domain);
  }
  out.set("source", source + "}");
  out.keep_rest(s, {"id", "messages", "ticks", "task_id", "trial", "seed", "termination_reason", "start_time", "end_time", "agent_cost"});
  if (run != nullptr) {
    // What the document says of the whole run (info, timestamp) and the task of this simulation.
    for (const auto& m : run->GetObject()) {
      const std::string_view key = string_of(m.name);
      if (key == "simulations" || key == "tasks") continue;
      out.extra("run_" + std::string(key), json_of(m.value));
    }
    const Value* tasks = find_present(*run, "tasks");
    const Value* task_id = find_present(s, "task_id");
    if (tasks != nullptr && tasks->IsArray() && task_id != nullptr) {
      for (const Value& task : tasks->GetArray()) {
        const Value* tid = find_present(task, "id");
        if (tid != nullptr && text_or_json(*tid) == text_or_json(*task_id)) {
          out.extra("task", json_of(task));
          break;
        }
      }
    }
  }
  std::string line;
  out.finish(line);
  return line;
}

bool is_simulation(const Value& r) {
  return find_member(r, "termination_reason") != nullptr && find_member(r, "task_id") != nullptr &&
         find_member(r, "id") != nullptr && (find_member(r, "messages") != nullptr || find_member(r, "ticks") != nullptr);
}

bool recognise(const Value& r) {
  if (const Value* sims = find_member(r, "simulations"); sims != nullptr && sims->IsArray()) return true;
  const Value* info = find_member(r, "info");
  const Value* tasks = find_member(r, "tasks");
  if (info != nullptr && info->IsObject() && tasks != nullptr && tasks->IsArray() && find_member(r, "timestamp") != nullptr) return true;
  return is_simulation(r);
}

void map_sessions(const Value& r, const MapContext& context, std::vector<std::string>& sessions) {
  if (is_simulation(r) && find_member(r, "simulations") == nullptr) {
    sessions.push_back(map_simulation(r, nullptr, "simulation", context));
    return;
  }
  const Value* sims = find_present(r, "simulations");
  if (sims == nullptr) {
    // A run's header without simulations (voice experiments keep them in files of their own):
    // nothing to write, and said so, since the record is counted as filtered.
    const Value* tasks = find_present(r, "tasks");
    const size_t task_count = tasks != nullptr && tasks->IsArray() ? tasks->Size() : 0;
    context.warn("a tau2-bench results document with " + std::to_string(task_count) +
                 " tasks and no simulations: no session written (simulations saved in files of their own are read as such)");
    return;
  }
  if (!sims->IsArray()) throw MappingError{"simulations: not an array"};
  for (rapidjson::SizeType i = 0; i < sims->Size(); ++i) {
    sessions.push_back(map_simulation((*sims)[i], &r, "simulations[" + std::to_string(i) + "]", context));
  }
}

}  // namespace

extern const DialectSpec kTau2Bench{"tau2-bench", "simulations array (or info, tasks and timestamp; or one simulation)",
                                    "tau-bench and tau2-bench results", recognise, nullptr, nullptr, map_sessions};

}  // namespace tracemill::normalize

// Harbor ATIF trajectories (Agent Trajectory Interchange Format, ATIF-v1.x; the RFC is
// rfcs/0001-trajectory-format.md of the Harbor repository): one JSON document per agent run,
// `steps` from system, user and agent, a step's tool calls answered in the same step's
// `observation.results` (paired by `source_call_id`), per-step `metrics`, and (v1.7)
// subagent trajectories embedded in `subagent_trajectories`, each written as its own session.
#include "eval_common.hpp"

#include <libstream/hash.hpp>
#include <libstream/time.hpp>

#include <rapidjson/writer.h>

#include <cmath>
#include <map>
#include <set>

namespace tracemill::normalize {
namespace {

using evals::message_json;
using evals::TokenSums;

using Members = std::vector<std::pair<std::string, std::string>>;

/// ATIF content (a string, or v1.6+ ContentParts) as trace/v1 content: text parts stay,
/// an image part `{type: image, source: {media_type, path}}` becomes an `image_url` part
/// whose url is the path (ATIF stores images as files beside the trajectory).
std::string content_json(const Value* value) {
  if (value == nullptr || value->IsNull()) return "null";
  if (value->IsString()) return json_of(*value);
  if (!value->IsArray()) return quote(json_of(*value));  // not ATIF content: kept whole, as text
  std::vector<std::string> parts;
  for (const Value& part : value->GetArray()) {
    const auto type = text(find_member(part, "type"));
    const Value* source = find_present(part, "source");
    if (type && *type == "image" && source != nullptr && source->IsObject()) {
      std::string url(text(find_member(*source, "path")).value_or(text(find_member(*source, "url")).value_or("")));
      std::string out = "{\"type\":\"image_url\",\"image_url\":{\"url\":" + quote(url) + "}";
      if (auto media = text(find_member(*source, "media_type"))) out += ",\"extra\":{\"media_type\":" + quote(*media) + "}";
      parts.push_back(out + "}");
    } else {
      parts.push_back(trace_part_json(part));  // text as it is; an unknown part as text holding its JSON
    }
  }
  return array_json(parts);
}

std::string id_text(const Value* value) {
  if (value == nullptr || value->IsNull()) return {};
  if (value->IsString()) return std::string(string_of(*value));
  return json_of(*value);
}

/// What a trajectory's subagents need from their parent: its session id and the call that
/// delegated to each (by trajectory_id).
struct Parent {
  std::string session_id;
  std::map<std::string, std::string> call_of_trajectory;
};

class TrajectoryMapper {
 public:
  TrajectoryMapper(const MapContext& context, std::vector<std::string>& sessions) : context_(context), sessions_(sessions) {}

  void map(const Value& t, const Parent* parent, const std::string& where, int depth) {
    if (!t.IsObject()) throw MappingError{where + ": a trajectory is not an object"};
    const Value* steps = find_present(t, "steps");
    if (steps == nullptr || !steps->IsArray()) throw MappingError{where + ": an ATIF trajectory without a steps array"};
    Record out;
    out.reset(parent == nullptr ? &t : nullptr, parent == nullptr ? context_.raw : std::string_view());
    const std::string session_id = session_id_of(t, parent);
    out.set_text("session_id", session_id);
    const std::string trajectory_id(text(find_member(t, "trajectory_id")).value_or(""));
    if (parent != nullptr) {
      out.set_text("parent_session_id", parent->session_id);
      if (const auto it = parent->call_of_trajectory.find(trajectory_id); it != parent->call_of_trajectory.end()) {
        out.set_text("parent_tool_call_id", it->second);
      }
    }
    const Value* agent = find_present(t, "agent");
    std::string source = "{\"format\":\"harbor-atif\"";
    if (const Value* version = find_present(t, "schema_version")) source += ",\"version\":" + json_of(*version);
    if (agent != nullptr && agent->IsObject()) {
      if (const Value* name = find_present(*agent, "name")) source += ",\"agent\":" + json_of(*name);
      if (const Value* version = find_present(*agent, "version")) source += ",\"agent_version\":" + json_of(*version);
    }
    out.set("source", source + "}");

    Parent self{session_id, {}};
    map_steps(*steps, out, self, where);

    std::string model(agent != nullptr ? text(find_member(*agent, "model_name")).value_or("") : "");
    if (!model.empty()) {
      out.set_text("model", model);
      out.set_text("model_source", "session_metadata");
    } else if (!first_model_.empty()) {
      out.set_text("model", first_model_);
      out.set_text("model_source", "event");
    }
    if (!first_time_.empty()) out.set_text("created_at", first_time_);
    if (!last_time_.empty()) out.set_text("ended_at", last_time_);
    set_totals(t, out);
    out.keep_rest(t, {"session_id", "steps", "subagent_trajectories", "schema_version"});
    std::string line;
    out.finish(line);
    sessions_.push_back(std::move(line));

    if (const Value* subagents = find_present(t, "subagent_trajectories"); subagents != nullptr) {
      if (!subagents->IsArray()) throw MappingError{where + ".subagent_trajectories: not an array"};
      if (depth >= 16) throw MappingError{where + ": subagents nested more than 16 deep"};
      for (rapidjson::SizeType i = 0; i < subagents->Size(); ++i) {
        TrajectoryMapper child(context_, sessions_);
        child.map((*subagents)[i], &self, where + ".subagent_trajectories[" + std::to_string(i) + "]", depth + 1);
      }
    }
  }

 private:
  std::string session_id_of(const Value& t, const Parent* parent) const {
    // An embedded subagent may share its parent's run-scoped session_id (v1.7): its
    // trajectory_id, unique among its siblings, names it then.
    const auto id = text(find_member(t, "session_id"));
    const auto trajectory = text(find_member(t, "trajectory_id"));
    if (parent != nullptr && trajectory && !trajectory->empty() && (!id || *id == parent->session_id)) return std::string(*trajectory);
    if (id && !id->empty()) return std::string(*id);
    if (trajectory && !trajectory->empty()) return std::string(*trajectory);
    context_.warn("an ATIF trajectory without session_id or trajectory_id: its id hashes its text");
    return content_id("atif-", t);
  }

  void note_time(const Value* timestamp, Message& message) {
    if (timestamp == nullptr) return;
    std::optional<int64_t> instant;
    if (timestamp->IsString()) instant = libstream::parse_instant(string_of(*timestamp));
    if (!instant) {
      message.extra.emplace_back("timestamp", json_of(*timestamp));
      return;
    }
    message.created_at = libstream::format_instant(*instant);
    if (first_time_.empty()) first_time_ = message.created_at;
    last_time_ = message.created_at;
    if (string_of(*timestamp) != message.created_at) message.extra.emplace_back("timestamp", json_of(*timestamp));
  }

  void map_steps(const Value& steps, Record& out, Parent& self, const std::string& where) {
    std::vector<std::string> messages;
    std::vector<std::string> env_messages;
    static const std::set<std::string_view> kStepUsed = {"source", "message", "step_id", "timestamp", "model_name",
                                                         "reasoning_content", "tool_calls", "observation", "metrics"};
    for (rapidjson::SizeType i = 0; i < steps.Size(); ++i) {
      const Value& step = steps[i];
      const std::string path = where + ".steps[" + std::to_string(i) + "]";
      if (!step.IsObject()) throw MappingError{path + ": a step is not an object"};
      const std::string source(text(find_member(step, "source")).value_or(""));
      Message message;
      if (source == "system" || source == "user") {
        message.role = source;
      } else if (source == "agent") {
        message.role = "assistant";
      } else {
        context_.warn(path + ": source " + quote(source) + " is not system, user or agent: the step is kept in env_messages");
        env_messages.push_back(json_of(step));
        continue;
      }
      Members more;
      const std::string step_id = id_text(find_present(step, "step_id"));
      if (!step_id.empty()) more.emplace_back("id", quote(step_id));
      message.content = content_json(find_member(step, "message"));
      note_time(find_present(step, "timestamp"), message);
      if (auto model = text(find_member(step, "model_name"))) {
        message.model = std::string(*model);
        if (first_model_.empty()) first_model_ = message.model;
      }
      if (const Value* reasoning = find_present(step, "reasoning_content")) {
        if (reasoning->IsString()) {
          more.emplace_back("reasoning", "[{\"type\":\"thinking\",\"text\":" + json_of(*reasoning) + "}]");
        } else {
          message.extra.emplace_back("reasoning_content", json_of(*reasoning));
        }
      }
      if (const Value* metrics = find_present(step, "metrics")) map_metrics(*metrics, message);
      std::vector<std::string> call_ids;
      if (const Value* calls = find_present(step, "tool_calls")) map_calls(*calls, message, call_ids, path);
      for (const auto& m : step.GetObject()) {
        if (kStepUsed.count(string_of(m.name)) == 0) message.extra.emplace_back(string_of(m.name), json_of(m.value));
      }
      std::vector<std::string> results;
      if (const Value* observation = find_present(step, "observation")) {
        map_observation(*observation, message, call_ids, step_id, self, results, path);
      }
      messages.push_back(message_json(message, more));
      for (std::string& result : results) messages.push_back(std::move(result));
    }
    out.set("messages", array_json(messages));
    if (!env_messages.empty()) out.set("env_messages", array_json(env_messages));
  }

  void map_metrics(const Value& metrics, Message& message) {
    if (!metrics.IsObject()) {
      message.extra.emplace_back("metrics", json_of(metrics));
      return;
    }
    TokenSums call;
    call.add(integer(find_present(metrics, "prompt_tokens")), integer(find_present(metrics, "completion_tokens")),
             integer(find_present(metrics, "cached_tokens")));
    if (call.known()) {
      message.usage = call.json();
      usage_.add(call.input, call.output, call.cache_read);
    }
    if (auto cost = number(find_present(metrics, "cost_usd"))) cost_ = cost_.value_or(0) + *cost;
    // The whole object stays: cost, token ids and logprobs (RL needs them) and its extra.
    message.extra.emplace_back("metrics", json_of(metrics));
  }

  void map_calls(const Value& calls, Message& message, std::vector<std::string>& call_ids, const std::string& path) {
    if (!calls.IsArray()) throw MappingError{path + ".tool_calls: not an array"};
    if (calls.Empty()) return;
    std::string out = "[";
    std::string originals;
    std::string extras;
    for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
      const Value& call = calls[i];
      if (!call.IsObject()) throw MappingError{path + ".tool_calls[" + std::to_string(i) + "]: not an object"};
      // ATIF names them tool_call_id / function_name; early writers (ATIF 1.4 era) id / name.
      std::string id = id_text(find_present(call, "tool_call_id"));
      if (id.empty()) id = id_text(find_present(call, "id"));
      if (id.empty()) {
        id = path + ".call_" + std::to_string(i);
        context_.warn(path + ": a tool call without tool_call_id: named " + quote(id));
      }
      std::string name(text(find_member(call, "function_name")).value_or(text(find_member(call, "name")).value_or("")));
      const Value* arguments = find_present(call, "arguments");
      std::string arguments_json;
      if (arguments != nullptr && arguments->IsString()) {
        arguments_json = json_of(*arguments);
      } else {
        arguments_json = quote(arguments != nullptr ? json_of(*arguments) : "{}");
        if (arguments != nullptr) originals += (originals.empty() ? "" : ",") + quote(id) + ":" + json_of(*arguments);
      }
      out += (i > 0 ? ",{\"id\":" : "{\"id\":") + quote(id) + ",\"type\":\"function\",\"function\":{\"name\":" + quote(name) +
             ",\"arguments\":" + arguments_json + "}}";
      std::string rest;
      for (const auto& m : call.GetObject()) {
        const std::string_view key = string_of(m.name);
        if (key != "tool_call_id" && key != "id" && key != "function_name" && key != "name" && key != "arguments") {
          rest += (rest.empty() ? "" : ",") + quote(key) + ":" + json_of(m.value);
        }
      }
      if (!rest.empty()) extras += (extras.empty() ? "" : ",") + quote(id) + ":{" + rest + "}";
      call_ids.push_back(id);
      pending_.insert(id);
    }
    message.tool_calls = out + "]";
    if (!originals.empty()) message.original_arguments = "{" + originals + "}";
    if (!extras.empty()) message.extra.emplace_back("tool_call_extra", "{" + extras + "}");
    if (message.content == "\"\"") message.content = "null";
  }

  /// Each result becomes a message after the step's own: a `tool` message answering its call
  /// (by source_call_id; without one, the step's unanswered calls in order), else a `user`
  /// message (original_role "observation": what the environment showed the agent next).
  void map_observation(const Value& observation, Message& message, const std::vector<std::string>& call_ids,
                       const std::string& step_id, Parent& self, std::vector<std::string>& results, const std::string& path) {
    const Value* list = observation.IsObject() ? find_present(observation, "results") : nullptr;
    if (list == nullptr || !list->IsArray()) {
      message.extra.emplace_back("observation", json_of(observation));
      return;
    }
    for (const auto& m : observation.GetObject()) {
      if (string_of(m.name) != "results") message.extra.emplace_back("observation_" + std::string(string_of(m.name)), json_of(m.value));
    }
    size_t positional = 0;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const Value& result = (*list)[i];
      if (!result.IsObject()) throw MappingError{path + ".observation.results[" + std::to_string(i) + "]: not an object"};
      Message answer;
      std::string call = id_text(find_present(result, "source_call_id"));
      if (!call.empty() && pending_.count(call) == 0) {
        context_.warn(path + ": a result answers " + quote(call) + ", which no earlier tool call has (or which was answered)");
        call.clear();
      }
      if (call.empty() && find_present(result, "source_call_id") == nullptr) {
        while (positional < call_ids.size() && pending_.count(call_ids[positional]) == 0) ++positional;
        if (positional < call_ids.size()) {
          call = call_ids[positional++];
          if (!warned_positional_) context_.warn(path + ": results without source_call_id answer the step's calls in order");
          warned_positional_ = true;
        }
      }
      if (!call.empty()) {
        answer.role = "tool";
        answer.tool_call_id = call;
        pending_.erase(call);
      } else {
        answer.role = "user";
        answer.original_role = "observation";
      }
      answer.content = content_json(find_member(result, "content"));
      if (answer.content == "null" && answer.role == "tool") answer.content = "\"\"";
      for (const auto& m : result.GetObject()) {
        const std::string_view key = string_of(m.name);
        if (key != "content" && key != "source_call_id") answer.extra.emplace_back(key, json_of(m.value));
      }
      if (!step_id.empty()) answer.extra.emplace_back("step_id", quote(step_id));
      if (const Value* refs = find_present(result, "subagent_trajectory_ref"); refs != nullptr) {
        const auto note = [&](const Value& ref) {
          if (auto trajectory = text(find_member(ref, "trajectory_id")); trajectory && !call.empty()) {
            self.call_of_trajectory.emplace(std::string(*trajectory), call);
          }
        };
        if (refs->IsArray()) {
          for (const Value& ref : refs->GetArray()) note(ref);
        } else if (refs->IsObject()) {
          note(*refs);
        }
      }
      results.push_back(answer.json());
    }
  }

  void set_totals(const Value& t, Record& out) {
    const Value* final_metrics = find_present(t, "final_metrics");
    TokenSums totals;
    std::optional<double> total_cost;
    if (final_metrics != nullptr && final_metrics->IsObject()) {
      totals.add(integer(find_present(*final_metrics, "total_prompt_tokens")),
                 integer(find_present(*final_metrics, "total_completion_tokens")),
                 integer(find_present(*final_metrics, "total_cached_tokens")));
      total_cost = number(find_present(*final_metrics, "total_cost_usd"));
    }
    // The steps' sums are the session's; final_metrics, kept under extra, is checked against them.
    if (usage_.known()) {
      out.set("usage", usage_.json());
      const auto differs = [](const std::optional<int64_t>& total, const std::optional<int64_t>& sum) {
        return total && sum && *total != *sum;
      };
      if (differs(totals.input, usage_.input) || differs(totals.output, usage_.output) ||
          differs(totals.cache_read, usage_.cache_read)) {
        context_.warn("final_metrics " + totals.json() + " disagrees with the sum of the steps' metrics " + usage_.json() +
                      ": usage is the steps' sum");
      }
    } else if (totals.known()) {
      out.set("usage", totals.json());
    }
    if (cost_) {
      out.set("cost_usd", number_json(*cost_));
      if (total_cost && std::fabs(*total_cost - *cost_) > 1e-9 * std::max(1.0, std::fabs(*total_cost))) {
        context_.warn("final_metrics.total_cost_usd " + number_json(*total_cost) + " disagrees with the steps' sum " +
                      number_json(*cost_) + ": cost_usd is the steps' sum");
      }
    } else if (total_cost) {
      out.set("cost_usd", number_json(*total_cost));
    }
  }

  const MapContext& context_;
  std::vector<std::string>& sessions_;
  std::set<std::string> pending_;  // calls not answered yet
  TokenSums usage_;
  std::optional<double> cost_;
  std::string first_model_;
  std::string first_time_;
  std::string last_time_;
  bool warned_positional_ = false;
};

bool recognise(const Value& r) {
  const Value* version = find_member(r, "schema_version");
  const Value* steps = find_member(r, "steps");
  const Value* agent = find_member(r, "agent");
  if (version == nullptr || steps == nullptr || !steps->IsArray()) return false;
  if (auto v = text(version); v && v->rfind("ATIF", 0) == 0) return true;
  return agent != nullptr && agent->IsObject();  // early writers: "1.4", agent and steps
}

void map_sessions(const Value& r, const MapContext& context, std::vector<std::string>& sessions) {
  TrajectoryMapper(context, sessions).map(r, nullptr, "trajectory", 0);
}

}  // namespace

extern const DialectSpec kHarborAtif{"harbor-atif", "schema_version (\"ATIF-v1.x\") with steps (and agent)",
                                     "Harbor ATIF trajectories", recognise, nullptr, nullptr, map_sessions};

}  // namespace tracemill::normalize

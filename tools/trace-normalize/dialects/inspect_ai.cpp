// Inspect AI evaluation logs (inspect_ai/log/_log.py): a `.json` log is one document
// {version, status, eval, plan, results, stats, error?, samples: [...], reductions?}; trace-read
// turns each sample of a `.eval` archive into a document of the same shape holding that one
// sample. Each sample (one epoch of one dataset sample) is one session. Messages are
// ChatMessage objects: {id?, role, content: string | [parts], source?, metadata?, model?,
// tool_calls?: [{id, function: NAME, arguments: {...}, parse_error?, view?}], tool_call_id?,
// function?, error?: {type, message}}.
#include "inspect_ai.hpp"

#include "agent_common.hpp"
#include "eval_common.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

namespace tracemill::normalize {
namespace inspect {

std::optional<double> score_value(const Value& value) {
  if (value.IsBool()) return value.GetBool() ? 1.0 : 0.0;
  if (value.IsNumber()) return value.GetDouble();
  if (!value.IsString()) return std::nullopt;
  const std::string_view s = string_of(value);
  if (s == "C") return 1.0;
  if (s == "P") return 0.5;
  if (s == "I" || s == "N") return 0.0;
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "yes" || lower == "true") return 1.0;
  if (lower == "no" || lower == "false") return 0.0;
  // A decimal number, surrounding spaces allowed as Python's float() allows them.
  const size_t first = lower.find_first_not_of(" \t\n");
  if (first == std::string::npos || lower.find_first_of("xp", first) != std::string::npos) return std::nullopt;  // no hex floats
  char* end = nullptr;
  const double parsed = std::strtod(lower.c_str() + first, &end);
  while (end != nullptr && (*end == ' ' || *end == '\t' || *end == '\n')) ++end;
  if (end == lower.c_str() + first || end == nullptr || *end != '\0' || !std::isfinite(parsed)) return std::nullopt;
  return parsed;
}

}  // namespace inspect
namespace {

/// Text of a scalar id (sample ids are strings or integers).

/// One sample being mapped: its messages, and what an attachment reference resolves to.
struct SampleState {
  const Value* attachments = nullptr;
  std::vector<std::string> messages;
  evals::CallLedger ledger;
};

/// A string that is "attachment://HASH" with HASH in the sample's attachments: its text.
const Value* attachment_of(const Value& value, const SampleState& state) {
  constexpr std::string_view kScheme = "attachment://";
  if (!value.IsString() || state.attachments == nullptr) return nullptr;
  const std::string_view s = string_of(value);
  if (s.substr(0, kScheme.size()) != kScheme) return nullptr;
  const std::string key(s.substr(kScheme.size()));
  const Value* found = find_member(*state.attachments, key.c_str());
  return found != nullptr && found->IsString() ? found : nullptr;
}

/// A string as JSON, an attachment reference replaced by the text it names (`resolved` set).
std::string text_json(const Value& value, const SampleState& state, bool& resolved) {
  if (const Value* text = attachment_of(value, state)) {
    resolved = true;
    return json_of(*text);
  }
  return json_of(value);
}

/// Content parts: text as OpenAI text parts, images as image_url parts, reasoning moved to
/// the message's reasoning; every other part kept as it is. Members a mapped part has beyond
/// those written go to extra.part_details by part index.
void map_parts(const Value& parts, Message& message, const SampleState& state, bool& resolved) {
  std::string content = "[";
  std::string reasoning;
  std::string details;
  const auto add_detail = [&](size_t index, const Value& part, std::initializer_list<std::string_view> used) {
    const std::string rest = agent::rest_json(part, used);
    if (!rest.empty()) details += (details.empty() ? "{" : ",") + quote(std::to_string(index)) + ":" + rest;
  };
  const auto add_reasoning = [&](const std::string& part) { reasoning += (reasoning.empty() ? "[" : ",") + part; };
  for (rapidjson::SizeType i = 0; i < parts.Size(); ++i) {
    const Value& part = parts[i];
    const std::string type(text(find_member(part, "type")).value_or(""));
    const Value* body = nullptr;
    if (type == "text" && (body = find_member(part, "text")) != nullptr && body->IsString()) {
      content += (content.size() > 1 ? "," : "") + std::string("{\"type\":\"text\",\"text\":") + text_json(*body, state, resolved) + "}";
      add_detail(i, part, {"type", "text"});
    } else if (type == "image" && (body = find_member(part, "image")) != nullptr && body->IsString()) {
      std::string url = "{\"url\":" + text_json(*body, state, resolved);
      if (auto detail = text(find_member(part, "detail"))) url += ",\"detail\":" + quote(*detail);
      content += (content.size() > 1 ? "," : "") + std::string("{\"type\":\"image_url\",\"image_url\":") + url + "}}";
      add_detail(i, part, {"type", "image", "detail"});
    } else if (type == "reasoning" && (body = find_member(part, "reasoning")) != nullptr && body->IsString()) {
      const Value* redacted = find_member(part, "redacted");
      if (redacted != nullptr && redacted->IsTrue()) {
        add_reasoning("{\"type\":\"redacted\",\"data\":" + json_of(*body) + "}");
      } else {
        std::string thinking = "{\"type\":\"thinking\",\"text\":" + json_of(*body);
        if (auto signature = text(find_member(part, "signature"))) thinking += ",\"signature\":" + quote(*signature);
        add_reasoning(thinking + "}");
      }
      if (auto summary = text(find_member(part, "summary"))) add_reasoning("{\"type\":\"summary\",\"text\":" + quote(*summary) + "}");
      add_detail(i, part, {"type", "reasoning", "signature", "redacted", "summary"});
    } else {
      content += (content.size() > 1 ? "," : "") + trace_part_json(part);  // audio, video, data, tool_use, document: as text
    }
  }
  message.content = content.size() > 1 ? content + "]" : (message.role == "assistant" ? "null" : "\"\"");
  if (!reasoning.empty()) message.reasoning = reasoning + "]";
  if (!details.empty()) message.extra.emplace_back("part_details", details + "}");
}

void map_tool_calls(const Value& calls, Message& message, const std::string& path, SampleState& state, const Warn& warn) {
  std::string out = "[";
  std::string originals;
  std::string details;
  std::string renamed;
  for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
    const Value& call = calls[i];
    const std::string where = path + ".tool_calls[" + std::to_string(i) + "]";
    if (!call.IsObject()) throw MappingError{where + ": not a tool call object"};
    std::string id(text(find_member(call, "id")).value_or(""));
    if (id.empty()) {
      id = path + "_call_" + std::to_string(i);
      warn(where + ": a tool call without id: named " + quote(id));
    }
    const std::string written = state.ledger.call(id);
    if (written != id) renamed += (renamed.empty() ? "" : ",") + quote(written) + ":" + quote(id);
    // Inspect's `function` is the tool's name; an OpenAI-style {name, arguments} object is read too.
    const Value* function = find_member(call, "function");
    const Value* arguments = find_member(call, "arguments");
    std::string name;
    if (function != nullptr && function->IsString()) {
      name = std::string(string_of(*function));
    } else if (function != nullptr && function->IsObject()) {
      name = std::string(text(find_member(*function, "name")).value_or(""));
      if (arguments == nullptr) arguments = find_member(*function, "arguments");
    }
    if (name.empty()) throw MappingError{where + ": a tool call without a function name"};
    out += (out.size() > 1 ? "," : "") + agent::tool_call_json(written, name, agent::arguments_text(arguments, written, originals));
    const Value* type = find_member(call, "type");
    const bool plain_type = type == nullptr || (type->IsString() && string_of(*type) == "function");
    const std::string rest = plain_type ? agent::rest_json(call, {"id", "function", "arguments", "type"})
                                        : agent::rest_json(call, {"id", "function", "arguments"});
    if (!rest.empty()) details += (details.empty() ? "{" : ",") + quote(written) + ":" + rest;
  }
  message.tool_calls = out + "]";
  if (!originals.empty()) message.original_arguments = "{" + originals + "}";
  if (!details.empty()) message.extra.emplace_back("tool_call_details", details + "}");
  if (!renamed.empty()) message.extra.emplace_back("renamed_tool_call_ids", "{" + renamed + "}");
}

void map_message(const Value& m, const std::string& path, SampleState& state, const Warn& warn) {
  if (!m.IsObject()) throw MappingError{path + ": not a message object"};
  const auto role = text(find_member(m, "role"));
  if (!role || !(*role == "system" || *role == "user" || *role == "assistant" || *role == "tool")) {
    throw MappingError{path + ": role " + (role ? quote(*role) : std::string("absent")) + " is not system, user, assistant or tool"};
  }
  Message message;
  message.role = std::string(*role);
  if (auto id = text(find_member(m, "id"))) message.id = std::string(*id);
  bool resolved = false;
  const Value* content = find_member(m, "content");
  if (content == nullptr || content->IsNull()) {
    message.content = "null";
  } else if (content->IsString()) {
    message.content = text_json(*content, state, resolved);
  } else if (content->IsArray()) {
    map_parts(*content, message, state, resolved);
  } else {
    message.content = quote(json_of(*content));  // not chat content: kept whole, as text
    message.extra.emplace_back("content_not_text", "true");
  }
  const Value* calls = find_present(m, "tool_calls");
  if (calls != nullptr && !calls->IsArray()) throw MappingError{path + ".tool_calls: not an array"};
  if (calls != nullptr && !calls->Empty()) {
    if (message.role != "assistant") throw MappingError{path + ": tool calls on a message of role " + message.role};
    map_tool_calls(*calls, message, path, state, warn);
    if (message.content == "\"\"") message.content = "null";
  }
  if (message.role == "assistant") {
    if (auto model = text(find_member(m, "model"))) message.model = std::string(*model);
  }
  if (message.role == "tool") {
    const std::string named(text(find_member(m, "tool_call_id")).value_or(""));
    message.tool_call_id = state.ledger.answer(named);
    if (message.tool_call_id.empty()) {
      // A result of no call in this sample (a log edited or cut short): kept as it is.
      message.tool_call_id = named.empty() ? path : named;
      if (named.empty()) warn(path + ": a tool result without tool_call_id: named " + quote(path));
      message.extra.emplace_back("answers_no_call", "true");
    }
    if (auto function = text(find_member(m, "function"))) message.name = std::string(*function);
    const Value* error = find_member(m, "error");
    message.is_error = error != nullptr && !error->IsNull();
    if (message.content == "null") message.content = "\"\"";
  }
  if (resolved) message.extra.emplace_back("attachments_resolved", "true");
  // source, metadata, error, internal, ...
  if (message.role == "tool") {
    agent::keep_members(m, {"role", "id", "content", "tool_call_id", "function"}, message.extra);
  } else {
    agent::keep_members(m, {"role", "id", "content", "tool_calls", "model"}, message.extra);
  }
  state.messages.push_back(message.json());
}

/// Events as stored, except that a model event's `input` whose every message is one of the
/// sample's messages (by id, or by equal JSON when it has none) becomes
/// `input_message_indexes`, their positions in the session's messages.
std::string events_json(const Value& events, const Value& messages) {
  std::map<std::string, size_t> by_id;
  std::map<std::string, size_t> by_json;
  for (rapidjson::SizeType i = 0; i < messages.Size(); ++i) {
    if (auto id = text(find_member(messages[i], "id"))) by_id.emplace(std::string(*id), i);
    else by_json.emplace(json_of(messages[i]), i);
  }
  std::string out = "[";
  for (const Value& event : events.GetArray()) {
    if (out.size() > 1) out += ',';
    const Value* input = find_member(event, "input");
    const auto type = text(find_member(event, "event"));
    std::string indexes;
    bool all_found = type && *type == "model" && input != nullptr && input->IsArray();
    for (rapidjson::SizeType i = 0; all_found && i < input->Size(); ++i) {
      const Value& m = (*input)[i];
      auto id = text(find_member(m, "id"));
      const auto found = id ? by_id.find(std::string(*id)) : by_json.find(json_of(m));
      all_found = found != (id ? by_id.end() : by_json.end());
      if (all_found) indexes += (indexes.empty() ? "" : ",") + std::to_string(found->second);
    }
    if (!all_found) {
      out += json_of(event);
      continue;
    }
    out += '{';
    bool first = true;
    for (const auto& member : event.GetObject()) {
      out += first ? "" : ",";
      first = false;
      if (string_of(member.name) == "input") {
        out += "\"input_message_indexes\":[" + indexes + "]";
      } else {
        out += quote(string_of(member.name)) + ":" + json_of(member.value);
      }
    }
    out += '}';
  }
  return out + "]";
}

/// The primary scorer: the first of the task's scorers (eval.scorers, in order) the sample
/// has a score of; else the sample's first score.
std::string primary_scorer(const Value& scores, const Value& eval) {
  if (const Value* scorers = find_present(eval, "scorers"); scorers != nullptr && scorers->IsArray()) {
    for (const Value& scorer : scorers->GetArray()) {
      const auto name = text(find_member(scorer, "name"));
      if (name && find_member(scores, std::string(*name).c_str()) != nullptr) return std::string(*name);
    }
  }
  return scores.MemberCount() > 0 ? std::string(string_of(scores.MemberBegin()->name)) : std::string();
}

void map_scores(const Value& sample, const Value& eval, Record& out, const std::string& where, const Warn& warn) {
  const Value* scores = find_present(sample, "scores");
  if (scores == nullptr || !scores->IsObject()) return;
  std::string numbers;
  for (const auto& member : scores->GetObject()) {
    const Value* value = find_member(member.value, "value");
    if (value == nullptr) continue;
    if (auto converted = inspect::score_value(*value)) {
      numbers += (numbers.empty() ? "{" : ",") + quote(string_of(member.name)) + ":" +
                 (value->IsNumber() ? json_of(*value) : number_json(*converted));
    } else if (value->IsString()) {
      warn(where + ".scores." + std::string(string_of(member.name)) + ": value " + json_of(*value) +
           " is not a number Inspect can read: no reward from it");
    }
  }
  if (!numbers.empty()) out.set("scores", numbers + "}");
  const std::string primary = primary_scorer(*scores, eval);
  const Value* value = primary.empty() ? nullptr : find_member((*scores)[primary.c_str()], "value");
  if (value == nullptr) return;
  if (auto converted = inspect::score_value(*value)) {
    out.set("reward", value->IsNumber() ? json_of(*value) : number_json(*converted));
    out.set_text("reward_source", "scores." + primary + ".value");
  }
}

/// Usage of the whole sample: model_usage summed over its models; without it, the usage of
/// every model event. Each count stays unknown until a source has it.
void map_usage(const Value& sample, Record& out) {
  agent::UsageCounts sum;
  const auto add = [](std::optional<int64_t>& to, const Value* from) {
    if (auto n = integer(from); n && *n >= 0) to = to.value_or(0) + *n;
  };
  const auto add_usage = [&](const Value& usage) {
    add(sum.input, find_member(usage, "input_tokens"));
    add(sum.output, find_member(usage, "output_tokens"));
    add(sum.total, find_member(usage, "total_tokens"));
    add(sum.cache_read, find_member(usage, "input_tokens_cache_read"));
    add(sum.cache_creation, find_member(usage, "input_tokens_cache_write"));
    add(sum.reasoning, find_member(usage, "reasoning_tokens"));
  };
  if (const Value* by_model = find_present(sample, "model_usage"); by_model != nullptr && by_model->IsObject()) {
    for (const auto& m : by_model->GetObject()) add_usage(m.value);
  } else if (const Value* events = find_present(sample, "events"); events != nullptr && events->IsArray()) {
    for (const Value& event : events->GetArray()) {
      const auto type = text(find_member(event, "event"));
      const Value* output = type && *type == "model" ? find_present(event, "output") : nullptr;
      const Value* usage = output != nullptr ? find_present(*output, "usage") : nullptr;
      if (usage != nullptr && usage->IsObject()) add_usage(*usage);
    }
  }
  if (sum.known()) out.set("usage", sum.json());
}

/// Reductions (epoch-reduced scores, per scorer) that name this sample.
std::string reductions_of(const Value& reductions, const Value* sample_id) {
  if (sample_id == nullptr) return {};
  const std::string id = text_or_json(*sample_id);
  std::string out;
  for (const Value& reduction : reductions.GetArray()) {
    const Value* samples = find_present(reduction, "samples");
    if (samples == nullptr || !samples->IsArray()) continue;
    for (const Value& score : samples->GetArray()) {
      const Value* named = find_member(score, "sample_id");
      if (named == nullptr || text_or_json(*named) != id) continue;
      const std::string rest = agent::rest_json(reduction, {"samples"});
      out += (out.empty() ? "[" : ",") + (rest.empty() ? std::string("{") : rest.substr(0, rest.size() - 1) + ",") +
             "\"sample\":" + json_of(score) + "}";
    }
  }
  return out.empty() ? out : out + "]";
}

std::string map_sample(const Value& sample, const Value& log, const Value& eval, const std::string& where, const MapContext& context) {
  if (!sample.IsObject()) throw MappingError{where + ": a sample is not an object"};
  Record out;
  out.reset(nullptr, {});
  const Value* id = find_present(sample, "id");
  if (id == nullptr || !(id->IsString() || id->IsNumber())) throw MappingError{where + ": a sample without an id"};
  const Value* epoch = find_present(sample, "epoch");
  const std::string epoch_text = epoch != nullptr ? text_or_json(*epoch) : "1";
  if (epoch == nullptr) context.warn(where + ": a sample without epoch: taken as epoch 1");
  std::string run;
  if (auto eval_id = text(find_member(eval, "eval_id"))) {
    run = std::string(*eval_id);
  } else if (auto run_id = text(find_member(eval, "run_id"))) {
    run = std::string(*run_id) + ":" + std::string(text(find_member(eval, "task_id")).value_or(text(find_member(eval, "task")).value_or("")));
  } else {
    throw MappingError{"eval: neither eval_id nor run_id to name the sessions"};
  }
  out.set_text("session_id", run + ":" + text_or_json(*id) + ":" + epoch_text);

  SampleState state;
  state.attachments = find_present(sample, "attachments");
  const Value* messages = find_present(sample, "messages");
  if (messages != nullptr && !messages->IsArray()) throw MappingError{where + ".messages: not an array"};
  if (messages != nullptr) {
    for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
      map_message((*messages)[i], where + ".messages[" + std::to_string(i) + "]", state, context.warn);
    }
  }
  out.set("messages", array_json(state.messages));
  map_scores(sample, eval, out, where, context.warn);

  const Value* output = find_present(sample, "output");
  if (auto model = text(output != nullptr ? find_member(*output, "model") : nullptr)) {
    out.set_text("model", *model);
    out.set_text("model_source", "sample.output.model");
  } else if (auto eval_model = text(find_member(eval, "model"))) {
    out.set_text("model", *eval_model);
    out.set_text("model_source", "eval.model");
  }
  if (auto task = text(find_member(eval, "task"))) out.set_text("env", *task);
  out.set_text("task_id", text_or_json(*id));
  out.set_text("trial_id", epoch_text);
  if (auto run_id = text(find_member(eval, "run_id"))) out.set_text("experiment_id", *run_id);
  const Value* error = find_present(sample, "error");
  if (error != nullptr) {
    out.set_text("status", "error");
    const auto message = error->IsObject() ? text(find_member(*error, "message")) : text(error);
    out.set_text("error", message && !message->empty() ? *message : std::string_view("error"));
  } else if (find_present(sample, "limit") != nullptr) {
    out.set_text("status", "limit");
  } else {
    out.set_text("status", "completed");
  }
  const Value* started = find_present(sample, "started_at");
  out.set_time("created_at", "original_created_at", started != nullptr ? started : find_present(eval, "created"), context.warn);
  if (auto ended = agent::instant_of(find_present(sample, "completed_at"))) out.set_text("ended_at", libstream::format_instant(*ended));
  map_usage(sample, out);
  if (const Value* events = find_present(sample, "events"); events != nullptr && events->IsArray()) {
    static const Value kNone(rapidjson::kArrayType);
    out.set("events", events_json(*events, messages != nullptr ? *messages : kNone));
  }
  std::string source = "{\"format\":\"inspect-ai\"";
  if (const Value* version = find_present(log, "version"); version != nullptr && version->IsNumber()) source += ",\"version\":" + json_of(*version);
  const Value* packages = find_present(eval, "packages");
  if (auto inspect_version = text(packages != nullptr ? find_member(*packages, "inspect_ai") : nullptr)) {
    source += ",\"inspect_ai\":" + quote(*inspect_version);
  }
  out.set("source", source + "}");
  // Everything else of the sample (input, target, metadata, scores as written, store, output,
  // attachments, timing, uuid, ...), then what the log says of the whole run.
  out.keep_rest(sample, {"messages", "events", "completed_at"});
  for (const auto& m : log.GetObject()) {
    const std::string_view key = string_of(m.name);
    if (key == "samples") continue;
    if (key == "reductions") {
      if (m.value.IsArray()) {
        const std::string mine = reductions_of(m.value, id);
        if (!mine.empty()) out.extra("reductions", mine);
      } else if (!m.value.IsNull()) {
        out.extra("log_reductions", json_of(m.value));
      }
      continue;
    }
    out.extra("log_" + std::string(key), json_of(m.value));
  }
  std::string line;
  out.finish(line);
  return line;
}

bool recognise(const Value& r) {
  const Value* eval = find_member(r, "eval");
  if (eval == nullptr || !eval->IsObject() || find_member(r, "version") == nullptr) return false;
  return find_member(r, "samples") != nullptr || find_member(r, "stats") != nullptr || find_member(r, "plan") != nullptr;
}

void map_sessions(const Value& r, const MapContext& context, std::vector<std::string>& sessions) {
  const Value& eval = r["eval"];
  const Value* samples = find_present(r, "samples");
  if (samples == nullptr) {
    context.warn("an Inspect AI log without samples (written with log_samples off, or a header alone): no session");
    return;
  }
  if (!samples->IsArray()) throw MappingError{"samples: not an array"};
  for (rapidjson::SizeType i = 0; i < samples->Size(); ++i) {
    sessions.push_back(map_sample((*samples)[i], r, eval, "samples[" + std::to_string(i) + "]", context));
  }
}

}  // namespace

extern const DialectSpec kInspectAi{"inspect-ai", "eval object and version, with samples, stats or plan",
                                    "Inspect AI evaluation logs", recognise, nullptr, nullptr, map_sessions};

}  // namespace tracemill::normalize

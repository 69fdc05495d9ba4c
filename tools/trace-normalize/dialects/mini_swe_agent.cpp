// mini-swe-agent trajectories (.traj.json): {info, messages, trajectory_format:
// "mini-swe-agent-1"|"mini-swe-agent-1.1", instance_id?}, and the v0 form, a bare JSON array of
// {role, content} messages, which trace-read frames one message per record: those records are
// the `message-array` dialect, collected into one session per array.
#include "harness_common.hpp"

#include <libstream/hash.hpp>

#include <set>

namespace tracemill::normalize {
namespace {

/// One chat message of a mini-swe-agent list; `exit` (1.1: the run's end, the submission as
/// content, exit_status in extra) was never shown to a model and is not one: nullopt.
std::optional<std::string> chat_message(const Value& item, size_t index, Embedded& embedded, harness::TokenCounts& session_usage,
                                        std::string& model) {
  const std::string role(text(find_member(item, "role")).value_or(""));
  Message message;
  message.role = role_of_type(role);
  if (message.role.empty()) {
    if (role == "exit") return std::nullopt;
    throw MappingError{"messages[" + std::to_string(index) + "]: role " + quote(role) + " is not system, user, assistant, tool or exit"};
  }
  if (message.role != role) message.original_role = role;
  set_content(item, message, "call_" + std::to_string(index), embedded);  // unmapped members land in extra
  std::vector<std::pair<std::string, std::string>> members;
  const Value* extra = find_present(item, "extra");
  const Value* response = extra != nullptr ? find_present(*extra, "response") : nullptr;
  if (response != nullptr && response->IsObject()) {
    if (const Value* usage = find_present(*response, "usage"); usage != nullptr && usage->IsObject()) {
      harness::TokenCounts call;
      call.add_usage(*usage);
      if (call.known()) {
        members.emplace_back("usage", call.json());
        session_usage.add(call);
      }
    }
    if (auto m = text(find_member(*response, "model")); m && !m->empty()) {
      members.emplace_back("model", quote(*m));
      if (model.empty()) model = std::string(*m);
    }
  }
  if (extra != nullptr) {
    if (const Value* at = find_present(*extra, "timestamp")) {
      if (std::string when = harness::instant_text(at); !when.empty()) members.emplace_back("created_at", quote(when));
    }
  }
  return harness::with_members(message.json(), members);
}

void map_messages(const Value& list, Record& out, std::string& model) {
  Embedded embedded;
  harness::TokenCounts usage;
  std::vector<std::string> messages, env_messages;
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    const Value& item = list[i];
    if (!item.IsObject()) throw MappingError{"messages[" + std::to_string(i) + "] is not an object"};
    if (auto message = chat_message(item, i, embedded, usage, model)) {
      messages.push_back(std::move(*message));
    } else {
      env_messages.push_back(json_of(item));
      const Value* extra = find_present(item, "extra");
      if (auto status = text(extra != nullptr ? find_member(*extra, "exit_status") : nullptr); status && !out.has("status")) {
        out.set_text("status", *status);
      }
    }
  }
  out.set("messages", array_json(messages));
  if (!env_messages.empty()) out.set("env_messages", array_json(env_messages));
  if (usage.known()) out.set("usage", usage.json());
}

void map_traj(const Value& r, const MapContext& context, Record& out) {
  const Value* list = find_present(r, "messages");
  if (list == nullptr || !list->IsArray()) throw MappingError{"a mini-swe-agent trajectory needs a messages array"};
  const Value* info = find_present(r, "info");
  if (info != nullptr && !info->IsObject()) info = nullptr;
  const std::string stem = harness::file_stem(harness::record_file(r, context.file));
  if (auto id = text(find_member(r, "instance_id")); id && !id->empty()) {
    out.set_text("session_id", *id);
    out.set_text("task_id", *id);
  } else if (!stem.empty()) {
    out.set_text("session_id", stem);
  } else {
    out.set_text("session_id", harness::content_id("mini-swe-agent-", *list));
    context.warn("no instance_id and no file name: session_id made from the messages");
  }
  std::string model;
  map_messages(*list, out, model);
  std::optional<std::string_view> version;
  std::string config_model;
  if (info != nullptr) {
    if (auto status = text(find_member(*info, "exit_status")); status && !status->empty()) out.set_text("status", *status);
    version = text(find_member(*info, "mini_version"));
    if (const Value* stats = find_present(*info, "model_stats"); stats != nullptr && stats->IsObject()) {
      if (auto cost = number(find_present(*stats, "instance_cost"))) out.set("cost_usd", number_json(*cost));
    }
    if (const Value* config = find_present(*info, "config"); config != nullptr && config->IsObject()) {
      out.set("config", json_of(*config));
      const Value* m = find_present(*config, "model");
      if (auto name = text(m != nullptr ? find_member(*m, "model_name") : nullptr)) config_model = std::string(*name);
    }
    out.extra("info", json_of(*info));
  }
  if (!config_model.empty()) {
    out.set_text("model", config_model);
    out.set_text("model_source", "config");
  } else if (!model.empty()) {
    out.set_text("model", model);
    out.set_text("model_source", "event");
  }
  std::string format(text(find_member(r, "trajectory_format")).value_or("mini-swe-agent"));
  std::string source = harness::source_json("mini-swe-agent", version, find_present(r, "_source"));
  source.insert(source.size() - 1, ",\"trajectory_format\":" + quote(format));
  out.set("source", source);
  out.keep_rest(r, {"messages", "info", "instance_id", "trajectory_format", "_source"});
}

bool recognise(const Value& r) {
  const Value* list = find_member(r, "messages");
  if (list == nullptr || !list->IsArray()) return false;
  if (auto format = text(find_member(r, "trajectory_format"))) return format->rfind("mini-swe-agent", 0) == 0;
  const Value* info = find_member(r, "info");
  return info != nullptr && info->IsObject() && (find_member(*info, "mini_version") != nullptr ||
                                                 (find_member(*info, "model_stats") != nullptr && find_member(*info, "exit_status") != nullptr));
}

// ---- message-array: a JSON array of chat messages, one record per message ----

const std::set<std::string_view> kMessageMembers = {"role", "content", "name", "tool_calls", "tool_call_id", "extra",
                                                    "function_call", "provider_specific_fields", "_source"};

/// A record that is one chat message and nothing else.
bool is_message_record(const Value& r) {
  if (!r.IsObject() || !text(find_member(r, "role")) || find_member(r, "content") == nullptr) return false;
  for (const auto& m : r.GetObject()) {
    if (kMessageMembers.count(string_of(m.name)) == 0) return false;
  }
  return true;
}

bool recognise_message(const Value& r) { return is_message_record(r); }

/// A system message opens a new conversation; so does a record of another file (--with-source).
std::string message_session_key(const Value& r) {
  if (const Value* provenance = find_present(r, "_source")) {
    if (auto f = text(find_member(*provenance, "file"))) return std::string(*f);
  }
  return text(find_member(r, "role")).value_or("") == "system" ? std::string(kStartsSession) : std::string();
}

void map_message_array(const std::vector<SessionLine>& lines, const MapContext& context, Record& out) {
  rapidjson::Document list(rapidjson::kArrayType);
  uint64_t hash = 0;
  for (const SessionLine& line : lines) {
    Value copy(*line.value, list.GetAllocator());
    if (copy.IsObject()) copy.RemoveMember("_source");
    list.PushBack(copy, list.GetAllocator());
    const rapidjson::StringBuffer& text_of = serialise(*line.value);
    hash = libstream::content_hash(std::string_view(text_of.GetString(), text_of.GetSize())) ^ (hash * 0x100000001b3ULL);
  }
  const std::string stem = harness::file_stem(harness::record_file(*lines.front().value, context.file));
  out.set_text("session_id", !stem.empty() ? stem : hex_id("messages-", hash));
  std::string model;
  map_messages(list, out, model);
  if (!model.empty()) {
    out.set_text("model", model);
    out.set_text("model_source", "event");
  }
  out.set("source", harness::source_json("message-array", std::nullopt, find_present(*lines.front().value, "_source")));
}

const LineRules kMessageLines{is_message_record, message_session_key, map_message_array};

}  // namespace

extern const DialectSpec kMiniSweAgent{"mini-swe-agent", "messages with trajectory_format mini-swe-agent-* (or info.mini_version)",
                                       "mini-swe-agent", recognise, map_traj, nullptr};
extern const DialectSpec kMessageArray{"message-array", "a record that is one {role, content} message: a JSON array of them",
                                       "mini-swe-agent", recognise_message, nullptr, &kMessageLines};

}  // namespace tracemill::normalize

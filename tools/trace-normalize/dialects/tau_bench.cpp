// tau-bench results: an episode {task_id, trial, reward, info, traj: [OpenAI chat messages]}
// (a results file is a JSON array of them, which trace-read splits into records), and the
// few-shot files' flattened transcripts {messages_display: "user: ...\nassistant: ..."}.
#include "eval_common.hpp"

#include <libstream/hash.hpp>

namespace tracemill::normalize {
namespace {


bool recognise_episode(const Value& r) {
  const Value* traj = find_member(r, "traj");
  return traj != nullptr && traj->IsArray() && find_member(r, "task_id") != nullptr;
}

void map_episode(const Value& r, const MapContext& context, Record& out) {
  const Value* traj = find_member(r, "traj");
  if (traj == nullptr || !traj->IsArray()) throw MappingError{"a tau-bench episode needs a traj array"};
  // Episodes carry no id: task and trial name it, and a hash of the episode keeps two runs'
  // episodes of one task apart.
  const Value* task = find_present(r, "task_id");
  const Value* trial = find_present(r, "trial");
  std::string id = "tau-bench-task" + (task != nullptr ? text_or_json(*task) : std::string("?"));
  if (trial != nullptr) id += "-trial" + text_or_json(*trial);
  out.set_text("session_id", content_id(id + "-", r));
  std::vector<std::string> messages;
  evals::CallLedger ledger;
  evals::append_openai_messages(*traj, "traj", messages, ledger, context.warn);
  out.set("messages", array_json(messages));
  if (const Value* reward = find_present(r, "reward"); reward != nullptr && reward->IsNumber()) {
    out.set("reward", json_of(*reward));
    out.set_text("reward_source", "reward");
  }
  if (task != nullptr) out.set_text("task_id", text_or_json(*task));
  if (trial != nullptr) out.set_text("trial_id", text_or_json(*trial));
  out.set("source", "{\"format\":\"tau-bench\"}");
  if (messages.empty()) context.warn("a tau-bench episode with an empty traj");
  out.keep_rest(r, {"traj", "reward", "task_id", "trial"});
}

bool recognise_display(const Value& r) {
  const Value* display = find_member(r, "messages_display");
  return display != nullptr && display->IsString();
}

/// "user: ...\nassistant: ...\ntool: ...": a line starting with a role and ": " opens a
/// message, other lines continue the open one. The transcript holds no tool calls (an
/// assistant turn that called a tool reads "assistant: None"), so tool outputs cannot answer
/// a call: they become user messages with original_role "tool". Every text is kept verbatim.
void map_display(const Value& r, const MapContext& context, Record& out) {
  const Value* display = find_member(r, "messages_display");
  if (display == nullptr || !display->IsString()) throw MappingError{"messages_display is not a string"};
  const std::string_view all = string_of(*display);
  std::vector<std::string> messages;
  Message open;
  std::string body;
  bool has_open = false;
  const auto close = [&] {
    if (!has_open) return;
    open.content = quote(body);
    messages.push_back(open.json());
  };
  size_t start = 0;
  while (start <= all.size()) {
    size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view line = all.substr(start, end - start);
    std::string role;
    for (const char* prefix : {"system", "user", "assistant", "tool"}) {
      const std::string p = std::string(prefix) + ": ";
      if (line.substr(0, p.size()) == p) role = prefix;
    }
    if (!role.empty()) {
      close();
      open = Message();
      open.role = role == "tool" ? "user" : role;
      if (role == "tool") open.original_role = "tool";
      // A tool output keeps its "tool: " label: the user turn then says what it is (and an
      // empty output is not an empty message).
      body.assign(role == "tool" ? line : line.substr(role.size() + 2));
      has_open = true;
    } else if (has_open) {
      body += '\n';
      body += line;
    } else if (!line.empty()) {
      throw MappingError{"messages_display does not start with \"user: \", \"assistant: \", \"system: \" or \"tool: \""};
    }
    start = end + 1;
  }
  close();
  out.set_text("session_id", hex_id("tau-bench-txt-", libstream::content_hash(all)));
  out.set("messages", array_json(messages));
  out.set("source", "{\"format\":\"tau-bench-txt\"}");
  if (messages.empty()) context.warn("an empty messages_display");
  out.keep_rest(r, {"messages_display"});
}

}  // namespace

extern const DialectSpec kTauBench{"tau-bench", "traj array with task_id", "tau-bench and tau2-bench results",
                                   recognise_episode, map_episode, nullptr};
extern const DialectSpec kTauBenchDisplay{"tau-bench-txt", "messages_display string (a flattened transcript)",
                                          "tau-bench and tau2-bench results", recognise_display, map_display, nullptr};

}  // namespace tracemill::normalize

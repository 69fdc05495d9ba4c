#include "pair.hpp"

#include "validate.hpp"

#include <libstream/document.hpp>
#include <libstream/hash.hpp>
#include <libstream/json.hpp>
#include <libstream/chat_tokens.hpp>
#include <libstream/tokens.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

namespace tracemill {

using rapidjson::Value;

namespace {


void append_value(std::string& out, const Value& value) {
  static_cast<void>(libstream::append_json_value(out, value));  // false only on NaN, which no parsed record holds
}

void append_member(std::string& out, const char* key, const Value* value) {
  out += ",\"";
  out += key;
  out += "\":";
  if (value == nullptr) {
    out += "null";
  } else {
    append_value(out, *value);
  }
}

}  // namespace

Pairer::Pairer(const PairOptions& options)
    : options_(options),
      weights_(options.weights.value_or(options.mode == PairMode::turn ? WeightPolicy::last : WeightPolicy::all)) {}

bool Pairer::serialize(const Value& message, Message& out, std::string& problem) {
  const Value* role = libstream::find_member(message, "role");
  if (role == nullptr || !role->IsString()) {
    problem = "a message without a string role";
    return false;
  }
  const std::string_view role_name = libstream::string_of(*role);
  if (role_name == "system") {
    out.role = Role::system;
  } else if (role_name == "user") {
    out.role = Role::user;
  } else if (role_name == "assistant") {
    out.role = Role::assistant;
  } else if (role_name == "tool") {
    out.role = Role::tool;
  } else {
    problem = "role \"" + std::string(role_name) + "\" is not system, user, assistant or tool (normalise to trace/v1 first)";
    return false;
  }
  out.call_ids.clear();
  out.answers.clear();
  std::string& b = out.bytes;
  b.assign("{\"role\":\"");
  b.append(role_name);
  b += '"';
  const Value* content = libstream::find_member(message, "content");
  const Value* calls = libstream::find_member(message, "tool_calls");
  const bool has_calls = calls != nullptr && calls->IsArray() && !calls->Empty();
  if (has_calls && out.role != Role::assistant) {
    problem = "tool_calls on a message of role " + std::string(role_name);
    return false;
  }
  if (out.role == Role::system && options_.system_prompt) {
    b += ",\"content\":";
    libstream::append_json_string(b, *options_.system_prompt);
  } else if (has_calls && options_.tool_format == ToolFormat::synth) {
    b += ",\"content\":";  // synth-ai's form: the tool calls are the content
    if (!append_object_calls(*calls, b, problem)) return false;
  } else if (content != nullptr || out.role == Role::assistant) {
    append_member(b, "content", content);
  }
  if (const Value* name = libstream::find_member(message, "name"); name != nullptr && out.role != Role::tool) append_member(b, "name", name);
  if (has_calls && options_.tool_format == ToolFormat::openai) {
    append_member(b, "tool_calls", calls);
  } else if (has_calls && options_.tool_format == ToolFormat::hf) {
    b += ",\"tool_calls\":";
    if (!append_object_calls(*calls, b, problem)) return false;
  }
  if (has_calls) {
    pending_.clear();  // the calls a following tool message may answer
    for (const Value& call : calls->GetArray()) {
      const Value* id = libstream::find_member(call, "id");
      const Value* function = libstream::find_member(call, "function");
      const Value* name = function != nullptr ? libstream::find_member(*function, "name") : nullptr;
      pending_.emplace_back(id != nullptr && id->IsString() ? std::string(libstream::string_of(*id)) : std::string(),
                            name != nullptr && name->IsString() ? std::string(libstream::string_of(*name)) : std::string());
      if (id != nullptr && id->IsString()) out.call_ids.emplace_back(libstream::string_of(*id));
    }
  }
  if (out.role == Role::tool) {
    const Value* call_id = libstream::find_member(message, "tool_call_id");
    std::string id = call_id != nullptr && call_id->IsString() ? std::string(libstream::string_of(*call_id)) : std::string();
    if (id.empty()) {
      // No id (or null): the call it answers, by the message's name, else the first one not
      // answered yet. Counted; without any such call the id stays out and the example fails
      // its check (on_invalid), never written with a null id.
      const Value* own_name = libstream::find_member(message, "name");
      size_t k = 0;
      while (k < pending_.size() && own_name != nullptr && own_name->IsString() && pending_[k].second != libstream::string_of(*own_name)) ++k;
      if (k == pending_.size()) k = 0;
      if (k < pending_.size() && !pending_[k].first.empty()) {
        id = pending_[k].first;
        if (result_ != nullptr) ++result_->recovered_ids;
      }
    }
    for (size_t k = 0; k < pending_.size(); ++k) {
      if (!id.empty() && pending_[k].first == id) {
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
    }
    if (options_.tool_format != ToolFormat::hf) {
      if (!id.empty()) {
        b += ",\"tool_call_id\":";
        libstream::append_json_string(b, id);
        out.answers = id;
      }
    } else {
      const auto it = call_names_.find(id);
      const Value* own_name = libstream::find_member(message, "name");
      b += ",\"name\":";
      if (it != call_names_.end()) {
        libstream::append_json_string(b, it->second);
      } else if (own_name != nullptr && own_name->IsString()) {
        append_value(b, *own_name);
      } else {
        b += "null";
        if (result_ != nullptr) ++result_->unknown_results;
      }
    }
  }
  // Only --max-tokens reads the count: counting every message otherwise would cost a third of
  // turn mode. Exact: the message as written, as OpenAI counts it (3, its values, 1 per name).
  // The estimate counts the JSON punctuation too: an upper bound.
  if (options_.max_tokens > 0 && options_.counter != nullptr) {
    rapidjson::Document written;
    written.Parse((b + '}').c_str());
    out.tokens = libstream::count_message_tokens(*options_.counter, written);
  } else {
    out.tokens = options_.max_tokens > 0 ? 3 + libstream::estimate_tokens(b) : 0;
  }
  if (out.role == Role::assistant) {
    out.masked_bytes.assign(b);
    out.masked_bytes += ",\"weight\":0}";
  }
  b += '}';
  if (options_.tool_format == ToolFormat::openai && on_invalid) check_own_rules(out);
  return true;
}

namespace {

// The findings a message checked alone (ValidateOptions::example_rules off) may still carry
// that are left to the example's own check: a tool call id repeated, a tool_call_id that is
// not a string (passes_rules fails such an example, which is then checked whole).
bool spans_messages(const Finding& error) {
  const std::string_view code = error.code;
  return code == "tool_call_id_unknown" || code == "duplicate_tool_call_id";
}

}  // namespace

void Pairer::check_own_rules(Message& m) {
  example_.assign("{\"messages\":[");
  example_ += m.bytes;
  example_ += "]}";
  const Value* parsed = example_parser_.parse(example_.data(), example_.size(), nullptr);
  if (parsed == nullptr) {
    m.own_rules_pass = false;
    return;
  }
  RecordCheck check;
  ValidateOptions rules;
  rules.count_tokens = false;
  rules.example_rules = false;
  check_openai_chat(*parsed, rules, check);
  // The masked form differs by "weight":0 alone, which the rules allow on an assistant message.
  m.own_rules_pass = std::all_of(check.errors.begin(), check.errors.end(), spans_messages);
}

bool Pairer::passes_rules(const std::vector<size_t>& picked, size_t last_assistant) {
  issued_.clear();
  bool trainable = false;
  for (size_t k = 0; k < picked.size(); ++k) {
    const Message& m = messages_[picked[k]];
    if (!m.own_rules_pass) return false;
    if (m.role == Role::assistant) {
      trainable = trainable || weights_ != WeightPolicy::last || k == last_assistant;
      for (const std::string& id : m.call_ids) {
        if (!issued_.insert(id).second) return false;
      }
    } else if (m.role == Role::tool && (m.answers.empty() || issued_.count(m.answers) == 0)) {
      return false;
    }
  }
  return trainable;
}

void Pairer::fit_budget(std::vector<size_t>& picked, PairResult& result) const {
  uint64_t total = 3;  // reply priming, as the cookbook counts
  for (size_t k : picked) total += messages_[k].tokens;
  bool trimmed = false;
  while (total > options_.max_tokens) {
    // The oldest turn: from the first non-system message up to the next user message. The
    // target's own turn (holding the last message) and system messages are never dropped;
    // a whole turn goes, so no tool result loses its call.
    size_t begin = 0;
    while (begin < picked.size() && messages_[picked[begin]].role == Role::system) ++begin;
    size_t end = begin + 1;
    while (end < picked.size() && messages_[picked[end]].role != Role::user) ++end;
    if (begin >= picked.size() || end >= picked.size()) break;  // only system + the target's turn left
    for (size_t k = begin; k < end; ++k) total -= messages_[picked[k]].tokens;
    picked.erase(picked.begin() + static_cast<std::ptrdiff_t>(begin), picked.begin() + static_cast<std::ptrdiff_t>(end));
    trimmed = true;
  }
  result.trimmed += trimmed;
  result.over_budget += total > options_.max_tokens;
}

void Pairer::emit_example(const std::vector<size_t>& all_picked, const std::string& extra_metadata,
                          libstream::BufferedSink& out, PairResult& result) {
  std::vector<size_t> trimmed;  // a copy only when a budget may drop turns
  if (options_.max_tokens > 0) {
    trimmed = all_picked;
    fit_budget(trimmed, result);
  }
  const std::vector<size_t>& picked = options_.max_tokens > 0 ? trimmed : all_picked;
  size_t last_assistant = picked.size();
  for (size_t k = 0; k < picked.size(); ++k) {
    if (messages_[picked[k]].role == Role::assistant) last_assistant = k;
  }
  const auto bytes_of = [&](size_t k) -> const std::string& {
    const Message& m = messages_[picked[k]];
    const bool masked = weights_ == WeightPolicy::last && m.role == Role::assistant && k != last_assistant;
    return masked ? m.masked_bytes : m.bytes;
  };
  if (options_.dedup) {  // the hash of the messages part, piece by piece
    uint64_t hash = libstream::fnv1a64("[");
    for (size_t k = 0; k < picked.size(); ++k) hash = libstream::fnv1a64(bytes_of(k), libstream::fnv1a64(",", hash));
    if (!seen_.insert(libstream::fmix64(hash)).second) {
      ++result.duplicates;
      return;
    }
  }
  if (options_.tool_format == ToolFormat::openai && on_invalid && !passes_rules(picked, last_assistant)) {
    // Checked against trace-validate's openai-chat rules before it goes out: an example that
    // would fail them (a tool result whose call was trimmed away, a call without a name) is
    // set aside with its reasons, never written. Each message was checked once on its own;
    // only an example whose messages or cross-message rules fail that test is read again
    // whole, for the verdict and its reasons (checking every example whole grew with the
    // square of a session's turns).
    example_.assign("{\"messages\":[");
    for (size_t k = 0; k < picked.size(); ++k) {
      if (k > 0) example_ += ',';
      example_ += bytes_of(k);
    }
    example_ += "]}";
    // libstream's parser (its pool cleared per parse, strings scanned in bulk), and the rules
    // alone: re-reading every example and estimating its tokens was two thirds of the run.
    const Value* parsed = example_parser_.parse(example_.data(), example_.size(), nullptr);
    static const Value kNull;
    RecordCheck check;
    ValidateOptions rules;
    rules.count_tokens = false;
    check_openai_chat(parsed != nullptr ? *parsed : kNull, rules, check);
    if (!check.errors.empty()) {
      ++result.invalid;
      if (options_.metadata) {  // kept whole in --rejects, sidecar or not
        example_.pop_back();
        example_ += metadata_prefix_ + extra_metadata + "}}";
      }
      on_invalid(example_, describe(check.errors));
      return;
    }
  }
  // Written straight into the output buffer: no per-example string (examples share history).
  static constexpr std::string_view kOpen = "{\"messages\":[";
  out.write(kOpen.data(), kOpen.size());
  for (size_t k = 0; k < picked.size(); ++k) {
    if (k > 0) out.put(',');
    const std::string& bytes = bytes_of(k);
    out.write(bytes.data(), bytes.size());
  }
  out.put(']');
  if (options_.metadata && options_.metadata_sink == nullptr) {
    out.write(metadata_prefix_.data(), metadata_prefix_.size());
    out.write(extra_metadata.data(), extra_metadata.size());
    out.put('}');
  }
  out.put('}');
  out.put('\n');
  if (options_.metadata_sink != nullptr) {  // the same object, as a line of its own
    static constexpr std::string_view kMember = ",\"metadata\":";
    libstream::BufferedSink& sidecar = *options_.metadata_sink;
    sidecar.write(metadata_prefix_.data() + kMember.size(), metadata_prefix_.size() - kMember.size());
    sidecar.write(extra_metadata.data(), extra_metadata.size());
    sidecar.put('}');
    sidecar.put('\n');
  }
  ++result.examples;
}

bool Pairer::append_object_calls(const Value& calls, std::string& b, std::string& problem) {
  const bool synth = options_.tool_format == ToolFormat::synth;
  b += '[';
  for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
    const Value& call = calls[i];
    const Value* function = libstream::find_member(call, "function");
    const Value* name = function != nullptr ? libstream::find_member(*function, "name") : nullptr;
    const Value* arguments = function != nullptr ? libstream::find_member(*function, "arguments") : nullptr;
    if (name == nullptr || !name->IsString() || arguments == nullptr || !arguments->IsString()) {
      problem = "a tool call without a function name and arguments string";
      return false;
    }
    if (const Value* id = libstream::find_member(call, "id"); id != nullptr && id->IsString()) {
      call_names_[std::string(id->GetString(), id->GetStringLength())] = std::string(name->GetString(), name->GetStringLength());
    }
    b += i == 0 ? "{" : ",{";
    b += synth ? "\"tool_name\":" : "\"type\":\"function\",\"function\":{\"name\":";
    append_value(b, *name);
    b += ",\"arguments\":";
    if (!libstream::append_compact_json(arguments->GetString(), arguments->GetStringLength(), b, nullptr)) {
      problem = "the arguments of tool call " + std::to_string(i) + " are not JSON text";
      return false;
    }
    b += synth ? "}" : "}}";
  }
  b += ']';
  return true;
}

PairResult Pairer::pair(const Value& session, libstream::BufferedSink& out) {
  PairResult result;
  const Value* messages = libstream::find_member(session, "messages");
  if (messages == nullptr || !messages->IsArray()) {
    result.problem = "no messages array (normalise the record to trace/v1 first)";
    return result;
  }
  call_names_.clear();
  pending_.clear();
  result_ = &result;
  std::vector<size_t> kept;  // messages that go out, in order (system messages may be dropped)
  const bool drop_system = options_.system_prompt && *options_.system_prompt == "none";
  if (messages_.size() < messages->Size()) messages_.resize(messages->Size());
  message_count_ = 0;
  for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
    Message& m = messages_[message_count_];
    if (!serialize((*messages)[i], m, result.problem)) {
      result.problem = "messages[" + std::to_string(i) + "]: " + result.problem;
      result_ = nullptr;
      return result;
    }
    const Value& source = (*messages)[i];
    m.turn.reset();
    m.context.reset();
    if (const Value* turn = libstream::find_member(source, "turn"); turn != nullptr && turn->IsInt64()) m.turn = turn->GetInt64();
    if (const Value* context = libstream::find_member(source, "context_messages"); context != nullptr && context->IsUint64()) {
      m.context = context->GetUint64();
    }
    if (drop_system && m.role == Role::system) continue;
    kept.push_back(message_count_++);
  }

  metadata_prefix_.clear();
  if (options_.metadata) {
    metadata_prefix_ = ",\"metadata\":{\"session_id\":";
    append_value(metadata_prefix_, *libstream::find_member(session, "session_id"));
    for (const char* key : {"env", "policy", "model", "seed", "split", "task_id"}) append_member(metadata_prefix_, key, libstream::find_member(session, key));
    append_member(metadata_prefix_, "total_reward", libstream::find_member(session, "reward"));
    const Value* achievements = libstream::find_member(session, "achievements");
    append_member(metadata_prefix_, "achievements", achievements);
    metadata_prefix_ += ",\"achievements_count\":";
    metadata_prefix_ += achievements != nullptr && achievements->IsArray() ? std::to_string(achievements->Size()) : "null";
    append_member(metadata_prefix_, "created_at", libstream::find_member(session, "created_at"));
  }
  const auto range = [](size_t first, size_t last) {
    return ",\"messages_range\":[" + std::to_string(first) + "," + std::to_string(last) + "]";
  };

  switch (options_.mode) {
    case PairMode::trajectory: {
      bool has_assistant = false;
      for (size_t k : kept) has_assistant = has_assistant || messages_[k].role == Role::assistant;
      if (!has_assistant || kept.empty()) {
        ++result.unanswered;
        break;
      }
      emit_example(kept, range(0, kept.size() - 1), out, result);
      break;
    }
    case PairMode::turn: {
      // One example per assistant message: exactly what the model saw before it, then it.
      uint64_t turn = 0;
      for (size_t k = 0; k < kept.size(); ++k) {
        if (messages_[kept[k]].role != Role::assistant) continue;
        std::vector<size_t> picked = history(kept, k);
        const size_t first = k - picked.size();
        picked.push_back(kept[k]);
        emit_example(picked, ",\"turn\":" + std::to_string(turn++) + range(first, k), out, result);
      }
      if (turn == 0) ++result.unanswered;
      break;
    }
    case PairMode::window:
      pair_windows(session, kept, out, result);
      break;
    case PairMode::preference:
    case PairMode::kto:
      break;  // groups of sessions: run_preference (preference.cpp)
    case PairMode::pairs: {
      // synth-ai's pairs: the nearest system prompt before the user message, the user
      // message, and the next assistant message before any other user message.
      std::optional<size_t> system;
      uint64_t turn = 0;
      for (size_t k = 0; k < kept.size(); ++k) {
        const Role role = messages_[kept[k]].role;
        if (role == Role::system) system = k;
        if (role != Role::user) continue;
        std::optional<size_t> reply;
        for (size_t j = k + 1; j < kept.size(); ++j) {
          if (messages_[kept[j]].role == Role::user) break;
          if (messages_[kept[j]].role == Role::assistant) {
            reply = j;
            break;
          }
        }
        if (!reply) {
          ++result.unanswered;
          continue;
        }
        std::vector<size_t> picked;
        if (system) picked.push_back(kept[*system]);
        picked.push_back(kept[k]);
        picked.push_back(kept[*reply]);
        emit_example(picked, ",\"turn\":" + std::to_string(turn++) + range(system.value_or(k), *reply), out, result);
      }
      break;
    }
  }
  result_ = nullptr;
  return result;
}

std::vector<size_t> Pairer::history(const std::vector<size_t>& kept, size_t k) const {
  size_t first = 0;
  if (const auto& context = messages_[kept[k]].context; context && *context < k) first = k - *context;
  return {kept.begin() + static_cast<std::ptrdiff_t>(first), kept.begin() + static_cast<std::ptrdiff_t>(k)};
}

// Window selection (tools/trace-pair/README.md, "Windows"): the session's turns[] (written by
// trace-normalize) say what each turn gained; a window [s, s+K-1] of turn numbers scores the
// sum over its turns, the first window's baseline being the state before its first turn.
// Starts advance by --stride over the turns that hold an assistant message; windows that
// qualify are taken greedily in start order and never overlap.
void Pairer::pair_windows(const Value& session, const std::vector<size_t>& kept, libstream::BufferedSink& out,
                          PairResult& result) {
  std::map<int64_t, double> gain;  // turn -> score gained in it
  const Value* turns = libstream::find_present(session, "turns");
  const bool by_reward = options_.window_score.rfind("reward:", 0) == 0;
  const std::string reward_type = by_reward ? options_.window_score.substr(7) : std::string();
  if (turns != nullptr && turns->IsArray()) {
    for (const Value& t : turns->GetArray()) {
      const Value* number = libstream::find_member(t, "turn");
      if (number == nullptr || !number->IsInt64()) continue;
      double score = 0;
      if (by_reward) {
        const Value* rewards = libstream::find_present(t, "rewards");
        const Value* value = rewards != nullptr ? libstream::find_present(*rewards, reward_type.c_str()) : nullptr;
        if (value != nullptr && value->IsNumber()) score = value->GetDouble();
      } else if (const Value* unlocked = libstream::find_present(t, "new_achievements"); unlocked != nullptr && unlocked->IsArray()) {
        score = unlocked->Size();
      }
      gain[number->GetInt64()] += score;
    }
  }
  std::map<int64_t, std::vector<size_t>> replies;  // turn -> positions in kept of its assistant messages
  for (size_t k = 0; k < kept.size(); ++k) {
    const Message& m = messages_[kept[k]];
    if (m.role == Role::assistant && m.turn) replies[*m.turn].push_back(k);
  }
  if (turns == nullptr || replies.empty()) {
    ++result.no_turns;
    return;
  }
  const int64_t size = static_cast<int64_t>(options_.window);
  const int64_t last = replies.rbegin()->first;
  std::vector<int64_t> starts;
  for (const auto& [turn, unused] : replies) starts.push_back(turn);
  int64_t used_until = std::numeric_limits<int64_t>::min();  // windows never overlap
  for (size_t i = 0; i < starts.size(); i += options_.stride) {
    const int64_t start = starts[i];
    const int64_t end = start + size - 1;
    if (start <= used_until) continue;
    if (end > last && start != starts.front()) break;  // a short last window only when it is the only one
    double score = 0;
    for (auto it = gain.lower_bound(start); it != gain.end() && it->first <= end; ++it) score += it->second;
    if (score < options_.min_window_reward) continue;
    used_until = end;
    ++result.windows;
    for (auto it = replies.lower_bound(start); it != replies.end() && it->first <= end; ++it) {
      for (size_t k : it->second) {
        std::vector<size_t> picked = history(kept, k);
        const size_t first = k - picked.size();
        picked.push_back(kept[k]);
        rapidjson::StringBuffer number;
        rapidjson::Writer<rapidjson::StringBuffer> writer(number);
        writer.Double(score);
        const std::string score_text(number.GetString(), number.GetSize());
        emit_example(picked,
                     ",\"turn\":" + std::to_string(*messages_[kept[k]].turn) + ",\"window\":[" + std::to_string(start) + "," +
                         std::to_string(end) + "],\"window_score\":" + score_text + ",\"messages_range\":[" +
                         std::to_string(first) + "," + std::to_string(k) + "]",
                     out, result);
      }
    }
  }
}

void add_pair_options(CLI::App& app, PairOptions& options) {
  const std::vector<std::pair<std::string, PairMode>> modes{
      {"trajectory", PairMode::trajectory}, {"turn", PairMode::turn}, {"pairs", PairMode::pairs},
      {"window", PairMode::window}, {"preference", PairMode::preference}, {"kto", PairMode::kto}};
  app.add_option("-m,--mode", options.mode,
                 "trajectory: one example per session; turn: one per assistant message with the history before "
                 "it; pairs: system + user + the next assistant reply (synth-ai); window: turn examples inside "
                 "windows of turns that gained enough; preference: DPO pairs from groups of sessions; kto: labelled "
                 "completions")
      ->transform(libstream::enum_choice(modes))
      ->type_name("trajectory|turn|pairs|window|preference|kto")
      ->default_str("turn");
  const std::vector<std::pair<std::string, ToolFormat>> formats{
      {"openai", ToolFormat::openai}, {"hf", ToolFormat::hf}, {"synth", ToolFormat::synth}};
  app.add_option("--tool-format", options.tool_format,
                 "openai: arguments as a JSON string, tool messages with tool_call_id; hf: arguments as an "
                 "object, tool messages with the function name (Hugging Face/TRL); synth: the calls as the "
                 "assistant content, [{tool_name, arguments}] (synth-ai filter)")
      ->transform(libstream::enum_choice(formats))
      ->type_name("openai|hf|synth")
      ->default_str("openai");
  const std::vector<std::pair<std::string, WeightPolicy>> weights{{"all", WeightPolicy::all}, {"last", WeightPolicy::last}};
  app.add_option("--weights", options.weights,
                 "Which assistant messages to train on: all, or the last of each example (earlier ones get "
                 "\"weight\":0). Default: last in turn mode, all otherwise")
      ->transform(libstream::enum_choice(weights))
      ->type_name("all|last");
  // A callback, not a "!" flag, which --help would show as "--no-metadata{false}".
  app.add_flag_callback("--no-metadata", [&options] { options.metadata = false; }, "Leave out the metadata object (strict uploads)");
  app.add_option("--metadata-out", options.metadata_out,
                 "Write each example's metadata to FILE, one line per example in the output's order, instead of "
                 "into the examples (which then pass strict upload checks)")
      ->type_name("FILE")
      ->excludes("--no-metadata");
  app.add_option("--system-prompt", options.system_prompt,
                 "Replace the content of every system message with TEXT; 'none' drops system messages");
  app.add_option("--max-tokens", options.max_tokens,
                 "Per-example budget in tokens (exact, as OpenAI counts the messages written): drop the oldest "
                 "whole turns, never system messages or the target's turn");
  libstream::add_tokenizer_options(app, options.tokenizer);
  app.add_flag("--token-estimate", options.token_estimate,
               "--max-tokens: estimate tokens without the tokenizer's vocabulary instead of counting them");
  app.add_option("--window", options.window, "Window mode: turns per window")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--stride", options.stride, "Window mode: advance the start by this many assistant turns")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--min-window-reward", options.min_window_reward,
                 "Window mode: the least score a window needs (achievements gained, or the reward sum)")
      ->capture_default_str();
  app.add_option("--window-score", options.window_score,
                 "Window mode: achievements (new achievements in the window) or reward:TYPE (sum of turns[].rewards.TYPE, "
                 "e.g. reward:environment)")
      ->check([](const std::string& text) {
        return text == "achievements" || (text.rfind("reward:", 0) == 0 && text.size() > 7) ? std::string()
                                                                                          : std::string("takes achievements or reward:TYPE");
      })
      ->capture_default_str();
  app.add_flag("--dedup", options.dedup,
               "Drop an example whose messages are identical to an earlier one (keeps one 64-bit hash per example)");
  app.add_option("--threads", options.threads,
                 "Worker threads making the examples of sessions (0: the reading thread only; --dedup uses the reading "
                 "thread); the output is the same for every number")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  add_preference_options(app, options.preference);
}

}  // namespace tracemill

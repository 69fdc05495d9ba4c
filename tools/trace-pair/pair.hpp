// trace-pair: OpenAI chat fine-tuning examples (JSONL) from trace/v1 sessions.
#pragma once

#include "preference.hpp"

#include <libstream/cli.hpp>
#include <libstream/document.hpp>
#include <libstream/tokenizer_options.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <string_view>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tracemill {

enum class PairMode { trajectory, turn, pairs, window, preference, kto };
enum class ToolFormat { openai, hf, synth };
enum class WeightPolicy { all, last };

struct PairOptions {
  PairMode mode = PairMode::turn;
  ToolFormat tool_format = ToolFormat::openai;
  std::optional<WeightPolicy> weights;    ///< default: last for turn, all otherwise
  bool metadata = true;
  /// --metadata-out: each example's metadata goes to this file, one line per example in the
  /// output's order, and the examples carry none (they then pass strict upload checks).
  std::string metadata_out;
  libstream::BufferedSink* metadata_sink = nullptr;  ///< set by run_pair when metadata_out is given
  std::optional<std::string> system_prompt;  ///< replace every system message; "none" drops them
  bool dedup = false;
  uint64_t max_tokens = 0;  ///< 0 = no budget; else drop the oldest whole turns above this many tokens
  libstream::TokenizerOptions tokenizer;  ///< --max-tokens counts with this encoding (o200k_base)
  bool token_estimate = false;            ///< --max-tokens estimates instead (no vocabulary needed)
  const libstream::Tokenizer* counter = nullptr;  ///< set by run_pair under --max-tokens; null: estimate
  // --mode window: windows of `window` turns scored by what was gained inside them.
  uint64_t window = 5;
  uint64_t stride = 1;
  double min_window_reward = 1.0;
  std::string window_score = "achievements";  ///< achievements, or reward:TYPE (a turns[].rewards type)
  PreferenceOptions preference;  ///< --mode preference and kto (preference.hpp)
  /// Worker threads making examples (turn, trajectory, pairs, window); --dedup keeps one
  /// set of the examples written, so it runs on the reading thread.
  unsigned threads = 2;
};

void add_pair_options(CLI::App& app, PairOptions& options);

/// What making examples from one session produced.
struct PairResult {
  uint64_t examples = 0;
  uint64_t duplicates = 0;      ///< dropped by --dedup
  uint64_t unanswered = 0;      ///< turns skipped because no assistant reply follows (pairs mode)
  uint64_t trimmed = 0;         ///< examples whose oldest turns were dropped for --max-tokens
  uint64_t over_budget = 0;     ///< examples still over --max-tokens with only system + target left
  uint64_t windows = 0;         ///< window mode: windows that qualified
  uint64_t no_turns = 0;        ///< window mode: sessions without per-turn data (turns, message turns)
  uint64_t recovered_ids = 0;   ///< tool messages without a tool_call_id, tied to the call they answer
  uint64_t unknown_results = 0; ///< hf: tool results whose call (and so function name) is unknown
  uint64_t invalid = 0;         ///< examples that fail the openai-chat rules: not written, given to on_invalid
  std::string problem;          ///< non-empty: the session cannot be paired (rejected with this reason)
};

/// Builds the examples of one parsed trace/v1 session and writes them to `out`, one per line.
/// Each message is serialised once per session and examples are written piece by piece from
/// those bytes. Holds the --dedup set, so use one Pairer per run.
class Pairer {
 public:
  explicit Pairer(const PairOptions& options);
  PairResult pair(const rapidjson::Value& session, libstream::BufferedSink& out);
  /// Receives each example (openai tool format) that fails trace-validate's openai-chat
  /// rules, with the reasons; such an example is not written.
  std::function<void(std::string_view example, const std::string& reason)> on_invalid;
  /// The session's messages as they go out (after --system-prompt and --tool-format), for
  /// preference and KTO examples (preference.cpp). False with `problem` set when the session
  /// cannot be paired.
  bool messages_of(const rapidjson::Value& session, std::vector<OutMessage>& out, std::string& problem);

 private:
  enum class Role { system, user, assistant, tool };
  struct Message {
    Role role = Role::user;
    std::string bytes;          // the message as it goes out
    std::string masked_bytes;   // the same with "weight":0 (assistant messages)
    uint64_t tokens = 0;        // tokens of the message as written (exact, or the estimate)
    std::optional<int64_t> turn;
    std::optional<uint64_t> context;  // context_messages: the prompt was only this many messages
    // For the example check (openai tool format): whether the message alone passes the
    // openai-chat rules that do not span messages, the call ids it issues and the call id it
    // answers (tool messages; empty when it names none).
    bool own_rules_pass = false;
    std::vector<std::string> call_ids;
    std::string answers;
  };
  /// The messages an assistant message at kept[k] saw: all before it, or its context_messages.
  [[nodiscard]] std::vector<size_t> history(const std::vector<size_t>& kept, size_t k) const;
  void pair_windows(const rapidjson::Value& session, const std::vector<size_t>& kept, libstream::BufferedSink& out,
                    PairResult& result);
  void fit_budget(std::vector<size_t>& picked, PairResult& result) const;
  /// Sets `m.own_rules_pass`: `m` alone checked against the openai-chat rules, the ones that
  /// span messages (a result's call, duplicate ids, a trainable reply) aside.
  void check_own_rules(Message& m);
  /// True when the example of `picked` surely passes the openai-chat rules: each message passed
  /// its own, and the rules spanning messages hold. False: check the whole example.
  bool passes_rules(const std::vector<size_t>& picked, size_t last_assistant);
  bool serialize(const rapidjson::Value& message, Message& out, std::string& problem);
  /// Appends `calls` with their arguments as JSON objects: Hugging Face/TRL's
  /// {type, function: {name, arguments}} or, with --tool-format synth, {tool_name, arguments}.
  bool append_object_calls(const rapidjson::Value& calls, std::string& b, std::string& problem);
  void emit_example(const std::vector<size_t>& picked, const std::string& extra_metadata,
                    libstream::BufferedSink& out, PairResult& result);

  const PairOptions& options_;
  WeightPolicy weights_;
  std::vector<Message> messages_;  // reused across sessions: their buffers keep their capacity
  size_t message_count_ = 0;
  std::string metadata_prefix_;  // the session's metadata members, shared by its examples
  std::unordered_set<uint64_t> seen_;                         // --dedup: hashes of examples written
  std::unordered_map<std::string, std::string> call_names_;  // call id -> function name (hf tool messages)
  std::vector<std::pair<std::string, std::string>> pending_;  // calls not answered yet: id, name
  std::unordered_set<std::string_view> issued_;  // passes_rules: call ids issued so far in the example
  std::string example_;        // an example being checked before it is written
  libstream::DocumentParser example_parser_;  // reads it back for the check
  PairResult* result_ = nullptr;  // the session being paired, for counts made while serialising
};

void run_pair(const PairOptions& options, libstream::ToolContext& context);

}  // namespace tracemill

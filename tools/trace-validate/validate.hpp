// trace-validate: checks each record against a profile; valid records pass through
// unchanged, invalid ones are rejected with every reason.
#pragma once

#include <libstream/cli.hpp>
#include <libstream/tokenizer_options.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tracemill {

enum class Profile { json, openai_chat, trace, openai_preference, trl_dpo, trl_kto };

struct ValidateOptions {
  Profile profile = Profile::json;
  bool strict = false;            ///< exit 1 when any record is invalid
  uint64_t max_tokens = 16385;    ///< openai-chat: warn above this many tokens
  uint64_t min_examples = 10;     ///< openai-chat: warn when the file has fewer
  bool stats = false;             ///< openai-chat: print the cookbook's distributions
  /// openai-chat: exact counts with this encoding (cl100k_base by default, as the cookbook),
  /// unless token_estimate asks for the estimate that needs no vocabulary.
  libstream::TokenizerOptions tokenizer{"", "", "", "cl100k_base"};
  bool token_estimate = false;
  /// openai-chat: count (or estimate) each example's tokens; false checks the rules alone (no
  /// token warning or limit), as trace-pair's check of the examples it makes.
  bool count_tokens = true;
  /// openai-chat: also the rules that span an example's messages (each tool result answers an
  /// earlier call, an assistant message, a trainable one) and the warnings about the example
  /// as a whole. False checks what each message must satisfy alone: trace-pair's check of one
  /// message, which would otherwise build those findings only to set them aside.
  bool example_rules = true;
  unsigned threads = 2;  ///< worker threads parsing and checking records (0: the reading thread)
  const libstream::Tokenizer* counter = nullptr;  ///< set by run_validate; null: the estimate
  /// openai-chat: the tokens one training example may hold for --model (0: no known limit);
  /// an example over it is an error. Set by run_validate from training_example_limit().
  uint64_t model_limit = 0;
};

/// The most tokens one fine-tuning example may hold for an OpenAI model, by its name (a
/// snapshot or its alias); 0 for a model whose limit is not in the table.
[[nodiscard]] uint64_t training_example_limit(std::string_view model);

void add_validate_options(CLI::App& app, ValidateOptions& options);

/// One problem found in a record. `code` is a stable counter name (the cookbook's names
/// for the checks it has); `path` is where, e.g. "messages[2].tool_calls[0].function.arguments".
struct Finding {
  std::string code;
  std::string path;
  std::string detail;
};

/// What checking one record found, plus measurements used by the report.
struct RecordCheck {
  std::vector<Finding> errors;
  std::vector<Finding> warnings;
  uint64_t messages = 0;
  uint64_t tokens = 0;            ///< total tokens, exact or estimated (openai-chat)
  uint64_t assistant_tokens = 0;  ///< tokens of assistant messages, exact or estimated (openai-chat)
};

/// Checks one parsed record against a profile.
void check_openai_chat(const rapidjson::Value& record, const ValidateOptions& options, RecordCheck& check);
void check_trace(const rapidjson::Value& record, RecordCheck& check);
/// OpenAI preference fine-tuning: {input: {messages, tools?}, preferred_output, non_preferred_output}
/// (preference_profiles.cpp).
void check_openai_preference(const rapidjson::Value& record, const ValidateOptions& options, RecordCheck& check);
/// TRL conversational preference {prompt, chosen, rejected}, or with `kto` {prompt, completion, label}.
void check_trl_preference(const rapidjson::Value& record, bool kto, RecordCheck& check);

/// "reason; reason" for a reject.
[[nodiscard]] std::string describe(const std::vector<Finding>& findings);

void run_validate(const ValidateOptions& options, libstream::ToolContext& context);

}  // namespace tracemill

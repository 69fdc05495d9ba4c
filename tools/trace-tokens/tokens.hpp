// trace-tokens: adds exact token counts to each record with a messages array (OpenAI chat
// examples and trace/v1 sessions alike), or with --totals prints the totals only.
#pragma once

#include <libstream/chat_tokens.hpp>
#include <libstream/cli.hpp>
#include <libstream/tokenizer_options.hpp>

#include <string>

namespace tracemill {

struct TokensOptions {
  libstream::TokenizerOptions tokenizer;
  std::string member = "tokens";  ///< the top-level member the counts go into
  bool totals = false;            ///< print one line of totals instead of the records
  unsigned threads = 2;           ///< worker threads counting records (0: the reading thread)
};

void add_tokens_options(CLI::App& app, TokensOptions& options);

/// {"encoding":E,"per_message":[...],"total":N,"chat_total":N}: the member's value.
[[nodiscard]] std::string counts_json(const std::string& encoding, const libstream::ChatTokens& counts);

/// `record` (one compact JSON object) with `"member":value` added as its last member.
[[nodiscard]] std::string with_member(std::string_view record, bool empty_object, const std::string& member,
                                      const std::string& value);

void run_tokens(const TokensOptions& options, libstream::ToolContext& context);

}  // namespace tracemill

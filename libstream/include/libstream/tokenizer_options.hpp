// The options that choose a tokenizer, shared by every tool that counts tokens:
// --encoding NAME, --model NAME (its encoding as tiktoken maps it), --vocab-dir DIR.
#pragma once

#include <libstream/tokenizer.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace libstream {

struct TokenizerOptions {
  std::string encoding;
  std::string model;
  std::string vocab_dir;
  std::string default_encoding = "o200k_base";
};

/// How a tool shows the options: tools whose --model means something else (trace-filter keeps
/// sessions of a model) leave it out; `used_by` names the options that count tokens
/// ("--chat-tokens") when counting is not the tool's main job; `group` is a help section.
struct TokenizerOptionStyle {
  bool with_model = true;
  std::string used_by;
  std::string group;
};

/// Adds --encoding, --model and --vocab-dir (the two first exclude each other).
void add_tokenizer_options(CLI::App& app, TokenizerOptions& options, const TokenizerOptionStyle& style = {});

/// The encoding the options name: --encoding, else --model's, else the default. Throws
/// Error (usage) for a model tiktoken does not know.
[[nodiscard]] std::string chosen_encoding(const TokenizerOptions& options);

/// Loads the chosen encoding from --vocab-dir, else default_vocab_dir(). Throws Error.
[[nodiscard]] std::shared_ptr<const Tokenizer> load_tokenizer(const TokenizerOptions& options);

}  // namespace libstream
